"""The roster pages of a class: add students from a list of names, print login cards, reset a
password, remove a student, delete the whole roster. The accounts themselves: `roster_accounts`."""

from flask import flash, redirect, render_template, url_for
from flask_babel import force_locale, gettext as _
from markupsafe import Markup
from sqlalchemy import delete, select

from app import audit
from app.classes import bp, roster_accounts
from app.classes.access import class_or_404, student_in_class_or_404, teacher_only
from app.classes.forms import DeleteRosterForm, RosterForm
from app.content import library
from app.extensions import db
from app.models import Assignment, Enrollment


@bp.route("/classes/<int:class_id>/roster/add", methods=["GET", "POST"])
@teacher_only
def roster_add(class_id: int):
    classroom = class_or_404(class_id)
    form = RosterForm()
    if form.validate_on_submit():
        try:
            if form.csv_file.data and form.csv_file.data.filename:
                names = roster_accounts.names_from_csv(form.csv_file.data.read())
            else:
                names = roster_accounts.names_from_text(form.names.data)
            roster_accounts.check_names(names, classroom)
        except roster_accounts.RosterProblem as problem:
            form.form_errors.append(str(problem))
        else:
            created = roster_accounts.create_students(classroom, names)
            db.session.commit()
            return _cards(classroom, created, new=True)
    return render_template("classes/roster_add.html", form=form, classroom=classroom), 422 if form.errors else 200


def _cards(classroom, students, new: bool):
    """Login cards, in the class's language, shown once: the passwords are not kept anywhere."""
    with force_locale(classroom.locale):
        html = render_template(
            "classes/_cards.html",
            classroom=classroom,
            students=students,
            login_url=url_for("auth.login", _external=True),
        )
    # The card template escapes every name; Markup only stops the page template escaping it again.
    cards = Markup(html)  # noqa: S704
    return render_template(
        "classes/cards.html",
        classroom=classroom,
        students=students,
        cards=cards,
        new=new,
        offered=_unassigned_modules(classroom) if new else [],
    )


def _unassigned_modules(classroom):
    """What the cards page offers to assign next, so a new class gets its first module in one step."""
    assigned = set(db.session.scalars(select(Assignment.module_id).where(Assignment.classroom_id == classroom.id)))
    return [m for m in library().modules if m.id not in assigned]


@bp.route("/classes/<int:class_id>/students/<int:student_id>/reset-password", methods=["POST"])
@teacher_only
def reset_student_password(class_id: int, student_id: int):
    classroom = class_or_404(class_id)
    student = student_in_class_or_404(classroom, student_id)
    password = roster_accounts.reset_student_password(student)
    audit.record_account_action("password_reset", student)
    db.session.commit()
    return _cards(classroom, [roster_accounts.NewStudent(student, password)], new=False)


@bp.route("/classes/<int:class_id>/students/<int:student_id>/remove", methods=["POST"])
@teacher_only
def remove_student(class_id: int, student_id: int):
    classroom = class_or_404(class_id)
    student = student_in_class_or_404(classroom, student_id)
    db.session.execute(
        delete(Enrollment).where(Enrollment.classroom_id == classroom.id, Enrollment.user_id == student.id)
    )
    db.session.commit()
    flash(_("%(name)s is no longer in this class. Their account still exists.", name=student.display_name), "success")
    return redirect(url_for("classes.show", class_id=classroom.id))


@bp.route("/classes/<int:class_id>/delete-roster", methods=["GET", "POST"])
@teacher_only
def delete_roster(class_id: int):
    classroom = class_or_404(class_id)
    to_delete, to_remove = roster_accounts.roster_deletion_plan(classroom)
    form = DeleteRosterForm()
    if form.validate_on_submit():
        if form.confirm_name.data.strip() != classroom.name:
            form.confirm_name.errors.append(_("That is not the class name. Nothing was deleted."))
        else:
            deleted, removed = roster_accounts.delete_roster(classroom)
            db.session.commit()
            flash(
                _(
                    "Deleted %(deleted)d student accounts and their data; "
                    "%(removed)d students stay in their other classes.",
                    deleted=deleted,
                    removed=removed,
                ),
                "success",
            )
            return redirect(url_for("classes.show", class_id=classroom.id))
    return render_template(
        "classes/delete_roster.html",
        classroom=classroom,
        form=form,
        to_delete=to_delete,
        to_remove=to_remove,
    ), 422 if form.errors else 200
