"""Logging in and out as a student and as staff, and everything that can go wrong on the way."""

from datetime import timedelta

import pyotp
import pytest

from app.extensions import db
from app.models import Role, User
from app.models.base import utcnow
from conftest import PASSWORD, login, totp_code


def test_student_logs_in_with_school_code_and_username(client, factory, school):
    student = factory.user(school, Role.STUDENT, display_name="Minji")
    response = client.post(
        "/login", data={"school_code": " alpha ", "username": student.username.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Minji" in page


def test_same_username_in_two_schools_logs_into_the_right_one(client, factory, school):
    other = factory.school("BETA")
    factory.user(school, Role.STUDENT, username="sam", display_name="Sam of Alpha")
    factory.user(other, Role.STUDENT, username="sam", display_name="Sam of Beta", password="beta-password-1")
    client.post("/login", data={"school_code": "BETA", "username": "sam", "password": "beta-password-1"})
    assert "Sam of Beta" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "field,value",
    [("school_code", "NOPE"), ("username", "nobody"), ("password", "wrong-password")],
)
def test_wrong_student_credentials_get_one_plain_message_and_keep_input(client, factory, school, field, value):
    student = factory.user(school, Role.STUDENT)
    data = {"school_code": school.code, "username": student.username, "password": PASSWORD, field: value}
    response = client.post("/login", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That school code, username and password do not match" in page
    assert f'value="{data["username"]}"' in page  # what the student typed is kept
    assert client.get("/account/").status_code == 302  # not logged in


def test_empty_login_form_names_each_missing_field(client):
    page = client.post("/login", data={}).get_data(as_text=True)
    for message in ("Enter your school code.", "Enter your username.", "Enter your password."):
        assert message in page


def test_staff_login_with_email(client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    response = client.post("/login/staff", data={"email": teacher.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_students_cannot_use_the_staff_form(client, factory, school):
    student = factory.user(school, Role.STUDENT)
    response = client.post("/login/staff", data={"email": student.username, "password": PASSWORD})
    assert response.status_code == 422


def test_oversized_and_odd_input_is_a_clear_error_not_a_crash(client):
    body = b"school_code=" + b"X" * 5000 + b"&username=%00%FF%FE&password=" + b"p" * 500
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "Field cannot be longer than 16 characters" in response.get_data(as_text=True)


def test_a_body_over_the_size_limit_is_refused_politely(client):
    response = client.post("/login", data={"username": "x" * 300_000})
    assert response.status_code == 413
    assert "That was too much to send at once" in response.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account(app, client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    for _ in range(app.config["MAX_FAILED_LOGINS"]):
        client.post("/login/staff", data={"email": teacher.email, "password": "wrong-password"})
    response = client.post("/login/staff", data={"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 422
    assert "locked for 15 minutes" in response.get_data(as_text=True)
    with app.app_context():
        db.session.get(User, teacher.id).locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.post("/login/staff", data={"email": teacher.email, "password": PASSWORD}).status_code == 302


def test_turned_off_account_cannot_log_in_and_loses_its_session(app, client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    login(client, teacher)
    with app.app_context():
        db.session.get(User, teacher.id).deactivate()
        db.session.commit()
    assert client.get("/account/").status_code == 302  # the open session ended
    response = client.post("/login/staff", data={"email": teacher.email, "password": PASSWORD})
    assert "This account has been turned off" in response.get_data(as_text=True)


def test_logout_is_a_post(client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    login(client, teacher)
    assert client.get("/logout").status_code == 405
    assert client.get("/account/").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert "You have logged out." in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/account/", "/account/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_goes_to_this_site(client, factory, school, target, expected):
    teacher = factory.user(school, Role.TEACHER)
    response = client.post("/login/staff", data={"email": teacher.email, "password": PASSWORD, "next": target})
    assert response.headers["Location"] == expected


def test_protected_page_sends_to_login_and_back(client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/account/password"' in page
    response = client.post(
        "/login/staff", data={"email": teacher.email, "password": PASSWORD, "next": "/account/password"}
    )
    assert response.headers["Location"] == "/account/password"


def test_login_starts_a_fresh_session(client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, teacher)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_login_is_rate_limited_per_address(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"school_code": "A", "username": "b", "password": "c"}).status_code == 422
    response = client.post("/login", data={"school_code": "A", "username": "b", "password": "c"})
    assert response.status_code == 429
    assert "too many tries" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the page is never limited


# --- two-step login ---------------------------------------------------------------------------


def test_staff_with_two_step_login_must_give_a_code(app, client, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    response = client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/verify"
    assert client.get("/account/").status_code == 302  # not logged in yet
    bad = client.post("/login/verify", data={"otp-code": "000000", "otp-submit": "1"})
    assert bad.status_code == 422 and "That code is not right" in bad.get_data(as_text=True)
    good = client.post("/login/verify", data={"otp-code": totp_code(app, counselor), "otp-submit": "1"})
    assert good.status_code == 302
    assert client.get("/account/").status_code == 200


def test_a_used_code_cannot_be_replayed(app, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    code = totp_code(app, counselor)
    first = app.test_client()
    first.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    assert first.post("/login/verify", data={"otp-code": code, "otp-submit": "1"}).status_code == 302
    second = app.test_client()
    second.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    assert second.post("/login/verify", data={"otp-code": code, "otp-submit": "1"}).status_code == 422


def test_recovery_code_works_once(app, client, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    with app.app_context():
        user = db.session.get(User, counselor.id)
        codes = user.new_recovery_codes()
        db.session.commit()
    client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    assert (
        client.post("/login/verify", data={"rc-recovery_code": codes[0].upper(), "rc-submit": "1"}).status_code == 302
    )
    client.post("/logout")
    client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    response = client.post("/login/verify", data={"rc-recovery_code": codes[0], "rc-submit": "1"})
    assert response.status_code == 422


def test_verify_page_without_a_password_step_sends_back_to_login(client):
    response = client.get("/login/verify")
    assert response.status_code == 302 and response.headers["Location"] == "/login/staff"


def test_wrong_codes_count_towards_the_lockout(app, client, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    for _ in range(app.config["MAX_FAILED_LOGINS"]):
        response = client.post("/login/verify", data={"otp-code": "123456", "otp-submit": "1"})
    assert response.headers["Location"] == "/login/staff"
    with app.app_context():
        assert db.session.get(User, counselor.id).is_locked()


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.SCHOOL_ADMIN])
def test_counselors_and_admins_must_enrol_at_first_login(app, client, factory, school, role):
    staff = factory.user(school, role, totp=False)
    response = client.post("/login/staff", data={"email": staff.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page and "otpauth://totp/" in page
    assert client.get("/account/").status_code == 302  # no session until enrolled
    with client.session_transaction() as sess:
        secret = sess["enrol_secret"]
    assert secret in page
    wrong = client.post("/login/enrol", data={"code": "111111"})
    assert wrong.status_code == 422
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes_page = done.get_data(as_text=True)
    assert "Your recovery codes" in codes_page and codes_page.count("<code>") == 10
    assert client.get("/account/").status_code == 200
    with app.app_context():
        assert db.session.get(User, staff.id).totp_enabled


def test_teachers_may_turn_on_two_step_login_and_off_again(app, client, factory, school):
    teacher = factory.user(school, Role.TEACHER)
    login(client, teacher)
    client.get("/account/two-factor")
    with client.session_transaction() as sess:
        secret = sess["enrol_secret"]
    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert client.post("/account/two-factor/disable", data={"current": "wrong"}).status_code == 422
    response = client.post("/account/two-factor/disable", data={"current": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, teacher.id).totp_enabled


def test_counselors_cannot_turn_two_step_login_off(app, factory, school, as_user):
    counselor = factory.user(school, Role.COUNSELOR)
    client = as_user(counselor)
    client.post("/account/two-factor/disable", data={"current": PASSWORD})
    with app.app_context():
        assert db.session.get(User, counselor.id).totp_enabled


# --- passwords --------------------------------------------------------------------------------


def test_password_change_logs_out_other_sessions(app, factory, school, as_user):
    teacher = factory.user(school, Role.TEACHER)
    here, elsewhere = as_user(teacher), as_user(teacher)
    response = here.post(
        "/account/password",
        data={"current": PASSWORD, "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"},
    )
    assert response.status_code == 302
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"current": "wrong", "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"},
            "That is not your current password.",
        ),
        ({"current": PASSWORD, "password": "short", "confirm": "short"}, "Use between 10 and 128 characters."),
        (
            {"current": PASSWORD, "password": "a-brand-new-pass", "confirm": "different-pass"},
            "The two passwords are not the same.",
        ),
        ({"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}, "Choose a password different"),
    ],
)
def test_password_change_problems_are_named(factory, school, as_user, data, message):
    client = as_user(factory.user(school, Role.TEACHER))
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
