"""Anonymous reports. Nothing here can identify the reporter: no IP address, user agent, user id
or session. Free text is stored only as Fernet ciphertext; the receipt only as a keyed hash."""

import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.models.base import UTCDateTime, to_hour, to_minute, utcnow

if TYPE_CHECKING:
    from app.models.school import School


class Category(StrEnum):
    AI_IMAGE = "ai_image"  # AI-made or edited sexual image
    REAL_IMAGE = "real_image"  # a real intimate image shared or threatened
    SEXTORTION = "sextortion"  # threats or blackmail
    BULLYING = "bullying"  # bullying or harassment online
    DANGER = "danger"  # someone may be in danger or may hurt themselves
    OTHER = "other"


class Affected(StrEnum):
    ME = "me"
    FRIEND = "friend"
    SOMEONE_ELSE = "someone_else"
    STAFF = "staff"


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    CLOSED = "closed"


WANTS = ("school_to_know", "talk_to_someone", "removal_help")
CONSENT_CHOICES = ("yes", "no", "not_sure")
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_ref() -> str:
    return "R-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(4))


def _report_time(context: DefaultExecutionContext) -> datetime:
    """When a report arrived, to the hour, so a database dump cannot line it up with a logged-in
    student's login. Urgent reports keep the minute: their escalation window is minutes long."""
    # SQLAlchemy leaves get_current_parameters() unannotated; it returns the row's parameters.
    params = context.get_current_parameters()  # type: ignore[no-untyped-call]
    urgent = bool(params.get("urgent"))
    return to_minute(utcnow()) if urgent else to_hour(utcnow())


class Report(Model):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("school_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    ref: Mapped[str] = mapped_column(String(12))  # what staff call it, e.g. R-7KQ2; not the receipt
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Guards against the same form being sent twice (browser refresh); a random value, not an identity.
    submission_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    affected: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    wants: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_parents: Mapped[str] = mapped_column(String(10))
    consent_police: Mapped[str] = mapped_column(String(10))
    # Fernet tokens of the reporter's own words.
    where_enc: Mapped[str | None] = mapped_column(Text)
    when_enc: Mapped[str | None] = mapped_column(Text)
    what_enc: Mapped[str | None] = mapped_column(Text)  # None only after a purge
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_report_time)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_report_time)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_count: Mapped[int] = mapped_column(default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the receipt holder last opened the follow-up page, and when a counselor last wrote.
    reporter_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counselor_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reporter_message_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Bumped when the reporter leaves (button or quick exit): follow-up cookies name the version
    # they were issued for, so every copy of an old one stops opening the report.
    followup_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by `flask reports purge`: the text and casework are gone, the counts for statistics stay.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped["School"] = relationship()

    def assign_ref(self) -> None:
        """A free reference, checked then taken: for single writers (demo data, tests). Reports
        filed through the form draw one with `new_ref` and let the unique constraint decide."""
        while True:
            ref = new_ref()
            taken = db.session.scalar(select(Report.id).where(Report.school_id == self.school_id, Report.ref == ref))
            if taken is None:
                self.ref = ref
                return


class RoutingRule(Model):
    """Which counselors receive a category's reports at a school. No rule: every counselor."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("school_id", "category", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
