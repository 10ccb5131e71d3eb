"""Operator commands: `flask demo`, `flask schools create`, `flask users create`."""
import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Classroom, Enrollment, Role, School, User

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
    app.cli.add_command(schools)
    app.cli.add_command(users)
    app.cli.add_command(content_group)
    from app.cli_reports import register as register_reports  # flask outbox …, flask reports …
    register_reports(app)
    from app.scheduler import register as register_schedule  # flask schedule run

    register_schedule(app)


def _get_or_create_user(school: School, **fields) -> tuple[User, bool]:
    key = {"email": fields["email"]} if fields.get("email") else {
        "school_id": school.id, "username": fields["username"]}
    user = db.session.scalar(select(User).filter_by(**key))
    if user:
        return user, False
    password = fields.pop("password")
    user = User(school_id=school.id, **fields)
    user.set_password(password)
    db.session.add(user)
    return user, True


@click.command("demo")
@click.option("--big", is_flag=True, help="Also seed a large school (code BIG): 2,000 students in 60 classes.")
@with_appcontext
def demo(big: bool = False):
    """Create the demo school with one account per role, a class and students (idempotent)."""
    if not current_app.config.get("DEMO"):
        # Published passwords and a public receipt code must never reach a real school's database.
        raise click.ClickException(
            "This configuration does not allow demo data (DEMO is off, as in production). "
            "Run `flask demo` only with the development configuration (DARI_CONFIG=development).")
    name, code = DEMO_SCHOOL
    school = db.session.scalar(select(School).where(School.code == code))
    if school is None:
        school = School(name=name, code=code, default_locale="ko", timezone="Asia/Seoul")
        db.session.add(school)
        db.session.flush()
    teacher = None
    for email, display, role, password in DEMO_STAFF:
        user, _ = _get_or_create_user(school, email=email, display_name=display, role=role, password=password)
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
        _get_or_create_user(school, username=u, display_name=d, role=Role.STUDENT, password=DEMO_STUDENT_PASSWORD)[0]
        for u, d in DEMO_STUDENTS
    ]
    db.session.flush()
    for user in [teacher, *students]:
        if user.id not in members:
            db.session.add(Enrollment(classroom_id=classroom.id, user_id=user.id))
    db.session.commit()
    _demo_reports(school)
    _print_demo_accounts()
    if big:
        from app.demo_big import create_big_demo

        create_big_demo()


# Demo only: a fixed receipt so whoever tries the demo can open the follow-up page. Real receipts
# are random and exist only on the reporter's screen.
DEMO_RECEIPT = "2024202420242024"
DEMO_REPORTS = (
    dict(category="ai_image", affected="friend", what="Someone in my class made an edited picture of my friend and "
         "shared it in a group chat. She does not know yet.", where="A group chat called '2-3 fun'", when="Yesterday evening",
         wants=["school_to_know", "removal_help"], consent_parents="not_sure", consent_police="no"),
    dict(category="bullying", affected="me", what="People keep posting mean comments under my photos.",
         where="My public profile", when="Since last week", wants=["talk_to_someone"],
         consent_parents="yes", consent_police="not_sure"),
)


def _demo_reports(school: School) -> None:
    """Two sample reports for the counselor's inbox, made the way the report form makes them."""
    import hashlib

    from app import notify, reports_crypto as crypto
    from app.models import Report

    if db.session.scalar(select(Report.id).where(Report.school_id == school.id)) is not None:
        return
    for n, sample in enumerate(DEMO_REPORTS):
        receipt = DEMO_RECEIPT if n == 0 else crypto.new_receipt()
        report = Report(
            school_id=school.id, receipt_hash=crypto.keyed_hash(receipt),
            submission_hash=hashlib.sha256(f"demo-{school.id}-{n}".encode()).hexdigest(),
            category=sample["category"], affected=sample["affected"], urgent=False, wants=sample["wants"],
            consent_parents=sample["consent_parents"], consent_police=sample["consent_police"],
            what_enc=crypto.encrypt(sample["what"]), where_enc=crypto.encrypt(sample["where"]),
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


@click.group("schools", cls=AppGroup)
def schools():
    """Manage schools."""


@schools.command("create")
@click.option("--name", required=True)
@click.option("--code", required=True, help="Short code students type at login.")
@click.option("--locale", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.option("--timezone", "tz", default="Asia/Seoul", show_default=True)
def create_school(name: str, code: str, locale: str, tz: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    code = School.normalize_code(code)
    if not code.isalnum() or len(code) > 16:
        raise click.BadParameter("use up to 16 letters and digits", param_hint="--code")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--timezone")
    if db.session.scalar(select(School).where(School.code == code)):
        raise click.ClickException(f"a school with code {code} already exists")
    db.session.add(School(name=name.strip(), code=code, default_locale=locale, timezone=tz))
    db.session.commit()
    click.echo(f"Created school {name} ({code}).")


@click.group("users", cls=AppGroup)
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--school", "school_code", required=True, help="School code.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", help="Staff only.")
@click.option("--username", help="Students only.")
@click.option("--name", "display_name", required=True)
@click.password_option(help="Prompted for when not given.")
def create_user(school_code, role, email, username, display_name, password):
    from app.passwords import MIN_LENGTH

    school = db.session.scalar(select(School).where(School.code == School.normalize_code(school_code)))
    if school is None:
        raise click.ClickException(f"no school with code {school_code}")
    if role == Role.STUDENT and (email or not username):
        raise click.UsageError("students have a --username and no --email")
    if role != Role.STUDENT and not email:
        raise click.UsageError("staff need an --email")
    if len(password) < MIN_LENGTH:
        raise click.BadParameter(f"at least {MIN_LENGTH} characters", param_hint="--password")
    identity = {"email": email.strip().lower()} if email else {"username": username.strip().lower()}
    user, created = _get_or_create_user(
        school, role=role, display_name=display_name, password=password, **identity
    )
    if not created:
        raise click.ClickException("that account already exists")
    db.session.commit()
    click.echo(f"Created {role} {user.login_name} at {school.code}.")


@click.group("content", cls=AppGroup)
def content_group():
    """Lessons and quizzes."""


@content_group.command("check")
def content_check():
    """Validate every lesson, teacher guide and quiz; print `file: field: problem` for each error and
    each warning. Errors (including Korean style) exit 1; warnings alone still exit 0."""
    from pathlib import Path

    from flask import current_app

    from app.content.checks import check_content

    root = Path(current_app.config["CONTENT_ROOT"])
    report = check_content(root)
    for line in report.errors:
        click.echo(line, err=True)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} problem(s), {len(report.warnings)} warning(s) in {root}", err=True)
        raise SystemExit(1)
    warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    click.echo(f"content ok: {report.module_count} modules in {root}{warned}")
