"""Transactions that wait for the database instead of failing, on SQLite and PostgreSQL.

SQLite allows one writer at a time. A transaction that began as a reader (BEGIN DEFERRED) and
then tries to write cannot wait for the lock once another writer has committed since it began: it
fails at once with "database is locked", whatever the busy timeout. So on SQLite every transaction
that may write begins with BEGIN IMMEDIATE, which takes the write lock up front and waits for it
(PRAGMA busy_timeout). That is SQLAlchemy's documented recipe for pysqlite (driver autocommit off,
BEGIN emitted by an event), which also makes SAVEPOINTs work.

Which transactions write: those of unsafe requests (POST and the like), those outside any request
(CLI commands, background delivery), and those of a GET view marked with `writes_on_get`.
Everything else (GET pages) reads under a deferred snapshot, so readers never queue behind writers.
A POST that mostly reads (the report form) is marked `reads_first` and calls `begin_write()` just
before the part that writes, so a busy writer cannot make its lookups fail.

Whatever the locking, a busy machine can still exceed a timeout, and PostgreSQL may report a
serialization failure or deadlock; `retrying` runs a unit of work again a bounded number of times.
"""

import logging
import math
import random
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError, OperationalError

from app.extensions import db

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_LOCK_TIMEOUT_MS = 5000
# PostgreSQL SQLSTATEs worth running the transaction again for: serialization failure, deadlock,
# lock_timeout reached.
RETRYABLE_PG_CODES = frozenset({"40001", "40P01", "55P03"})

T = TypeVar("T")
View = TypeVar("View", bound=Callable[..., object])


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    """Foreign keys on, WAL for concurrent readers, a busy timeout, and BEGIN left to us."""
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # the driver no longer emits BEGIN on its own
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={lock_timeout_ms()}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def lock_timeout_ms() -> int:
    """DB_LOCK_TIMEOUT_MS: how long one attempt waits for a lock (SQLite busy_timeout, PostgreSQL
    lock_timeout) before it fails and `retrying` tries again."""
    if has_app_context():
        return int(current_app.config.get("DB_LOCK_TIMEOUT_MS", DEFAULT_LOCK_TIMEOUT_MS))
    return DEFAULT_LOCK_TIMEOUT_MS


def engine_options(uri: str, options: dict, timeout_ms: int, random_page_cost: str | None = None) -> dict:
    """PostgreSQL waits for a lock forever by default; give each statement the same bounded wait.
    And it plans as if every random page read went to a spinning disk (random_page_cost 4), so
    it scanned whole tables rather than look up a class's 41 students by index (0.9 ms against
    0.2 ms for the dashboard's list of names, more as the school grows). A school's data fits in
    memory, where PostgreSQL's documentation suggests 1.1 (SSDs) or lower."""
    if not uri.startswith("postgresql"):
        return options
    settings = f"-c lock_timeout={timeout_ms}"
    if random_page_cost:
        try:
            cost = float(random_page_cost)
        except ValueError:
            cost = -1.0
        if not (cost > 0 and math.isfinite(cost)):
            raise RuntimeError(f"DB_RANDOM_PAGE_COST must be a positive number (or empty), not {random_page_cost!r}.")
        settings += f" -c random_page_cost={cost:g}"
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("options", settings)
    return {**options, "connect_args": connect_args}


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    mode = "IMMEDIATE" if may_write() else "DEFERRED"
    conn.info["sqlite_begin"] = mode
    # Straight to the driver, as PostgreSQL's driver sends its BEGIN: transaction control, not a
    # query (query counts stay the same on both databases).
    try:
        driver = conn.connection.dbapi_connection
        assert driver is not None  # an open connection has its driver connection
        driver.execute(f"BEGIN {mode}")
    except sqlite3.OperationalError as exc:
        raise OperationalError(f"BEGIN {mode}", (), exc) from exc


def may_write() -> bool:
    """Whether a transaction beginning now may write (and so must hold the lock from the start).
    Decided per view before anything runs: login checks and the like query before the view does."""
    mode = g.get("db_mode") if has_app_context() else None
    if mode is not None:
        return mode == "write"
    if not has_request_context():
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "reads_first", False):
        return False
    if request.method in SAFE_METHODS:
        return bool(getattr(view, "writes_on_get", False))
    return True


def reads_first(view: View) -> View:
    """For a POST view that reads before it (maybe) writes: its reads do not wait for the write
    lock; the part that writes calls `begin_write()` first."""
    view.reads_first = True  # type: ignore[attr-defined]  # a marker read by the before-request hook
    return view


def writes_on_get(view: View) -> View:
    """Marks a view that writes even when read with GET (a page view that records something)."""
    view.writes_on_get = True  # type: ignore[attr-defined]  # as above
    return view


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed. `Session.execute()` is typed as returning a plain
    `Result`; for those statements it is a `CursorResult`, which counts them."""
    return cast("CursorResult[Any]", result).rowcount


def begin_write() -> None:
    """End the current (reading) transaction; the next one takes the write lock up front."""
    db.session.rollback()
    g.db_mode = "write"


@contextmanager
def writing():
    """Around a `reads_first` view's writing part: afterwards (done or failed) reads are plain
    reads again, so the page shown next does not queue for the lock."""
    previous = g.get("db_mode")
    try:
        yield
    finally:
        g.db_mode = previous


def is_retryable(exc: BaseException) -> bool:
    """A lock that was not granted in time, a serialization failure or a deadlock: nothing was
    written, and the same work may succeed if run again."""
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return True  # SQLite: "database is locked" / "database table is locked"
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in RETRYABLE_PG_CODES
    return False


def retrying(work: Callable[[], T], attempts: int = 4, base_delay: float = 0.05) -> T:
    """Run `work` (which commits) up to `attempts` times while it fails for a retryable reason,
    rolling back in between with a growing, jittered pause. Other errors, and the last retryable
    one, are raised after a rollback."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            db.session.rollback()
            if attempt == attempts or not is_retryable(exc):
                raise
            log.warning("transaction retried after %s (attempt %d)", type(exc.orig).__name__, attempt)
            time.sleep(base_delay * 2 ** (attempt - 1) * (1 + random.random()))  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")


def _write_guard(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.info.get("sqlite_begin") == "DEFERRED" and statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
        where = request.endpoint if has_request_context() else "?"
        raise RuntimeError(
            f"a write inside a read-only (deferred) SQLite transaction in {where}: mark this GET "
            "view with @writes_on_get, or do the write in a POST"
        )


def install_write_guard() -> None:
    """For tests (DB_WRITE_GUARD): a write inside a deferred SQLite transaction is a bug waiting
    for a busy day (it fails at once under contention), so make it fail every time instead."""
    if not event.contains(Engine, "before_cursor_execute", _write_guard):
        event.listen(Engine, "before_cursor_execute", _write_guard)
