"""Teachers put modules in front of a class: assign, change, remove, and excuse a student."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.classes import bp
from app.classes.access import class_or_404, student_in_class_or_404, students_of, teacher_only, teacher_or_admin
from app.classes.assignment_forms import CHOSEN, WHOLE_CLASS, ActionForm, AssignForm, AssignmentForm, ExcuseForm
from app.content import library
from app.extensions import db
from app.models import Assignment, AssignmentStudent, Classroom, Excusal, Role, User


def title_of(module_id: str) -> str:
    module = library().get(module_id)
    return module.lesson(str(get_locale())).meta.title if module else module_id


def class_assignments(classroom: Classroom) -> list[Assignment]:
    """The class's assignments with their chosen students and excusals: three queries."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.classroom_id == classroom.id)
            .options(selectinload(Assignment.chosen), selectinload(Assignment.excusals))
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        )
    )


def assignment_or_404(classroom: Classroom, assignment_id: int) -> Assignment:
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.id == assignment_id, Assignment.classroom_id == classroom.id)
    )
    if assignment is None:
        abort(404)
    return assignment


def refuse_unoffered(name: str, offered: set[str]) -> None:
    """Values no honest page could send (another class's student, a made-up module) are a 400."""
    if any(value not in offered for value in request.form.getlist(name)):
        abort(400)


def set_audience(assignment: Assignment, chosen_ids: set[int]) -> None:
    """Empty means the whole class. Rows that stay are kept rather than deleted and re-added."""
    assignment.chosen = [c for c in assignment.chosen if c.user_id in chosen_ids] + [
        AssignmentStudent(user_id=uid) for uid in sorted(chosen_ids - assignment.chosen_ids)
    ]


def _student_choices(students: list[User]) -> list[SelectChoice]:
    return [SelectChoice(str(s.id), s.display_name) for s in students]


@bp.route("/classes/<int:class_id>/assignments", methods=["GET", "POST"])
@teacher_or_admin
def assignments(class_id: int):
    classroom = class_or_404(class_id, manage=request.method == "POST")
    manage = current_user.role == Role.TEACHER  # class_or_404 let a teacher through only if they teach it
    existing = class_assignments(classroom)
    students = students_of(classroom.id)
    assigned = {a.module_id for a in existing}
    offered = [m for m in library().modules if m.id not in assigned]
    form = AssignForm()
    form.school_tz, form.already = current_user.school.tz, {m: title_of(m) for m in assigned}
    form.modules.choices = [SelectChoice(m.id, m.id) for m in offered]
    form.students.choices = _student_choices(students)
    status = 200
    if request.method == "POST":
        refuse_unoffered("modules", {m.id for m in library().modules})
        refuse_unoffered("students", {str(s.id) for s in students})
        if form.validate_on_submit() and _create(classroom, form):
            titles = ", ".join(title_of(m) for m in dict.fromkeys(form.modules.data))
            flash(_("Assigned: %(titles)s.", titles=titles), "success")
            return redirect(url_for("classes.assignments", class_id=classroom.id))
        status = 422
    return render_template(
        "classes/assignments.html",
        classroom=classroom,
        assignments=existing,
        offered=offered,
        form=form,
        students=students,
        manage=manage,
        title_of=title_of,
    ), status


def _create(classroom: Classroom, form: AssignForm) -> bool:
    """All chosen modules in one transaction, or none."""
    due_at, chosen = form.due_moment(), form.chosen_ids
    for module_id in dict.fromkeys(form.modules.data):  # a module sent twice is assigned once
        assignment = Assignment(
            classroom_id=classroom.id, module_id=module_id, due_at=due_at, created_by_id=current_user.id
        )
        assignment.chosen = [AssignmentStudent(user_id=uid) for uid in sorted(chosen)]
        db.session.add(assignment)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.modules.errors.append(
            _(
                "One of these modules was just assigned to this class from another page. Nothing was saved: "
                "check the list and try again."
            )
        )
        return False
    return True


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@teacher_only
def edit_assignment(class_id: int, assignment_id: int):
    classroom = class_or_404(class_id)
    assignment = assignment_or_404(classroom, assignment_id)
    students = students_of(classroom.id)
    tz = current_user.school.tz
    if request.method == "POST":
        refuse_unoffered("students", {str(s.id) for s in students})
        form = AssignmentForm()
    else:
        form = AssignmentForm(data=as_it_is(assignment, tz))
    form.school_tz, form.previous_due = tz, assignment.due_at
    form.students.choices = _student_choices(students)
    if form.validate_on_submit():
        assignment.due_at = form.due_moment()
        set_audience(assignment, form.chosen_ids)
        db.session.commit()
        flash(_("Saved the changes to %(title)s.", title=title_of(assignment.module_id)), "success")
        return redirect(url_for("classes.assignments", class_id=classroom.id))
    return render_edit(classroom, assignment, students, form, status=422 if form.errors else 200)


