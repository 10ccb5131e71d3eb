"""Who may see and change a class. The one place that answers it."""

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Integer, bindparam, exists, select

from app.extensions import db
from app.models import Classroom, Enrollment, Role, User
from app.prepared import prepared
from app.security import role_required, school_scoped_or_404

teacher_or_admin = role_required(Role.TEACHER, Role.SCHOOL_ADMIN)
teacher_only = role_required(Role.TEACHER)


def teaches(classroom_id: int, user_id: int) -> bool:
    """Asked once per request per class: class_or_404 and can_manage both ask on most pages."""
    known = g.setdefault("dari_teaches", {})
    if (classroom_id, user_id) not in known:
        params = {"classroom_id": classroom_id, "user_id": user_id}
        known[classroom_id, user_id] = bool(db.session.scalar(_teaches_statement(), params))
    return known[classroom_id, user_id]


@prepared()
def _teaches_statement():
    return select(
        exists().where(
            Enrollment.classroom_id == bindparam("classroom_id", type_=Integer),
            Enrollment.user_id == bindparam("user_id", type_=Integer),
        )
    )


def class_or_404(class_id: int, manage: bool = True) -> Classroom:
    """A class the current user teaches; school admins may also read (not change) any class of
    their school. Everyone else, including other teachers of the school, gets 404."""
    classroom = school_scoped_or_404(Classroom, class_id)
    if current_user.role == Role.TEACHER and teaches(classroom.id, current_user.id):
        return classroom
    if current_user.role == Role.SCHOOL_ADMIN:
        if manage:
            abort(403)
        return classroom
    abort(404)


def can_manage(classroom: Classroom) -> bool:
    return current_user.role == Role.TEACHER and teaches(classroom.id, current_user.id)


def students_of(classroom_id: int) -> list[User]:
    """Active students of a class, by display name, in one query."""
    return list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.classroom_id == classroom_id, User.role == Role.STUDENT)
            .order_by(User.display_name, User.username)
        )
    )


def teachers_of(classroom_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.classroom_id == classroom_id, User.role == Role.TEACHER)
            .order_by(User.display_name)
        )
    )


def student_in_class_or_404(classroom: Classroom, student_id: int) -> User:
    student = db.session.scalar(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.classroom_id == classroom.id, User.id == student_id, User.role == Role.STUDENT)
    )
    if student is None:
        abort(404)
    return student
