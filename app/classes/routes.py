"""Teachers create, edit and archive classes, manage the join code and co-teachers."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, select
from wtforms import SelectChoice

from app.classes import bp
from app.classes.access import (
    can_manage,
    class_or_404,
    students_of,
    teacher_only,
    teacher_or_admin,
    teachers_of,
)
from app.classes.forms import ClassForm, CoTeacherForm
from app.extensions import db
from app.models import Assignment, Classroom, Enrollment, Role, User
from app.models.base import utcnow


@bp.route("/classes")
@teacher_or_admin
def index():
    stmt = select(Classroom).where(Classroom.school_id == current_user.school_id)
    if current_user.role == Role.TEACHER:
        stmt = stmt.join(Enrollment, Enrollment.classroom_id == Classroom.id).where(
            Enrollment.user_id == current_user.id
        )
    classes = list(db.session.scalars(stmt.order_by(Classroom.school_year.desc(), Classroom.name)))
    ids = [c.id for c in classes]
    counts = (
        dict(
            db.session.execute(
                select(Enrollment.classroom_id, func.count())
                .join(User, User.id == Enrollment.user_id)
                .where(Enrollment.classroom_id.in_(ids), User.role == Role.STUDENT)
                .group_by(Enrollment.classroom_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "classes/index.html",
        active=[c for c in classes if not c.archived],
        archived=[c for c in classes if c.archived],
        counts=counts,
    )


@bp.route("/classes/new", methods=["GET", "POST"])
@teacher_only
def create():
    form = ClassForm(locale=current_user.school.default_locale)
    if form.validate_on_submit():
        classroom = Classroom(school_id=current_user.school_id)
        _fill(classroom, form)
        classroom.new_join_code()
        db.session.add(classroom)
        db.session.flush()
        db.session.add(Enrollment(classroom_id=classroom.id, user_id=current_user.id))
        db.session.commit()
        flash(_("Class %(name)s is ready. Add students or share the join code.", name=classroom.name), "success")
        # A new class's next step is its students: go straight there (the class page is one link away).
        return redirect(url_for("classes.roster_add", class_id=classroom.id))
    return render_template("classes/form.html", form=form, classroom=None), 422 if form.errors else 200


def _fill(classroom: Classroom, form: ClassForm) -> None:
    classroom.name = form.name.data.strip()
    classroom.grade = form.grade.data
    classroom.school_year = form.school_year.data.strip()
    classroom.locale = form.locale.data


@bp.route("/classes/<int:class_id>")
@teacher_or_admin
def show(class_id: int):
    classroom = class_or_404(class_id, manage=False)
    teachers = teachers_of(classroom.id)
    form = CoTeacherForm()
    form.teacher_id.choices = _co_teacher_choices(classroom, teachers)
    has_assignments = (
        db.session.scalar(select(func.count()).select_from(Assignment).where(Assignment.classroom_id == classroom.id))
        or 0
    ) > 0
    return render_template(
        "classes/show.html",
        classroom=classroom,
        students=students_of(classroom.id),
        teachers=teachers,
        manage=can_manage(classroom),
        co_teacher_form=form,
        has_assignments=has_assignments,
        join_url=url_for("classes.join", _external=True),
    )


def _co_teacher_choices(classroom: Classroom, teachers: list[User]) -> list[SelectChoice]:
    present = {t.id for t in teachers}
    others = db.session.scalars(
        select(User)
        .where(User.school_id == classroom.school_id, User.role == Role.TEACHER, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [SelectChoice(t.id, f"{t.display_name} ({t.email})") for t in others if t.id not in present]


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@teacher_only
def edit(class_id: int):
    classroom = class_or_404(class_id)
    form = ClassForm(obj=classroom)
    if form.validate_on_submit():
        _fill(classroom, form)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("classes.show", class_id=classroom.id))
    return render_template("classes/form.html", form=form, classroom=classroom), 422 if form.errors else 200


@bp.route("/classes/<int:class_id>/archive", methods=["POST"])
@teacher_only
def archive(class_id: int):
    classroom = class_or_404(class_id)
    classroom.archived_at = None if classroom.archived else utcnow()
    if classroom.archived:
        classroom.join_enabled = False
    db.session.commit()
    flash(
        _("The class is archived. Its students no longer see its assignments.")
        if classroom.archived
        else _("The class is active again."),
        "success",
    )
    return redirect(url_for("classes.show", class_id=classroom.id))


@bp.route("/classes/<int:class_id>/join-code", methods=["POST"])
@teacher_only
def join_code(class_id: int):
    """action=new makes a fresh code (the old one stops working); off and on switch joining."""
    classroom = class_or_404(class_id)
    action = request.form.get("action")
    if action == "new":
        classroom.new_join_code()
        flash(_("New join code: %(code)s. The old code no longer works.", code=classroom.join_code), "success")
    elif action in ("off", "on"):
        if classroom.join_code is None:
            classroom.new_join_code()
        classroom.join_enabled = action == "on"
        flash(
            _("Students can join with the code again.")
            if classroom.join_enabled
            else _("Joining with the code is turned off."),
            "success",
        )
    else:
        abort(400)
    db.session.commit()
    return redirect(url_for("classes.show", class_id=classroom.id, _anchor="join-code"))


@bp.route("/classes/<int:class_id>/co-teachers", methods=["POST"])
@teacher_only
def add_co_teacher(class_id: int):
    classroom = class_or_404(class_id)
    form = CoTeacherForm()
    form.teacher_id.choices = _co_teacher_choices(classroom, teachers_of(classroom.id))
    if not form.validate_on_submit():
        abort(400)
    db.session.add(Enrollment(classroom_id=classroom.id, user_id=form.teacher_id.data))
    db.session.commit()
    flash(_("Co-teacher added."), "success")
    return redirect(url_for("classes.show", class_id=classroom.id))


@bp.route("/classes/<int:class_id>/co-teachers/<int:user_id>/remove", methods=["POST"])
@teacher_only
def remove_co_teacher(class_id: int, user_id: int):
    classroom = class_or_404(class_id)
    teachers = teachers_of(classroom.id)
    if user_id not in {t.id for t in teachers}:
        abort(404)
    if len(teachers) == 1:
        flash(_("A class needs at least one teacher. Add another teacher first."), "error")
    else:
        db.session.execute(
            delete(Enrollment).where(Enrollment.classroom_id == classroom.id, Enrollment.user_id == user_id)
        )
        db.session.commit()
        flash(_("Teacher removed from the class."), "success")
        if user_id == current_user.id:
            return redirect(url_for("classes.index"))
    return redirect(url_for("classes.show", class_id=classroom.id))
