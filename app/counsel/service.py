"""The rules of casework: acknowledging, assigning, changing status, notes and messages.

Each function changes the session and adds its audit line; the caller commits once, so an action
never happens without its line in the audit trail (nor the reverse). Free text is encrypted here.
"""

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert, insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert, insert as sqlite_insert

from app import audit
from app.counsel.forms import OUTCOME_LABELS, SETTABLE_STATUSES
from app.extensions import db
from app.models import CaseMessage, CaseNote, Report, ReportView, User
from app.models.base import utcnow
from app.models.report import Status
from app.reports import crypto
from app.transactions import rows_changed

_UPSERTS: dict[str, Callable[[type[ReportView]], PgInsert | SqliteInsert]] = {
    "postgresql": pg_insert,
    "sqlite": sqlite_insert,
}


class CaseRuleError(ValueError):
    """An action the rules do not allow; str() is a message for the counselor (lazy string)."""


def mark_seen(report: Report, user: User, now: datetime | None = None) -> None:
    """Upsert when `user` last opened the case: what drives their unread markers."""
    now = now or utcnow()
    insert = _UPSERTS.get(db.session.get_bind().dialect.name)
    if insert is None:  # another database: read, then write
        view = db.session.scalar(
            select(ReportView).where(ReportView.report_id == report.id, ReportView.user_id == user.id)
        )
        if view is None:
            db.session.add(ReportView(report_id=report.id, user_id=user.id, seen_at=now))
        else:
            view.seen_at = now
        return
    stmt = insert(ReportView).values(report_id=report.id, user_id=user.id, seen_at=now)
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["report_id", "user_id"], set_={"seen_at": stmt.excluded.seen_at})
    )


def record_view(report: Report, user: User, action: str = "view") -> None:
    """Opening (or printing) a case: an audit line and the reader's unread marker cleared."""
    audit.record(action, report)
    mark_seen(report, user)


def acknowledge(report: Report, user: User, now: datetime | None = None) -> bool:
    """Someone has it: stops escalation and moves a new report to "acknowledged". Idempotent:
    only the first acknowledgement counts, even when two counselors click at the same moment."""
    now = now or utcnow()
    result = db.session.execute(
        update(Report)
        .where(Report.id == report.id, Report.acknowledged_at.is_(None))
        .values(
            acknowledged_at=now,
            acknowledged_by_id=user.id,
            last_activity_at=now,
            status=case((Report.status == Status.NEW.value, Status.ACKNOWLEDGED.value), else_=Report.status),
        )
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != 1:
        return False
    db.session.refresh(report)
    audit.record("acknowledge", report)
    mark_seen(report, user, now)
    return True


def assign(report: Report, assignee: User | None, actor: User, now: datetime | None = None) -> bool:
    """Give the case to `assignee` (None: nobody). The caller checks they may hold it."""
    now = now or utcnow()
    new_id = assignee.id if assignee is not None else None
    if report.assignee_id == new_id:
        return False
    report.assignee_id = new_id
    report.last_activity_at = now
    detail = f"assigned to {assignee.display_name} (#{assignee.id})" if assignee is not None else "unassigned"
    audit.record("assign", report, detail)
    mark_seen(report, actor, now)
    return True


def set_status(report: Report, status: str, outcome: str | None, actor: User, now: datetime | None = None) -> bool:
    """Move the case along: acknowledged → in progress → referred → closed (with an outcome), or
    reopen it. Moving a case on also acknowledges it. Returns False when nothing changed."""
    now = now or utcnow()
    if status not in SETTABLE_STATUSES:
        raise CaseRuleError(_l("That status cannot be chosen."))
    closing = status == Status.CLOSED
    if closing and outcome not in OUTCOME_LABELS:
        raise CaseRuleError(_l("Choose an outcome to close the case: what came of it."))
    outcome = outcome if closing else None
    old = report.status
    if old == status and report.outcome == outcome:
        return False
    if report.acknowledged_at is None:
        acknowledge(report, actor, now)
    report.status = status
    report.outcome = outcome
    if closing:
        report.closed_at = report.closed_at if old == Status.CLOSED else now
    else:
        report.closed_at = None
    report.last_activity_at = now
    detail = f"{old} -> {status}" + (f" ({outcome})" if outcome else "")
    audit.record("status", report, detail)
    mark_seen(report, actor, now)
    return True


def add_note(report: Report, text: str, actor: User, now: datetime | None = None) -> CaseNote:
    """An internal note: staff only, never shown to the person who reported."""
    now = now or utcnow()
    note = CaseNote(report_id=report.id, author_id=actor.id, body_enc=crypto.encrypt(text.strip()), created_at=now)
    db.session.add(note)
    report.last_activity_at = now
    audit.record("note", report)
    mark_seen(report, actor, now)
    return note


def send_message(report: Report, text: str, actor: User, now: datetime | None = None) -> CaseMessage:
    """A message the reporter reads with their receipt code. Replying also acknowledges."""
    now = now or utcnow()
    if report.acknowledged_at is None:
        acknowledge(report, actor, now)
    message = CaseMessage(
        report_id=report.id,
        from_reporter=False,
        author_id=actor.id,
        body_enc=crypto.encrypt(text.strip()),
        created_at=now,
    )
    db.session.add(message)
    report.counselor_replied_at = now
    report.last_activity_at = now
    audit.record("message", report)
    mark_seen(report, actor, now)
    return message
