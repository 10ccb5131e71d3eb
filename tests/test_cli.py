"""Operator commands."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Classroom, Enrollment, Role, School, User


def counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (School, User, Classroom, Enrollment)
        )


def test_demo_creates_one_account_per_role_and_is_idempotent(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.dari.kr" in result.output and "school code DEMO" in result.output
    first = counts(app)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert counts(app) == first
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {r.value for r in Role}
        assert db.session.scalar(select(School.name)) == "Dari Demo Middle School"


def test_demo_accounts_can_log_in(app, runner):
    from app.demo import DEMO_STAFF, DEMO_STUDENT_PASSWORD, DEMO_STUDENTS

    runner.invoke(args=["demo"])
    client = app.test_client()
    response = client.post(
        "/login", data={"school_code": "demo", "username": DEMO_STUDENTS[0][0], "password": DEMO_STUDENT_PASSWORD}
    )
    assert response.status_code == 302
    assert "2-3" in client.get("/").get_data(as_text=True)  # the demo class
    expected = {Role.TEACHER: "/", Role.COUNSELOR: "/login/enrol", Role.SCHOOL_ADMIN: "/login/enrol"}
    for email, _name, role, password in DEMO_STAFF:
        response = app.test_client().post("/login/staff", data={"email": email, "password": password})
        assert response.headers["Location"] == expected[role], email


def test_schools_create_validates(app, runner):
    ok = runner.invoke(args=["schools", "create", "--name", "Hanbit Middle", "--code", "hanbit1"])
    assert ok.exit_code == 0 and "HANBIT1" in ok.output
    duplicate = runner.invoke(args=["schools", "create", "--name", "Again", "--code", "HANBIT1"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    bad_tz = runner.invoke(args=["schools", "create", "--name", "X", "--code", "X1", "--timezone", "Mars/Base"])
    assert bad_tz.exit_code != 0 and "unknown time zone" in bad_tz.output
    bad_code = runner.invoke(args=["schools", "create", "--name", "X", "--code", "has space"])
    assert bad_code.exit_code != 0


def test_users_create(app, runner):
    runner.invoke(args=["schools", "create", "--name", "Hanbit", "--code", "HB"])
    staff = runner.invoke(
        args=[
            "users",
            "create",
            "--school",
            "hb",
            "--role",
            "counselor",
            "--email",
            "Kim@HB.example",
            "--name",
            "Kim",
            "--password",
            "long-enough-pw",
        ]
    )
    assert staff.exit_code == 0, staff.output
    student = runner.invoke(
        args=[
            "users",
            "create",
            "--school",
            "HB",
            "--role",
            "student",
            "--username",
            "Yuna",
            "--name",
            "Yuna",
            "--password",
            "long-enough-pw",
        ]
    )
    assert student.exit_code == 0, student.output
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.role == "counselor")) == "kim@hb.example"
        assert db.session.scalar(select(User.username).where(User.role == "student")) == "yuna"
    no_email_student = runner.invoke(
        args=[
            "users",
            "create",
            "--school",
            "HB",
            "--role",
            "student",
            "--email",
            "kid@hb.example",
            "--username",
            "kid",
            "--name",
            "Kid",
            "--password",
            "long-enough-pw",
        ]
    )
    assert no_email_student.exit_code != 0 and "no --email" in no_email_student.output
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--school",
            "HB",
            "--role",
            "teacher",
            "--email",
            "t@hb.example",
            "--name",
            "T",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "--school",
            "NOPE",
            "--role",
            "teacher",
            "--email",
            "t@hb.example",
            "--name",
            "T",
            "--password",
            "long-enough-pw",
        ]
    )
    assert unknown.exit_code != 0 and "no school" in unknown.output


def test_demo_adds_sample_reports_once_with_a_working_receipt(app, runner):
    from app.demo import DEMO_RECEIPT
    from app.models import Report
    from app.reports import crypto as reports_crypto

    result = runner.invoke(args=["demo"])
    assert DEMO_RECEIPT in result.output
    runner.invoke(args=["demo"])
    with app.app_context():
        reports = db.session.scalars(select(Report)).all()
        assert len(reports) == 2
        opened = db.session.scalar(select(Report).where(Report.receipt_hash == reports_crypto.keyed_hash(DEMO_RECEIPT)))
        assert reports_crypto.decrypt(opened.what_enc).startswith("Someone in my class")


def test_demo_refuses_a_configuration_without_demo_data(app_factory):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Report, School, User

    app = app_factory(DEMO=False)  # as ProductionConfig (DEMO = False)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "does not allow demo data" in result.output
    with app.app_context():
        for model in (School, User, Report):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_production_configuration_does_not_allow_demo_data():
    from config import ProductionConfig

    assert ProductionConfig.DEMO is False
