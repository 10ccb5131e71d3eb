"""Fixtures shared by the whole suite: an app per test on a fresh schema, a factory for schools,
users, classes and reports, the people of one school by role (each also as a logged-in client), a
report filed through the real form, and a helper that logs in through the real forms (including the
two-step code)."""

import os
import re
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import pyotp
import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

import app.content as content
from app import create_app
from app.extensions import db
from app.models import Classroom, Enrollment, Role, School, User
from app.models.base import utcnow
from config import BASE_DIR, TestConfig

# Fixtures kept in their own modules, available to every test: `smtp_server` (a real SMTP server)
# and `counsel_world` (a school whose counselors receive different reports).
pytest_plugins = ["smtp_server", "counsel_helpers"]

PASSWORD = "correct-horse-battery"
NO_SKIPS = os.environ.get("DARI_NO_SKIPS") == "1"
# pytest-xdist runs tests in worker processes gw0, gw1, ...; each uses its own database (below).
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
SERVER_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _worker_database_url(url: str | None) -> str | None:
    """On PostgreSQL each xdist worker gets `<database>_<worker>`; SQLite in memory is already
    private to each process, and a run without xdist uses the database it was given."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_database_url(SERVER_DATABASE_URL)
if TEST_DATABASE_URL:
    # TestConfig read the variable at import; every app built in this process uses the worker's database.
    os.environ["TEST_DATABASE_URL"] = TEST_DATABASE_URL
    TestConfig.SQLALCHEMY_DATABASE_URI = TEST_DATABASE_URL


def _maintenance_engine():
    """A connection to the server's `postgres` database, which can create and drop the others."""
    return create_engine(make_url(SERVER_DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate_worker_database(drop_only=False):
    name = make_url(TEST_DATABASE_URL).database
    engine = _maintenance_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def pytest_configure(config):
    if not SERVER_DATABASE_URL:
        return
    try:
        if WORKER and make_url(SERVER_DATABASE_URL).get_backend_name() == "postgresql":
            _recreate_worker_database()
        engine = create_engine(TEST_DATABASE_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        raise pytest.UsageError(f"TEST_DATABASE_URL is set but the database cannot be reached: {exc}") from exc


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    # Under xdist the controller receives every worker's reports through this hook too.
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_collectreport(report):
    # A module that skips itself at import shows up here, not in the runtest reports.
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if WORKER and SERVER_DATABASE_URL and make_url(SERVER_DATABASE_URL).get_backend_name() == "postgresql":
        _recreate_worker_database(drop_only=True)
    # CI sets DARI_NO_SKIPS: there PostgreSQL, Redis and Chromium exist, so a skip hides a failure.
    # Workers leave the verdict to the controller, which has seen all of their reports.
    if NO_SKIPS and _skipped and not WORKER:
        print(f"\nDARI_NO_SKIPS is set and {len(_skipped)} test(s) skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = 1


class _SharedTemplateCache(BytecodeCache):
    """Compiled templates shared by every app the suite builds. Each app has a Jinja environment of
    its own, and compiling every template again for each test took a quarter of the suite's time.
    Jinja checks each template's source checksum, so an edited template is compiled afresh."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = _SharedTemplateCache()

_load_library = content.load_library
_libraries: dict[tuple, object] = {}


def _load_library_once(root):
    """The app loads lessons and quizzes at start-up, and the suite starts an app per test: load each
    content tree once, and again only when one of its files changed. Invalid content still raises
    every time; tests/test_content.py calls the loader itself."""
    root = Path(root)
    files = [p for folder in ("lessons", "quizzes") for p in sorted((root / folder).rglob("*")) if p.is_file()]
    key = (str(root.resolve()), tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    if key not in _libraries:
        _libraries[key] = _load_library(root)
    return _libraries[key]


content.load_library = _load_library_once


def real_curriculum():
    """The repository's own lessons, quizzes and guides, loaded once per process (as the apps load it)."""
    return _load_library_once(BASE_DIR)


_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _compile_builder_once(rule, append_unknown=True):
    """Werkzeug compiles a URL builder per rule (Python source through `ast` and `compile`) for each app,
    which made building an app nine tenths of the cost of a short test. The builder is a plain function
    of the rule's text, parts and defaults that receives the rule as an argument, so one compiled for
    the same rule in an earlier app is the same function."""
    key = (
        rule.rule,
        rule.map.host_matching,
        tuple(rule._trace),
        repr(sorted((rule.defaults or {}).items())),
        append_unknown,
    )
    if key not in _builders:
        _builders[key] = _compile_builder(rule, append_unknown)
    return _builders[key]


Rule._compile_builder = _compile_builder_once  # type: ignore[method-assign]


class HeldWriteLock:
    """Another process's writer: holds SQLite's write lock until released."""

    def __init__(self, app):
        self.path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")

    def __enter__(self):
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.conn.execute("ROLLBACK")
        self.conn.close()


def make_app(**overrides):
    class Config(TestConfig):
        pass

    for key, value in overrides.items():
        setattr(Config, key, value)
    app = create_app(Config)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


@pytest.fixture
def app_factory():
    """Build an app with config overrides; its schema is created and dropped around the test."""
    made = []

    def build(**overrides):
        app = make_app(**overrides)
        with app.app_context():
            if _private_memory_database(app):
                _create_schema_in_memory()
            else:
                db.drop_all()  # a server or file database may hold tables an interrupted run left behind
                db.create_all()
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            if not _private_memory_database(app):
                db.drop_all()
            db.engine.dispose()  # an in-memory SQLite database goes with its last connection


def _private_memory_database(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:")


_empty_schema: list[bytes] = []


def _create_schema_in_memory() -> None:
    """create_all once per process; later apps load a copy of the empty database (sqlite3's
    deserialize) into their connection, ten times faster than issuing the DDL again."""
    if not _empty_schema:
        db.create_all()
        raw = db.engine.raw_connection()
        try:
            _empty_schema.append(raw.driver_connection.serialize())
        finally:
            raw.close()
        return
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.deserialize(_empty_schema[0])
    finally:
        raw.close()


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
                id=user.id,
                role=role,
                email=user.email,
                username=user.username,
                password=password,
                school=school,
                totp_secret=secret,
                display_name=user.display_name,
            )

    def classroom(self, school, *members, name="2-3", archived=False) -> int:
        """A class of `school` with `members` (teachers and students) enrolled; returns its id."""
        with self.app.app_context():
            classroom = Classroom(
                school_id=school.id, name=name, grade=8, school_year="2026", archived_at=utcnow() if archived else None
            )
            db.session.add(classroom)
            db.session.flush()
            db.session.add_all(Enrollment(classroom_id=classroom.id, user_id=member.id) for member in members)
            db.session.commit()
            return classroom.id


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
        response = client.post(
            "/login/verify", data={"otp-code": totp_code(app or client.application, user), "otp-submit": "1"}
        )
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return client.get(response.headers["Location"]) if follow else response


@pytest.fixture
def as_user(app):
    """as_user(user) -> a test client logged in as that user."""

    def make(user):
        client = app.test_client()
        login(client, user, app, follow=False)
        return client

    return make


# The right answers to the fixture module's quiz (tests/content/valid, sample-consent), as the form sends them.
SAMPLE_QUIZ_RIGHT = {
    "q-photo-vs-post": "disagree",
    "q-parts-of-consent": ["reversible", "specific"],
    "q-silence": "false",
}


def open_quiz(client, module="sample-consent", **headers) -> tuple[str, str]:
    """Open a module's quiz page: (the page, the attempt number its form carries)."""
    page = client.get(f"/learn/{module}/quiz", headers=headers).get_data(as_text=True)
    return page, re.search(r'name="attempt" value="(\d+)"', page).group(1)


def all_database_text(app) -> str:
    """Every value of every row of every table, as text: what a database dump would show."""
    with app.app_context():
        return "\n".join(
            str(value)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
            for value in row
        )


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


# --- one school and its people -----------------------------------------------------------------
# School ALPHA ("Alpha Middle School") with one person per role. Modules that need other people
# (a second school, more counselors) make them with `factory` next to the test that needs them.


@pytest.fixture
def school(factory):
    return factory.school("ALPHA")


@pytest.fixture
def other_school(factory):
    return factory.school("BRAVO")


@pytest.fixture
def teacher(factory, school):
    return factory.user(school, Role.TEACHER, display_name="Mr Lee")


@pytest.fixture
def student(factory, school):
    return factory.user(school, Role.STUDENT, display_name="Minji")


@pytest.fixture
def counselor(factory, school):
    return factory.user(school, Role.COUNSELOR, display_name="Ms Yoon")


@pytest.fixture
def admin(factory, school):
    return factory.user(school, Role.SCHOOL_ADMIN)


@pytest.fixture
def teacher_client(as_user, teacher):
    return as_user(teacher)


@pytest.fixture
def student_client(as_user, student):
    return as_user(student)


@pytest.fixture
def counselor_client(as_user, counselor):
    return as_user(counselor)


@pytest.fixture
def admin_client(as_user, admin):
    return as_user(admin)


@pytest.fixture
def classmate(factory, school):
    return factory.user(school, Role.STUDENT, display_name="Junho")


@pytest.fixture
def classroom(factory, school, teacher, student, classmate):
    """Class 2-3, taught by `teacher`, with the students Minji (`student`) and Junho (`classmate`)."""
    class_id = factory.classroom(school, teacher, student, classmate)
    return SimpleNamespace(id=class_id, teacher=teacher, students=[student, classmate])


# --- a report through the real form ------------------------------------------------------------

REPORT_WHAT = "Someone posted an edited picture of Jiwoo in the channel PurpleOwl"
# The reporter's network address and browser: tests check neither is stored anywhere.
REPORTER = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "DariSecretAgent/1.0 (unique-ua-marker)"}


def start_report(client, school_text="ALPHA", category="ai_image", **extra):
    """The first step of /report: which school, what kind of thing."""
    return client.post(
        "/report", data={"stage": "start", "school": school_text, "category": category, **extra}, environ_base=REPORTER
    )


def report_hidden_fields(page: str) -> dict:
    """The hidden fields the first step puts into the details form."""
    names = "school_id|category|submission"
    fields = dict(re.findall(rf'<input[^>]*name="({names})"[^>]*value="([^"]*)"', page))
    fields.update({k: v for v, k in re.findall(rf'<input[^>]*value="([^"]*)"[^>]*name="({names})"', page)})
    return fields


def send_report(client, page: str, **overrides):
    """The details step, answered as a worried friend would; `None` leaves a field out."""
    data = {
        "stage": "details",
        **report_hidden_fields(page),
        "affected": "friend",
        "what": REPORT_WHAT,
        "where": "Telegram channel PurpleOwl",
        "when": "last night",
        "wants": ["school_to_know", "removal_help"],
        "consent_parents": "no",
        "consent_police": "not_sure",
        "website": "",
        **overrides,
    }
    return client.post("/report", data={k: v for k, v in data.items() if v is not None}, environ_base=REPORTER)


def file_report(client, category="ai_image", **overrides):
    """Both steps of the real form; returns the last response (the receipt page when it worked)."""
    page = start_report(client, category=category).get_data(as_text=True)
    return send_report(client, page, **overrides)


def receipt_of(response_or_page) -> str:
    """The receipt code as the page shows it (four groups of four digits)."""
    page = response_or_page if isinstance(response_or_page, str) else response_or_page.get_data(as_text=True)
    match = re.search(r'id="receipt-code">([\d ]+)<', page)
    assert match, "no receipt code on the page"
    return match.group(1)


def report_receipt(client, **overrides) -> str:
    """File a report through the real form and return its receipt code as shown (with spaces)."""
    response = file_report(client, **overrides)
    assert response.status_code == 200, response.status_code
    return receipt_of(response)


@pytest.fixture
def filed_report(app, school):
    """A report filed anonymously through the real form at `school`: its receipt and database id."""
    from sqlalchemy import select

    from app.models import Report

    receipt = report_receipt(app.test_client())
    with app.app_context():
        report_id = db.session.scalar(select(Report.id).order_by(Report.id.desc()))
    return SimpleNamespace(receipt=receipt, id=report_id)


# --- a database that another connection has locked ---------------------------------------------


class WriteLock:
    """Another connection holding the write lock a request needs, until released: the real failure
    behind "database is locked" (SQLite) or a lock timeout (PostgreSQL)."""

    def __init__(self, url: str):
        import sqlite3

        from sqlalchemy import text as sql_text

        self.url = url
        if url.startswith("sqlite"):
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(url)
            self.conn = self.engine.connect()
            # Every table a write could touch; reads go on, writes wait.
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            self.conn.execute(sql_text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
        self.released = False

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        if self.url.startswith("sqlite"):
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.conn.rollback()
            self.conn.close()
            self.engine.dispose()

    def waiting_on_it(self) -> int:
        """PostgreSQL only: how many sessions are waiting for a lock right now."""
        with self.engine.connect() as probe:
            return probe.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()


@pytest.fixture
def db_url(tmp_path):
    """A database other connections can reach: a SQLite file, or PostgreSQL when the suite runs on it."""
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
def locked_app(app_factory, db_url):
    """An app on a shared database whose writes give up quickly, and `lock()`, which takes that
    database's write lock from another connection until the test ends (or `.release()`)."""
    app = app_factory(SQLALCHEMY_DATABASE_URI=db_url, DB_LOCK_TIMEOUT_MS=150, RATELIMIT_ENABLED=False)
    locks: list[WriteLock] = []

    def lock() -> WriteLock:
        locks.append(WriteLock(db_url))
        return locks[-1]

    app.lock = lock
    yield app
    for held in locks:
        held.release()
