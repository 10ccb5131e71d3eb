"""The alert outbox: emails waiting to be sent, written in the same transaction as what they
announce (a report, a reporter's message) and delivered later with retries by `app.notify`."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.extensions import Model
from app.models.base import UTCDateTime, to_minute, utcnow


def _minute_now() -> datetime:
    return to_minute(utcnow())


class OutboxMessage(Model):
    """An email to send, written in the same transaction as what it announces. Never holds
    report content: only that something is waiting, and a link."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Alerts are written and sent the moment a report arrives: their times are kept to the minute.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_minute_now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_minute_now, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # Whose alert it is (the admin status page shows a school its own backlog only), whether it is
    # urgent (retried every minute, not with backoff), and whether its last attempt failed because
    # the mail server could not be reached (released at once when a connection next succeeds).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    waiting_on_server: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @validates("sent_at")
    def _coarse_sent_at(self, key: str, value: datetime | None) -> datetime | None:
        return to_minute(value) if value is not None else None
