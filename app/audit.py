"""The audit trail: every counselor view and action on a case, append-only."""
from flask import has_request_context
from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent, Report


def record(action: str, report: Report | None = None, detail: str | None = None, actor=None,
           school_id: int | None = None) -> AuditEvent:
    """Add an audit event to the session (committed with the action it records, so an action
    never happens without its line). `detail` is short and never holds report content."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user  # cron and CLI runs have no request: they are recorded as "system"
    event = AuditEvent(
        school_id=school_id or (report.school_id if report is not None else actor.school_id),
        report_id=report.id if report is not None else None,
        report_ref=report.ref if report is not None else None,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else "system",
        action=action,
        detail=(detail or "")[:300] or None,
    )
    db.session.add(event)
    return event
