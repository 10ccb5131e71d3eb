"""A new teacher's first steps, ticked from what is already in the database (nothing extra is stored):
create a class → add students → print their login cards → assign a module → see the dashboard.

Login cards are shown the moment students are added (their passwords exist only then), so that step
is done with the students; the dashboard step is done once a student has started an assigned module,
because until then the dashboard has nothing to show. Four queries whatever the number of classes."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from app.extensions import db
from app.models import Assignment, Classroom, Enrollment, LessonProgress, Role, User

STEPS = (
    ("create_class", _l("Create a class")),
    ("add_students", _l("Add your students")),
    ("print_cards", _l("Print their login cards")),
    ("assign", _l("Assign a module")),
    ("dashboard", _l("See the class dashboard")),
)


@dataclass
class Step:
    key: str
    label: str
    done: bool
    url: str | None  # where to do it; None while an earlier step is needed first


@dataclass
class Checklist:
    steps: list[Step]

    @property
    def complete(self) -> bool:
        return all(s.done for s in self.steps)

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def done_count(self) -> int:
        return sum(s.done for s in self.steps)


def _first_class(teacher: User) -> Classroom | None:
    """The class to point the next step at: the teacher's oldest active class."""
    return db.session.scalar(
        select(Classroom)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.user_id == teacher.id, Classroom.school_id == teacher.school_id)
        .where(Classroom.archived_at.is_(None))
        .order_by(Classroom.id)
        .limit(1)
    )


def _facts(classroom: Classroom) -> tuple[bool, bool, bool]:
    """(has students, has an assignment, a student started an assigned module) for one class."""
    students = (
        select(Enrollment.user_id)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.classroom_id == classroom.id, User.role == Role.STUDENT)
    )
    has_students = db.session.scalar(select(exists(students)))
    assigned = select(Assignment.module_id).where(Assignment.classroom_id == classroom.id)
    has_assignment = db.session.scalar(select(exists(assigned)))
    started = has_assignment and db.session.scalar(
        select(
            exists().where(
                LessonProgress.user_id.in_(students),
                LessonProgress.module_id.in_(assigned),
            )
        )
    )
    return bool(has_students), bool(has_assignment), bool(started)


def checklist(teacher: User) -> Checklist:
    classroom = _first_class(teacher)
    if classroom is None:
        done = dict.fromkeys((key for key, _label in STEPS), False)
        urls = {"create_class": url_for("classes.create")}
    else:
        has_students, has_assignment, started = _facts(classroom)
        done = {
            "create_class": True,
            "add_students": has_students,
            "print_cards": has_students,
            "assign": has_assignment,
            "dashboard": started,
        }
        roster = url_for("classes.roster_add", class_id=classroom.id)
        urls = {
            "create_class": url_for("classes.create"),
            "add_students": roster,
            "print_cards": roster,
            "assign": url_for("classes.assignments", class_id=classroom.id, _anchor="assign-title"),
            "dashboard": url_for("classes.dashboard", class_id=classroom.id),
        }
    return Checklist([Step(key, str(label), done[key], urls.get(key)) for key, label in STEPS])
