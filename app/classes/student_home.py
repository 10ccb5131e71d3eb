"""What a student was assigned, across their classes, with where they stand in each module.

Three queries whatever the number of classes or modules: the assignments that reach the student,
their lesson progress and their quiz standings (callers that already hold the last two pass them in)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Integer, and_, bindparam, exists, not_, or_, select

from app.content import Module, library
from app.extensions import db
from app.learn.grading import Standing, standings
from app.models import Assignment, AssignmentStudent, Classroom, Enrollment, Excusal, LessonProgress, User
from app.models.base import utcnow
from app.prepared import prepared

NOT_STARTED, IN_PROGRESS, QUIZ_TO_DO, DONE = "not_started", "in_progress", "quiz_to_do", "done"
NEW_FOR = timedelta(days=7)  # an assignment not yet started is marked "new" this long


@dataclass
class Item:
    module: Module
    due_at: datetime | None
    status: str
    step: int  # where "continue" goes
    step_count: int
    overdue: bool
    best: int | None
    new: bool = False
    classes: tuple[str, ...] = ()  # the classes that assigned it

    @property
    def minutes(self) -> int:
        return self.module.lessons["en"].meta.minutes

    @property
    def steps_done(self) -> int:
        """For the progress bar: whole lesson once finished, else the steps before the current one."""
        if self.status in (DONE, QUIZ_TO_DO):
            return self.step_count
        return max(0, self.step - 1) if self.status == IN_PROGRESS else 0

    @property
    def done(self) -> bool:
        return self.status == DONE


@dataclass
class Home:
    items: list[Item]
    excused: set[str]  # modules every assigning class gave the student an alternative for

    @property
    def assigned_ids(self) -> set[str]:
        return {i.module.id for i in self.items}


@prepared()
def _reaching_statement():
    """Built once: building it took longer than running it (every student page counts from it)."""
    user_id: BindParameter[int] = bindparam("user_id", type_=Integer)
    school_id: BindParameter[int] = bindparam("school_id", type_=Integer)
    chosen_any = exists().where(AssignmentStudent.assignment_id == Assignment.id)
    chosen_me = exists().where(AssignmentStudent.assignment_id == Assignment.id, AssignmentStudent.user_id == user_id)
    excused = exists().where(Excusal.assignment_id == Assignment.id, Excusal.user_id == user_id)
    return (
        select(Assignment.module_id, Assignment.due_at, excused.label("excused"), Assignment.created_at, Classroom.name)
        .join(Classroom, Classroom.id == Assignment.classroom_id)
        .join(Enrollment, and_(Enrollment.classroom_id == Classroom.id, Enrollment.user_id == user_id))
        .where(Classroom.school_id == school_id, Classroom.archived_at.is_(None))
        .where(or_(not_(chosen_any), chosen_me))
    )


@prepared()
def _progress_statement():
    return select(LessonProgress.module_id, LessonProgress.current_step, LessonProgress.completed_at).where(
        LessonProgress.user_id == bindparam("user_id", type_=Integer),
        LessonProgress.module_id.in_(bindparam("ids", expanding=True)),
    )


def _reaching(user: User):
    """(module id, due date, excused?, assigned at, class name) for each assignment of the student's
    active classes that is for the whole class or chose them."""
    return db.session.execute(_reaching_statement(), {"user_id": user.id, "school_id": user.school_id}).all()


def _merge(rows) -> tuple[dict[str, datetime | None], set[str], dict[str, tuple[datetime, list[str]]]]:
    """Same module from two classes: one item, the earliest due date wins. Excused only if
    every class that assigns it excused the student. Also: when it was last assigned, and by which classes."""
    due: dict[str, datetime | None] = {}
    excused: set[str] = set()
    origin: dict[str, tuple[datetime, list[str]]] = {}
    for module_id, due_at, is_excused, created_at, class_name in rows:
        if library().get(module_id) is None:
            continue  # content removed since it was assigned
        if is_excused:
            excused.add(module_id)
            continue
        latest, names = origin.get(module_id, (created_at, []))
        origin[module_id] = (max(latest, created_at), sorted({*names, class_name}))
        if module_id not in due or (due_at is not None and (due[module_id] is None or due_at < due[module_id])):
            due[module_id] = due_at
    return due, excused - set(due), origin


def _item(module: Module, due_at, progress: Any, standing: Standing | None, now) -> Item:
    passed = bool(standing and standing.passed)
    if progress is not None and progress.completed_at is not None:
        status = DONE if passed else QUIZ_TO_DO
    elif progress is not None:
        status = IN_PROGRESS
    else:
        status = NOT_STARTED
    return Item(
        module=module,
        due_at=due_at,
        status=status,
        step=progress.current_step if progress else 1,
        step_count=module.step_count,
        overdue=due_at is not None and due_at < now and status != DONE,
        best=standing.best if standing else None,
    )


def _order(item: Item):
    due = item.due_at.timestamp() if item.due_at else 0.0
    return (item.done, not item.overdue, item.due_at is None, due, item.module.order)


def student_home(
    user: User,
    progress: dict[str, Any] | None = None,  # LessonProgress objects or rows: current_step, completed_at
    scores: dict[str, Standing] | None = None,
) -> Home:
    """The student's assigned modules, in the order to do them, and the modules they were excused from."""
    due, excused, origin = _merge(_reaching(user))
    if not due:
        return Home(items=[], excused=excused)
    ids = list(due)
    if progress is None:
        progress = {p.module_id: p for p in db.session.execute(_progress_statement(), {"user_id": user.id, "ids": ids})}
    if scores is None:
        scores = standings(user.id, ids)
    now = utcnow()
    modules = library()
    # A module taken out of the curriculum drops off the list instead of breaking the page.
    items = [
        _item(module, due[m], progress.get(m), scores.get(m), now)
        for m in ids
        if (module := modules.get(m)) is not None
    ]
    for item in items:
        assigned_at, item.classes = origin[item.module.id][0], tuple(origin[item.module.id][1])
        item.new = item.status == NOT_STARTED and now - assigned_at < NEW_FOR
    return Home(items=sorted(items, key=_order), excused=excused)


def assigned_modules(user: User) -> list[Item]:
    return student_home(user).items
