"""What gunicorn's master does before it forks workers (app/warmup.py): every prepared statement run
once so that workers inherit it compiled, nothing written, no connection kept, and a master that
cannot reach the database still starts."""

import logging

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from app.auth.session import _user_with_school
from app.extensions import db
from app.models import School
from app.prepared import FACTORIES
from app.warmup import warm
from conftest import TEST_DATABASE_URL, Factory, HeldWriteLock, make_app


@pytest.fixture
def served_app(app_factory, tmp_path):
    """A database that outlives its connections, as the master's does: a file, or PostgreSQL."""
    if TEST_DATABASE_URL:
        return app_factory()
    return app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'dari.db'}")


def statement_count() -> int:
    return sum(len(built) if isinstance(built, tuple) else 1 for built in (factory() for factory in FACTORIES))


def test_every_prepared_statement_runs_once_and_is_then_served_compiled(served_app):
    ran = warm(served_app)
    assert ran == statement_count() >= 20  # the user, the student's, the class's and the inbox's statements
    with served_app.app_context():
        assert db.engine.pool.checkedin() == 0  # the master keeps no connection for workers to share
        hits = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            hits.append(context.cache_hit)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            db.session.execute(_user_with_school(), {"uid": 1}).all()
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert hits == [CACHE_HIT]
        db.session.rollback()


def test_a_school_time_zone_the_warm_up_cannot_read_does_not_stop_it(served_app):
    school = Factory(served_app).school("ODDZONE")
    with served_app.app_context():
        db.session.get(School, school.id).timezone = "Not/A_Zone"
        db.session.commit()
    assert warm(served_app) == statement_count()


def test_the_warm_up_only_reads(app_factory, tmp_path):
    sqlite_file = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'locked.db'}", DB_LOCK_TIMEOUT_MS=300)
    with HeldWriteLock(sqlite_file):  # a writer elsewhere holds SQLite's lock for the whole warm-up
        assert warm(sqlite_file) == statement_count()


def test_a_master_that_cannot_reach_the_database_still_starts(tmp_path, caplog):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'dari.db'}")
    with caplog.at_level(logging.WARNING, logger="app.warmup"):
        assert warm(app) == 0
    assert "warm-up: the database did not answer" in caplog.text
    assert "base.html" in {template.name for template in app.jinja_env.cache.values()}  # compiled all the same
