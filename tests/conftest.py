"""Fixtures shared by the whole suite: an app per test on a fresh schema, a factory for schools
and users, and a helper that logs in through the real forms (including the two-step code)."""
import os
import re
import time
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from app.models import Role, School, User
from config import TestConfig

PASSWORD = "correct-horse-battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
NO_SKIPS = os.environ.get("DARI_NO_SKIPS") == "1"


def pytest_configure(config):
    if TEST_DATABASE_URL:
        try:
            engine = create_engine(TEST_DATABASE_URL)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure means the run cannot be trusted
            raise pytest.UsageError(f"TEST_DATABASE_URL is set but the database cannot be reached: {exc}")


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    # CI sets DARI_NO_SKIPS: there PostgreSQL, Redis and Chromium exist, so a skip hides a failure.
    if NO_SKIPS and _skipped:
        print(f"\nDARI_NO_SKIPS is set and {len(_skipped)} test(s) skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = 1


def make_app(**overrides):
    class Config(TestConfig):
        pass

    for key, value in overrides.items():
        setattr(Config, key, value)
    return create_app(Config)


@pytest.fixture
def app_factory():
    """Build an app with config overrides; its schema is created and dropped around the test."""
    made = []

    def build(**overrides):
        app = make_app(**overrides)
        with app.app_context():
            db.drop_all()
            db.create_all()
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    def __init__(self, app):
        self.app = app
        self._n = 0

    def school(self, code="ALPHA", name=None, locale="en"):
        with self.app.app_context():
            school = School(name=name or f"{code.title()} Middle School", code=code, default_locale=locale)
            db.session.add(school)
            db.session.commit()
            return SimpleNamespace(id=school.id, code=school.code, name=school.name)

    def user(self, school, role=Role.STUDENT, password=PASSWORD, totp=None, **fields):
        """A user; counselors and admins get two-step login set up unless totp=False."""
        self._n += 1
        if totp is None:
            totp = role in (Role.COUNSELOR, Role.SCHOOL_ADMIN)
        with self.app.app_context():
            if role == Role.STUDENT:
                fields.setdefault("username", f"student{self._n}")
            else:
                fields.setdefault("email", f"{role}{self._n}@{school.code.lower()}.example")
            fields.setdefault("display_name", f"{role.title()} {self._n}")
            user = User(school_id=school.id, role=role, **fields)
            user.set_password(password)
            secret = None
            if totp:
                from app.models.base import utcnow

                secret = pyotp.random_base32()
                user.totp_secret, user.totp_enabled_at = secret, utcnow()
            db.session.add(user)
            db.session.commit()
            return SimpleNamespace(
                id=user.id, role=role, email=user.email, username=user.username, password=password,
                school=school, totp_secret=secret, display_name=user.display_name,
            )


@pytest.fixture
def factory(app):
    return Factory(app)


def totp_code(app, user) -> str:
    """A code for the next unused time step, so one user can log in twice within 30 seconds."""
    with app.app_context():
        last = db.session.get(User, user.id).totp_last_step
    totp = pyotp.TOTP(user.totp_secret)
    step = int(time.time() // totp.interval)
    if last is not None and last >= step:
        step = last + 1
    return totp.generate_otp(step)


def login(client, user, app=None, follow=True):
    """Log in through the real forms. Returns the last response."""
    if user.role == Role.STUDENT:
        data = {"school_code": user.school.code, "username": user.username, "password": user.password}
        response = client.post("/login", data=data)
    else:
        response = client.post("/login/staff", data={"email": user.email, "password": user.password})
    if response.status_code == 302 and response.headers["Location"].endswith("/login/verify"):
        response = client.post("/login/verify", data={"otp-code": totp_code(app or client.application, user), "otp-submit": "1"})
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return client.get(response.headers["Location"]) if follow else response


@pytest.fixture
def as_user(app):
    """as_user(user) -> a test client logged in as that user."""

    def make(user):
        client = app.test_client()
        login(client, user, app)
        return client

    return make


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)
