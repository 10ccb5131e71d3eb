"""`flask demo`: a small demo school with one account per role, a class, students and two sample
reports; `flask demo --big` adds a large school for trying dashboards at scale (`big.py`).
Only where the configuration allows demo data (DEMO), never in production."""

import hashlib
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app import notify
from app.cli import get_or_create_user
from app.extensions import db
from app.models import Classroom, Enrollment, Report, Role, School, User
from app.reports import crypto

DEMO_SCHOOL = ("Dari Demo Middle School", "DEMO")
DEMO_STAFF = (
    ("admin@demo.dari.kr", "Park Jiyeon (admin)", Role.SCHOOL_ADMIN, "demo-admin-pass"),
    ("counselor@demo.dari.kr", "Kim Sora (counselor)", Role.COUNSELOR, "demo-counselor-pass"),
    ("teacher@demo.dari.kr", "Lee Minho (teacher)", Role.TEACHER, "demo-teacher-pass"),
)
DEMO_STUDENTS = (
    ("minji", "Minji"),
    ("junho", "Junho"),
    ("seoyeon", "Seoyeon"),
    ("hyunwoo", "Hyunwoo"),
    ("jiwoo", "Jiwoo"),
)
DEMO_STUDENT_PASSWORD = "demo-student-pass"


def register(app: Flask) -> None:
    app.cli.add_command(demo)


@click.command("demo")
@click.option("--big", is_flag=True, help="Also seed a large school (code BIG): 2,000 students in 60 classes.")
@with_appcontext
def demo(big: bool = False):
    """Create the demo school with one account per role, a class and students (idempotent)."""
    if not current_app.config.get("DEMO"):
        # Published passwords and a public receipt code must never reach a real school's database.
        raise click.ClickException(
            "This configuration does not allow demo data (DEMO is off, as in production). "
            "Run `flask demo` only with the development configuration (DARI_CONFIG=development)."
        )
    name, code = DEMO_SCHOOL
    school = db.session.scalar(select(School).where(School.code == code))
    if school is None:
        school = School(name=name, code=code, default_locale="ko", timezone="Asia/Seoul")
        db.session.add(school)
        db.session.flush()
    teacher: User | None = None
    for email, display, role, password in DEMO_STAFF:
        user, _ = get_or_create_user(school, email=email, display_name=display, role=role, password=password)
        if role == Role.TEACHER:
            teacher = user
    classroom = db.session.scalar(select(Classroom).where(Classroom.school_id == school.id))
    if classroom is None:
        classroom = Classroom(school_id=school.id, name="2-3", grade=8, school_year="2026")
        db.session.add(classroom)
        db.session.flush()
    db.session.flush()
    members = set(db.session.scalars(select(Enrollment.user_id).where(Enrollment.classroom_id == classroom.id)))
    students = [
        get_or_create_user(school, username=u, display_name=d, role=Role.STUDENT, password=DEMO_STUDENT_PASSWORD)[0]
        for u, d in DEMO_STUDENTS
    ]
    db.session.flush()
    assert teacher is not None  # DEMO_STAFF has a teacher
    for member in [teacher, *students]:
        if member.id not in members:
            db.session.add(Enrollment(classroom_id=classroom.id, user_id=member.id))
    db.session.commit()
    _demo_reports(school)
    _print_demo_accounts()
    if big:
        from app.demo.big import create_big_demo

        create_big_demo()


# Demo only: a fixed receipt so whoever tries the demo can open the follow-up page. Real receipts
# are random and exist only on the reporter's screen.
DEMO_RECEIPT = "2024202420242024"
DEMO_REPORTS: tuple[dict[str, Any], ...] = (
    {
        "category": "ai_image",
        "affected": "friend",
        "what": "Someone in my class made an edited picture of my friend and "
        "shared it in a group chat. She does not know yet.",
        "where": "A group chat called '2-3 fun'",
        "when": "Yesterday evening",
        "wants": ["school_to_know", "removal_help"],
        "consent_parents": "not_sure",
        "consent_police": "no",
    },
    {
        "category": "bullying",
        "affected": "me",
        "what": "People keep posting mean comments under my photos.",
        "where": "My public profile",
        "when": "Since last week",
        "wants": ["talk_to_someone"],
        "consent_parents": "yes",
        "consent_police": "not_sure",
    },
)


def _demo_reports(school: School) -> None:
    """Two sample reports for the counselor's inbox, made the way the report form makes them."""
    if db.session.scalar(select(Report.id).where(Report.school_id == school.id)) is not None:
        return
    for n, sample in enumerate(DEMO_REPORTS):
        receipt = DEMO_RECEIPT if n == 0 else crypto.new_receipt()
        report = Report(
            school_id=school.id,
            receipt_hash=crypto.keyed_hash(receipt),
            submission_hash=hashlib.sha256(f"demo-{school.id}-{n}".encode()).hexdigest(),
            category=sample["category"],
            affected=sample["affected"],
            urgent=False,
            wants=sample["wants"],
            consent_parents=sample["consent_parents"],
            consent_police=sample["consent_police"],
            what_enc=crypto.encrypt(sample["what"]),
            where_enc=crypto.encrypt(sample["where"]),
            when_enc=crypto.encrypt(sample["when"]),
        )
        report.assign_ref()
        db.session.add(report)
        db.session.flush()
        notify.queue_report_alerts(report)
    db.session.commit()


def _print_demo_accounts() -> None:
    name, code = DEMO_SCHOOL
    click.echo(f"Demo school: {name} (school code {code})")
    click.echo("Staff log in at /login/staff:")
    for email, _display, role, password in DEMO_STAFF:
        click.echo(f"  {role:<13} {email:<26} password: {password}")
    click.echo("  (counselors and school admins set up an authenticator app at their first login)")
    click.echo(f"Students log in at /login with school code {code}:")
    click.echo(f"  usernames: {', '.join(u for u, _ in DEMO_STUDENTS)}   password: {DEMO_STUDENT_PASSWORD}")
    click.echo(f"Sample anonymous report: open it at /report/follow-up with receipt {DEMO_RECEIPT}")
