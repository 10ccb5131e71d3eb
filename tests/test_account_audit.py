"""Account takeover inside a school leaves a trace: resets and turning accounts off or on are in the
audit trail, a reset forces a new password at next login, and the affected person is told."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Role, User
from conftest import login


@pytest.fixture
def school(factory):
    return factory.school("ALPHA")


@pytest.fixture
def admin(factory, school):
    return factory.user(school, Role.SCHOOL_ADMIN, display_name="Admin Park")


def events(app, action):
    with app.app_context():
        return [
            (e.actor_name, e.subject_user_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def temporary_password(page: str) -> str:
    return re.search(r'id="temporary-password">([^<]+)<', page).group(1)


def test_an_admin_password_reset_is_audited_and_shown_to_the_person(app, factory, school, admin, as_user):
    teacher = factory.user(school, Role.TEACHER, display_name="Teacher Kim")
    page = as_user(admin).post(f"/admin/users/{teacher.id}/reset-password").get_data(as_text=True)
    assert events(app, "password_reset") == [("Admin Park", teacher.id, f"Teacher Kim ({teacher.email})")]
    trail = as_user(admin).get("/admin/audit").get_data(as_text=True)
    assert "Reset someone&#39;s password" in trail and "Teacher Kim" in trail

    teacher.password = temporary_password(page)
    client = app.test_client()
    response = login(client, teacher)
    assert "Admin Park reset your password." in response.get_data(as_text=True)
    client.post(
        "/account/password",
        data={"current": teacher.password, "password": "my-own-new-pass", "confirm": "my-own-new-pass"},
    )
    assert "Admin Park reset your password." in client.get("/account/").get_data(as_text=True)


def test_two_step_reset_and_turning_off_and_on_are_audited(app, factory, school, admin, as_user):
    counselor = factory.user(school, Role.COUNSELOR, display_name="Counselor Lee")
    teacher = factory.user(school, Role.TEACHER, display_name="Teacher Kim")
    client = as_user(admin)
    client.post(f"/admin/users/{counselor.id}/reset-two-factor")
    client.post(f"/admin/users/{teacher.id}/deactivate")
    client.post(f"/admin/users/{teacher.id}/activate")
    assert events(app, "two_factor_reset") == [("Admin Park", counselor.id, f"Counselor Lee ({counselor.email})")]
    for action in ("account_off", "account_on"):
        assert events(app, action) == [("Admin Park", teacher.id, f"Teacher Kim ({teacher.email})")]
    overview = as_user(teacher).get("/account/").get_data(as_text=True)
    assert "Admin Park turned your account off." in overview
    assert "Admin Park turned your account on again." in overview


def test_a_teacher_reset_forces_the_student_to_choose_a_new_password(app, factory, school, as_user):
    teacher = factory.user(school, Role.TEACHER, display_name="Teacher Kim")
    tclient = as_user(teacher)
    response = tclient.post("/classes/new", data={"name": "2-3", "grade": "8", "school_year": "2026", "locale": "en"})
    class_id = int(re.search(r"/classes/(\d+)", response.headers["Location"]).group(1))
    tclient.post(f"/classes/{class_id}/roster/add", data={"names": "Minji"})
    with app.app_context():
        student_id = db.session.scalar(select(User.id).where(User.role == Role.STUDENT))
    page = tclient.post(f"/classes/{class_id}/students/{student_id}/reset-password").get_data(as_text=True)
    assert "will choose their own new password" in page
    _school, username, password = re.findall(r"<code>([^<]+)</code>", page)[:3]
    assert events(app, "password_reset") == [("Teacher Kim", student_id, f"Minji ({username})")]

    # The teacher (or anyone with the card) who logs in is stopped at the password change.
    student = app.test_client()
    response = student.post("/login", data={"school_code": "ALPHA", "username": username, "password": password})
    assert response.headers["Location"] == "/account/password"
    assert student.get("/learn/").headers["Location"] == "/account/password"
    assert "Teacher Kim reset your password." in student.get("/account/password").get_data(as_text=True)
