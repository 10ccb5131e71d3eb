"""Urgent reports nobody acknowledged in time: alert every counselor and school admin again."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models.base import utcnow
from app.models.report import Report, Status
from app.models.school import School
from app.transactions import rows_changed

log = logging.getLogger("app.notify")  # one logger name for the whole package

from app.notify.alerts import queue_report_alerts  # noqa: E402
from app.ops.state import records_run  # noqa: E402


@records_run("escalate")
def escalate(now: datetime | None = None) -> int:
    """Alert every active counselor and admin again about urgent reports nobody acknowledged
    within the school's window (School.urgent_ack_minutes, else URGENT_ACK_MINUTES) since the
    report or its last escalation. Commits each; returns how many reports escalated."""
    now = now or utcnow()
    default_minutes = current_app.config["URGENT_ACK_MINUTES"]
    rows = db.session.execute(
        select(Report, School.urgent_ack_minutes)
        .join(School, School.id == Report.school_id)
        .where(Report.urgent.is_(True), Report.acknowledged_at.is_(None), Report.status != Status.CLOSED)
        .order_by(Report.id)
    ).all()
    escalated = 0
    for report, school_minutes in rows:
        minutes = school_minutes if school_minutes is not None else default_minutes
        last = report.escalated_at or report.created_at
        if now - last < timedelta(minutes=int(minutes)):
            continue
        # Conditional on the count we read: of two concurrent runs, only one escalates this round.
        result = db.session.execute(
            update(Report)
            .where(
                Report.id == report.id,
                Report.escalation_count == report.escalation_count,
                Report.acknowledged_at.is_(None),
                Report.status != Status.CLOSED,
            )
            .values(escalation_count=Report.escalation_count + 1, escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) != 1:
            db.session.rollback()
            continue
        db.session.refresh(report)
        queue_report_alerts(report, "escalated")
        db.session.commit()
        escalated += 1
    if escalated:
        log.info("reports: escalated %d unacknowledged urgent report(s)", escalated)
    return escalated
