"""School admins invite staff, turn accounts off and on, and reset passwords and two-step login."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Invite, Role, User
from app.models.base import utcnow
from conftest import PASSWORD


def invite_link(client, email="new.teacher@alpha.example", role="teacher"):
    page = client.post("/admin/invites", data={"email": email, "role": role}).get_data(as_text=True)
    match = re.search(r'id="invite-link"[^>]*value="http://localhost(/invite/[^"]+)"', page)
    assert match, page
    return match.group(1)


def test_invite_creates_a_staff_account_once(app, admin_client, school):
    client = admin_client
    link = invite_link(client, email="New.Teacher@Alpha.example")
    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "You were invited as Teacher" in page and "new.teacher@alpha.example" in page
    response = newcomer.post(
        link, data={"display_name": "Ms Han", "password": "a-long-password", "confirm": "a-long-password"}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.teacher@alpha.example"))
        assert user.role == "teacher" and user.school_id == school.id and user.display_name == "Ms Han"
    again = app.test_client().get(link)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert (
        newcomer.post(
            "/login/staff", data={"email": "new.teacher@alpha.example", "password": "a-long-password"}
        ).status_code
        == 302
    )


def test_invite_form_keeps_what_was_typed_on_error(app, admin_client):
    client = admin_client
    link = invite_link(client)
    response = app.test_client().post(link, data={"display_name": "Ms Han", "password": "short", "confirm": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use between 10 and 128 characters." in page
    assert 'value="Ms Han"' in page


def test_expired_invite_says_so(app, admin_client):
    client = admin_client
    link = invite_link(client)
    with app.app_context():
        invite = db.session.scalar(select(Invite))
        invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 410 and "The link has expired" in response.get_data(as_text=True)


def test_revoked_and_unknown_invites(app, admin_client):
    client = admin_client
    link = invite_link(client)
    with app.app_context():
        invite_id = db.session.scalar(select(Invite.id))
    client.post(f"/admin/invites/{invite_id}/revoke")
    assert "cancelled this link" in app.test_client().get(link).get_data(as_text=True)
    assert app.test_client().get("/invite/not-a-real-token").status_code == 404


def test_invite_problems_are_named(admin_client, factory, school):
    client = admin_client
    existing = factory.user(school, Role.TEACHER)
    cases = [
        ({"email": existing.email, "role": "teacher"}, "Someone already has an account with this email."),
        ({"email": "not-an-email", "role": "teacher"}, "This does not look like an email address."),
        ({"email": "x@y.example", "role": "student"}, "Not a valid choice"),
        ({"email": "x@y.example", "role": "superuser"}, "Not a valid choice"),
    ]
    for data, message in cases:
        response = client.post("/admin/invites", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data


def test_turning_an_account_off_and_on(app, admin_client, factory, school, as_user):
    client = admin_client
    teacher = factory.user(school, Role.TEACHER)
    teacher_client = as_user(teacher)
    client.post(f"/admin/users/{teacher.id}/deactivate")
    assert teacher_client.get("/account/").status_code == 302
    assert "turned off" in app.test_client().post(
        "/login/staff", data={"email": teacher.email, "password": PASSWORD}
    ).get_data(as_text=True)
    client.post(f"/admin/users/{teacher.id}/activate")
    assert (
        app.test_client().post("/login/staff", data={"email": teacher.email, "password": PASSWORD}).status_code == 302
    )


def test_admin_cannot_turn_off_themselves(app, admin_client, admin):
    client = admin_client
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot turn off your own account" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_password_reset_gives_a_temporary_password_that_must_be_changed(app, admin_client, factory, school):
    client = admin_client
    student = factory.user(school, Role.STUDENT)
    page = client.post(f"/admin/users/{student.id}/reset-password").get_data(as_text=True)
    temporary = re.search(r'id="temporary-password">([^<]+)<', page).group(1)
    assert len(temporary) >= 10
    student_client = app.test_client()
    assert (
        student_client.post(
            "/login", data={"school_code": school.code, "username": student.username, "password": PASSWORD}
        ).status_code
        == 422
    )
    response = student_client.post(
        "/login", data={"school_code": school.code, "username": student.username, "password": temporary}
    )
    assert response.headers["Location"] == "/account/password"
    assert student_client.get("/").headers["Location"] == "/account/password"  # nothing else until changed
    student_client.post(
        "/account/password", data={"current": temporary, "password": "my-own-password", "confirm": "my-own-password"}
    )
    assert student_client.get("/").status_code == 200


def test_password_reset_unlocks_a_locked_account(app, admin_client, factory, school):
    client = admin_client
    teacher = factory.user(school, Role.TEACHER)
    with app.app_context():
        db.session.get(User, teacher.id).locked_until = utcnow() + timedelta(minutes=10)
        db.session.commit()
    client.post(f"/admin/users/{teacher.id}/reset-password")
    with app.app_context():
        assert not db.session.get(User, teacher.id).is_locked()


def test_reset_two_step_login_makes_the_counselor_enrol_again(app, admin_client, factory, school, as_user):
    client = admin_client
    counselor = factory.user(school, Role.COUNSELOR)
    counselor_client = as_user(counselor)
    client.post(f"/admin/users/{counselor.id}/reset-two-factor")
    assert counselor_client.get("/account/").status_code == 302
    response = app.test_client().post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/enrol"


def test_people_page_lists_only_this_school(admin_client, factory, school):
    client = admin_client
    factory.user(school, Role.STUDENT, display_name="Alpha Kid")
    other = factory.school("BETA")
    factory.user(other, Role.STUDENT, display_name="Beta Kid")
    factory.user(other, Role.TEACHER, display_name="Beta Teacher")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Alpha Kid" in page
    assert "Beta Kid" not in page and "Beta Teacher" not in page


def test_people_page_runs_the_same_number_of_queries_for_few_and_many_students(app, admin_client, factory, school):
    from sqlalchemy import event

    client = admin_client
    app.config["NAV_COUNT_SECONDS"] = 0  # every page counts the navigation badge afresh, as after a write

    def count_queries():
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    for _ in range(3):
        factory.user(school, Role.STUDENT)
    few = count_queries()
    for _ in range(40):
        factory.user(school, Role.STUDENT)
    assert count_queries() == few
