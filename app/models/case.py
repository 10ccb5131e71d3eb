"""Casework on a report: messages with the reporter, internal notes, the action checklist, who read
what, and an audit trail nobody can edit. Free text is encrypted like the report itself."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.user import User


class ActionKind(StrEnum):
    EVIDENCE = "evidence_recorded"  # links, account names — never images
    POLICE = "police_report"
    SUPPORT_CENTER = "support_center"  # Digital Sex Crime Victim Support Center / 1366
    REMOVAL = "removal_request"  # per platform, with a status
    PARENTS = "parents_contacted"


class RemovalStatus(StrEnum):
    REQUESTED = "requested"
    REMOVED = "removed"
    REFUSED = "refused"


class CaseMessage(Model):
    """A message between the reporter and the school's counselors."""

    __tablename__ = "case_messages"
    __table_args__ = (Index("ix_case_messages_report_created", "report_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    from_reporter: Mapped[bool] = mapped_column(Boolean)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # counselors only
    body_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped["User | None"] = relationship()


class CaseNote(Model):
    """A counselor's internal note: never shown to the reporter."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped["User | None"] = relationship()


class CaseAction(Model):
    """One step on the checklist, with its date and counselor. Going against the reporter's stated
    wishes is allowed (schools have legal duties) but needs a written reason."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    platform: Mapped[str | None] = mapped_column(String(80))  # removal requests
    status: Mapped[str | None] = mapped_column(String(20))  # removal requests
    detail_enc: Mapped[str | None] = mapped_column(Text)
    against_wishes: Mapped[bool] = mapped_column(Boolean, default=False)
    reason_enc: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped["User | None"] = relationship()


class ReportView(Model):
    """When a staff member last opened a case: drives the unread markers."""

    __tablename__ = "report_views"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Model):
    """Who did what, when, to which case or account. Append-only: the ORM refuses updates and deletes."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    report_ref: Mapped[str | None] = mapped_column(String(12))  # kept readable after a purge
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(120))  # kept if the account is deleted
    # Whose account an account action (password or two-step reset, turning off/on) changed.
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(300))  # never report content
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditTrailIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_changes(mapper: Mapper[AuditEvent], connection: Connection, target: AuditEvent) -> NoReturn:
    raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")
