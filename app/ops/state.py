"""Records of the periodic jobs (when each last ran and how it went) and of secret fingerprints.

Recording never breaks the job it records: a failure to write the record is logged and dropped.
Times are the wall clock, whatever `now` a job was given, because the record answers "is cron
running?"."""

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db
from app.models.base import utcnow
from app.models.ops import OpsState
from app.transactions import retrying

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger("app.ops")

# name -> how long between runs is normal; beyond twice that, doctor and the status page say late.
JOBS = {"deliver": 60, "escalate": 60, "purge": 24 * 60 * 60}
RECEIPT_FINGERPRINT = "fingerprint.receipt_secret"


def record(key: str, value: str) -> None:
    """Set key to value (now); commits. Never raises."""

    def work():
        row = db.session.get(OpsState, key)
        if row is None:
            db.session.add(OpsState(key=key, value=value[:300], updated_at=utcnow()))
        else:
            row.value, row.updated_at = value[:300], utcnow()
        db.session.commit()

    try:
        try:
            retrying(work)
        except IntegrityError:  # another process inserted the same key first: update theirs
            db.session.rollback()
            retrying(work)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.error("ops: could not record %s (%s)", key, type(exc).__name__)


def get(key: str) -> OpsState | None:
    return db.session.scalar(select(OpsState).where(OpsState.key == key))


def receipt_fingerprint() -> str:
    """Tells whether RECEIPT_SECRET changed, without revealing it (a keyed hash of a constant)."""
    from app.reports.crypto import keyed_hash

    return keyed_hash("dari:receipt-secret-fingerprint")[:16]


def record_job(name: str, outcome: str) -> None:
    record(f"job.{name}", outcome)
    # The jobs run with the production environment: first chance to note which secret is in use.
    if get(RECEIPT_FINGERPRINT) is None:
        record(RECEIPT_FINGERPRINT, receipt_fingerprint())


def records_run(name: str, describe: Callable[[Any], str] = str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a job function: its run is recorded as "ok <describe(result)>" or "failed <error
    type>", whoever runs it (cron's command, `flask schedule run`, a test)."""

    def decorate(job: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(job)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = job(*args, **kwargs)
            except Exception as exc:
                db.session.rollback()
                record_job(name, f"failed {type(exc).__name__}")
                raise
            record_job(name, f"ok {describe(result)}")
            return result

        return run

    return decorate


def job_runs() -> dict[str, tuple[datetime | None, str | None]]:
    """For each known job: (when it last ran, its outcome), (None, None) when never."""
    rows = {r.key: r for r in db.session.scalars(select(OpsState).where(OpsState.key.in_([f"job.{n}" for n in JOBS])))}
    return {
        name: ((rows[f"job.{name}"].updated_at, rows[f"job.{name}"].value) if f"job.{name}" in rows else (None, None))
        for name in JOBS
    }


def is_late(name: str, last: datetime | None, now: datetime | None = None) -> bool:
    """Never run, or not for more than twice its normal interval (plus a minute of slack)."""
    if last is None:
        return True
    return ((now or utcnow()) - last).total_seconds() > 2 * JOBS[name] + 60
