"""Attacks on the login itself: a half-finished two-step login replayed after the account locked,
and a session cookie copied before logout."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Role, User
from app.models.base import utcnow
from conftest import PASSWORD, login, totp_code


@pytest.fixture
def school(factory):
    return factory.school("ALPHA")


def _saved_pending_cookie(client):
    return client.get_cookie("session").value


def test_a_saved_pending_login_cookie_is_refused_after_the_account_locks(app, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    attacker = app.test_client()
    attacker.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    saved = _saved_pending_cookie(attacker)
    for _ in range(app.config["MAX_FAILED_LOGINS"]):
        attacker.post("/login/verify", data={"otp-code": "000000", "otp-submit": "1"})
    with app.app_context():
        assert db.session.get(User, counselor.id).is_locked()

    attacker.set_cookie("session", saved)  # replay the cookie from before the lock
    response = attacker.post("/login/verify", data={"otp-code": totp_code(app, counselor), "otp-submit": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/login/staff"
    assert attacker.get("/account/").status_code == 302  # not logged in
    with app.app_context():
        assert db.session.get(User, counselor.id).is_locked()  # a right code did not clear the lock


def test_a_locked_account_refuses_even_a_right_code_and_a_recovery_code(app, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    with app.app_context():
        codes = db.session.get(User, counselor.id).new_recovery_codes()
        db.session.commit()
    client = app.test_client()
    client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    with app.app_context():  # locked meanwhile by wrong passwords elsewhere
        user = db.session.get(User, counselor.id)
        user.locked_until = utcnow() + timedelta(minutes=15)
        db.session.commit()
    for data in (
        {"otp-code": totp_code(app, counselor), "otp-submit": "1"},
        {"rc-recovery_code": codes[0], "rc-submit": "1"},
    ):
        response = client.post("/login/verify", data=data)
        assert response.status_code == 302 and response.headers["Location"] == "/login/staff"
    assert client.get("/account/").status_code == 302


def test_wrong_passwords_and_wrong_codes_add_up_to_one_lockout(app, client, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    for _ in range(app.config["MAX_FAILED_LOGINS"] - 1):
        client.post("/login/staff", data={"email": counselor.email, "password": "wrong-password"})
    client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    response = client.post("/login/verify", data={"rc-recovery_code": "abcdef-123456", "rc-submit": "1"})
    assert response.headers["Location"] == "/login/staff"
    with app.app_context():
        assert db.session.get(User, counselor.id).is_locked()


def test_a_pending_login_cookie_works_only_once(app, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    client = app.test_client()
    client.post("/login/staff", data={"email": counselor.email, "password": PASSWORD})
    saved = _saved_pending_cookie(client)
    assert (
        client.post("/login/verify", data={"otp-code": totp_code(app, counselor), "otp-submit": "1"}).status_code == 302
    )
    other = app.test_client()
    other.set_cookie("session", saved)
    response = other.post("/login/verify", data={"otp-code": totp_code(app, counselor), "otp-submit": "1"})
    assert response.headers["Location"] == "/login/staff"
    assert other.get("/account/").status_code == 302


def test_a_cookie_copied_before_logout_no_longer_opens_the_account(app, factory, school):
    student = factory.user(school, Role.STUDENT)
    client = app.test_client()
    login(client, student)
    copied = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 302


def test_logging_in_again_after_logout_works(app, client, factory, school):
    counselor = factory.user(school, Role.COUNSELOR)
    login(client, counselor)
    client.post("/logout")
    login(client, counselor)
    assert client.get("/account/").status_code == 200
