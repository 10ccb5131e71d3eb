"""Student accounts of a teacher-made roster: made from a list of names (all of them, or none),
passwords reset, and the accounts the class alone holds deleted with the roster."""

import csv
import io
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import Classroom, Enrollment, Role, User
from app.passwords import generate_password

MAX_NAMES = 200
NAME_MAX = 80
NAME_HEADERS = {"name", "display_name", "display name", "student", "이름", "학생", "학생 이름"}
# Pseudonymous, easy to type, and unlike real names: an animal and two digits.
WORDS = (
    "otter",
    "panda",
    "tiger",
    "koala",
    "whale",
    "robin",
    "lynx",
    "heron",
    "bison",
    "camel",
    "eagle",
    "gecko",
    "hippo",
    "llama",
    "moose",
    "okapi",
    "raven",
    "seal",
    "sloth",
    "swan",
    "tapir",
    "wolf",
    "yak",
    "zebra",
    "crane",
    "dingo",
    "finch",
    "lemur",
    "mole",
    "newt",
    "owl",
    "puffin",
    "quail",
    "shark",
    "stork",
    "toad",
)


class RosterProblem(ValueError):
    """Something about the list a teacher can fix; the message says what."""


@dataclass
class NewStudent:
    user: User
    password: str


def names_from_text(text: str) -> list[str]:
    """One name per line; blank lines are skipped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def names_from_csv(raw: bytes) -> list[str]:
    """A CSV with a name column (name, display_name, 이름…). Excel in Korea saves CP949, so that is
    tried after UTF-8."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterProblem(
            _("The file is not a text CSV file. Save it from your spreadsheet as CSV (UTF-8) and try again.")
        )
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterProblem(_("The file is empty."))
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((i for i, cell in enumerate(header) if cell in NAME_HEADERS), None)
    if column is None:
        raise RosterProblem(
            _('The first row must name the column with the students\' names, for example "name" or "이름".')
        )
    names = []
    for number, row in enumerate(rows[1:], start=2):
        if column >= len(row):
            raise RosterProblem(_("Row %(row)d has no value in the name column.", row=number))
        if row[column].strip():
            names.append(row[column].strip())
    return names


def check_names(names: list[str], classroom: Classroom) -> None:
    if not names:
        raise RosterProblem(_("Add at least one name."))
    if len(names) > MAX_NAMES:
        raise RosterProblem(
            _("At most %(max)d students at a time; this list has %(num)d.", max=MAX_NAMES, num=len(names))
        )
    too_long = [n for n in names if len(n) > NAME_MAX]
    if too_long:
        raise RosterProblem(
            _(
                "Names can be at most %(max)d characters: %(names)s",
                max=NAME_MAX,
                names=", ".join(n[:30] + "…" for n in too_long[:5]),
            )
        )
    seen, repeated = set(), []
    for name in names:
        key = name.casefold()
        if key in seen and name not in repeated:
            repeated.append(name)
        seen.add(key)
    existing = set(
        db.session.scalars(
            select(func.lower(User.display_name))
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.classroom_id == classroom.id, User.role == Role.STUDENT)
        )
    )
    repeated += [n for n in names if n.casefold() in existing and n not in repeated]
    if repeated:
        raise RosterProblem(
            _(
                "These names appear twice (in the list or already in the class): %(names)s. "
                "Add something to tell them apart, such as a number or an initial.",
                names=", ".join(repeated[:10]),
            )
        )


def create_students(classroom: Classroom, names: list[str]) -> list[NewStudent]:
    """Accounts with generated usernames and passwords, enrolled in the class; the caller commits.
    Passwords exist only in the returned list: they are printed on cards and never stored."""
    taken = {
        name
        for name in db.session.scalars(
            select(User.username).where(User.school_id == classroom.school_id, User.username.is_not(None))
        )
        if name is not None
    }
    created = []
    for name in names:
        username = _free_username(taken)
        password = generate_password()
        user = User(
            school_id=classroom.school_id,
            role=Role.STUDENT,
            username=username,
            display_name=name,
            locale=classroom.locale,
        )
        user.set_password(password)
        db.session.add(user)
        created.append(NewStudent(user, password))
    db.session.flush()
    db.session.add_all(Enrollment(classroom_id=classroom.id, user_id=s.user.id) for s in created)
    return created


def _free_username(taken: set[str]) -> str:
    while True:
        candidate = f"{secrets.choice(WORDS)}{secrets.randbelow(90) + 10}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def reset_student_password(student: User) -> str:
    password = generate_password()
    student.set_password(password)
    # The student picks their own at next login, so a teacher cannot quietly sign in as them.
    student.must_change_password = True
    student.locked_until, student.failed_logins = None, 0
    return password


def roster_deletion_plan(classroom: Classroom) -> tuple[list[User], list[User]]:
    """(students whose accounts will be deleted, students only removed because another class has them)."""
    students = list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.classroom_id == classroom.id, User.role == Role.STUDENT)
            .order_by(User.display_name)
        )
    )
    ids = [s.id for s in students]
    elsewhere = (
        set(
            db.session.scalars(
                select(Enrollment.user_id).where(Enrollment.user_id.in_(ids), Enrollment.classroom_id != classroom.id)
            )
        )
        if ids
        else set()
    )
    return [s for s in students if s.id not in elsewhere], [s for s in students if s.id in elsewhere]


def delete_roster(classroom: Classroom) -> tuple[int, int]:
    """Delete the class's own students and everything they did (the database cascades progress,
    attempts and reflections); students of other classes are only taken out of this one."""
    to_delete, to_remove = roster_deletion_plan(classroom)
    if to_delete:
        db.session.execute(delete(User).where(User.id.in_([s.id for s in to_delete])))
    if to_remove:
        db.session.execute(
            delete(Enrollment).where(
                Enrollment.classroom_id == classroom.id, Enrollment.user_id.in_([s.id for s in to_remove])
            )
        )
    return len(to_delete), len(to_remove)
