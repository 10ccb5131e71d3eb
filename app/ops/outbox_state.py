"""The outbox at a glance: what waits, since when, and why (for doctor, `flask outbox status`
and the admin status page). Counts and error types only: never an address or a subject."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.outbox import OutboxMessage

# Beyond these ages a waiting alert is a problem the operator must look at.
URGENT_LATE = timedelta(minutes=5)
ANY_LATE = timedelta(minutes=30)


@dataclass
class OutboxState:
    pending: int
    urgent: int
    waiting_on_server: int
    oldest: datetime | None
    oldest_urgent: datetime | None
    last_error: str | None

    def age(self, now: datetime | None = None) -> timedelta | None:
        return None if self.oldest is None else (now or utcnow()) - self.oldest

    def late(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return bool(
            (self.oldest_urgent and now - self.oldest_urgent > URGENT_LATE)
            or (self.oldest and now - self.oldest > ANY_LATE)
        )


def outbox_state(school_id: int | None = None) -> OutboxState:
    """Alerts not sent yet, of one school or (None) of the whole instance."""
    where: list[ColumnElement[bool]] = [OutboxMessage.sent_at.is_(None)]
    if school_id is not None:
        where.append(OutboxMessage.school_id == school_id)
    pending, urgent, waiting, oldest, oldest_urgent = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((OutboxMessage.urgent.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((OutboxMessage.waiting_on_server.is_(True), 1), else_=0)), 0),
            func.min(OutboxMessage.created_at, type_=UTCDateTime),
            func.min(case((OutboxMessage.urgent.is_(True), OutboxMessage.created_at)), type_=UTCDateTime),
        )
        .select_from(OutboxMessage)
        .where(*where)
    ).one()
    last_error = db.session.scalar(
        select(OutboxMessage.last_error)
        .where(*where, OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.next_attempt_at.desc())
        .limit(1)
    )
    return OutboxState(int(pending), int(urgent), int(waiting), oldest, oldest_urgent, last_error)


def describe_age(age: timedelta | None) -> str:
    """Plain English for the CLI and doctor (the status page has its own translated wording)."""
    if age is None:
        return "none"
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h"
