"""The audit trail, append-only: every counselor view and action on a case, and every action one
person takes on another's account (resets, turning an account off or on)."""

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Report

# Account actions: the affected user sees these on their account page.
ACCOUNT_ACTIONS = ("password_reset", "two_factor_reset", "account_off", "account_on")


def record(
    action: str,
    report: Report | None = None,
    detail: str | None = None,
    actor=None,
    school_id: int | None = None,
    subject=None,
) -> AuditEvent:
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
        subject_user_id=subject.id if subject is not None else None,
        action=action,
        detail=(detail or "")[:300] or None,
    )
    db.session.add(event)
    return event


def record_account_action(action: str, user) -> AuditEvent:
    """`action` (one of ACCOUNT_ACTIONS) done by the current user to `user`'s account."""
    return record(action, detail=f"{user.display_name} ({user.login_name})", school_id=user.school_id, subject=user)


def account_history(user, limit: int = 5) -> list[AuditEvent]:
    """What others did to this account lately, newest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_user_id == user.id, AuditEvent.action.in_(ACCOUNT_ACTIONS))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