def as_it_is(assignment: Assignment, tz) -> dict:
    """The edit form's starting values: the due moment in school time, and who it is for."""
    local = assignment.due_at.astimezone(tz) if assignment.due_at else None
    return {
        "due_date": local.date() if local else None,
        "due_time": local.time().replace(second=0, microsecond=0, tzinfo=None) if local else None,
        "audience": CHOSEN if assignment.chosen else WHOLE_CLASS,
        "students": [str(uid) for uid in assignment.chosen_ids],
    }


def render_edit(classroom, assignment, students, form, excuse_form=None, excuse_for=None, status=200):
    return render_template(
        "classes/assignment_edit.html",
        classroom=classroom,
        assignment=assignment,
        students=students,
        form=form,
        excuse_form=excuse_form or ExcuseForm(formdata=None),
        excuse_for=excuse_for,
        excusals={e.user_id: e for e in assignment.excusals},
        title=title_of(assignment.module_id),
    ), status


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/delete", methods=["POST"])
@teacher_only
def delete_assignment(class_id: int, assignment_id: int):
    classroom = class_or_404(class_id)
    assignment = assignment_or_404(classroom, assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    title = title_of(assignment.module_id)
    db.session.delete(assignment)  # students' progress and quiz answers are theirs and stay
    db.session.commit()
    flash(_("%(title)s is no longer assigned to this class. Students keep their progress.", title=title), "success")
    return redirect(url_for("classes.assignments", class_id=classroom.id))


def _excusal_target(class_id: int, assignment_id: int):
    classroom = class_or_404(class_id)
    assignment = assignment_or_404(classroom, assignment_id)
    student_id = request.form.get("student_id", type=int)
    if student_id is None:
        abort(400)
    return classroom, assignment, student_in_class_or_404(classroom, student_id)


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/excuse", methods=["POST"])
@teacher_only
def excuse(class_id: int, assignment_id: int):
    classroom, assignment, student = _excusal_target(class_id, assignment_id)
    form = ExcuseForm()
    if not form.validate_on_submit():
        students = students_of(classroom.id)
        edit_form = AssignmentForm(formdata=None, data=as_it_is(assignment, current_user.school.tz))
        edit_form.students.choices = _student_choices(students)
        return render_edit(
            classroom, assignment, students, edit_form, excuse_form=form, excuse_for=student.id, status=422
        )
    note = (form.note.data or "").strip() or None
    excusal = next((e for e in assignment.excusals if e.user_id == student.id), None)
    if excusal is None:
        assignment.excusals.append(Excusal(user_id=student.id, note=note))
    else:
        excusal.note = note
    db.session.commit()
    flash(
        _(
            "%(name)s is excused from %(title)s and will get an alternative activity.",
            name=student.display_name,
            title=title_of(assignment.module_id),
        ),
        "success",
    )
    return redirect(
        url_for("classes.edit_assignment", class_id=classroom.id, assignment_id=assignment.id, _anchor="excusals")
    )


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/unexcuse", methods=["POST"])
@teacher_only
def unexcuse(class_id: int, assignment_id: int):
    classroom, assignment, student = _excusal_target(class_id, assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    assignment.excusals = [e for e in assignment.excusals if e.user_id != student.id]
    db.session.commit()
    flash(
        _(
            "%(name)s is no longer excused from %(title)s.",
            name=student.display_name,
            title=title_of(assignment.module_id),
        ),
        "success",
    )
    return redirect(
        url_for("classes.edit_assignment", class_id=classroom.id, assignment_id=assignment.id, _anchor="excusals")
    )
