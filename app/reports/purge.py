"""Deleting closed cases once the school's retention period is over (`flask reports purge`, daily).

A purged report loses everything that could tell its story: the reporter's words, the messages,
notes, checklist steps and read markers. Its receipt stops working (the stored hash is replaced by
a random value). The row itself stays — category, dates, status, outcome — so the school's
anonymous statistics keep their numbers, and the audit trail gets a "purged" line."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.admin.settings_forms import DEFAULT_RETENTION_DAYS
from app.extensions import db
from app.models import AuditEvent, CaseAction, CaseMessage, CaseNote, Report, ReportView, School, Status
from app.models.base import utcnow
from app.ops.state import records_run
from app.transactions import rows_changed

CASEWORK = (CaseMessage, CaseNote, CaseAction, ReportView)


def due_for_purge(school_id: int, days: int, now: datetime) -> list[int]:
    """Ids of the school's closed, not yet purged reports closed more than `days` ago."""
    cutoff = now - timedelta(days=days)
    return list(
        db.session.scalars(
            select(Report.id)
            .where(
                Report.school_id == school_id,
                Report.status == Status.CLOSED.value,
                Report.closed_at.is_not(None),
                Report.closed_at < cutoff,
                Report.purged_at.is_(None),
            )
            .order_by(Report.id)
        )
    )


def purge_report(report_id: int, school_id: int, days: int, now: datetime) -> bool:
    """Purge one report in its own transaction. The conditions are checked again in the UPDATE
    itself, so a case reopened in the meantime is left alone. Returns whether it was purged."""
    cutoff = now - timedelta(days=days)
    result = db.session.execute(
        update(Report)
        .where(
            Report.id == report_id,
            Report.status == Status.CLOSED.value,
            Report.closed_at < cutoff,
            Report.purged_at.is_(None),
        )
        .values(
            what_enc=None, where_enc=None, when_enc=None, purged_at=now, receipt_hash=secrets.token_hex(32)
        )  # random, unique: no receipt hashes to it
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != 1:
        db.session.rollback()
        return False
    for model in CASEWORK:
        db.session.execute(
            delete(model).where(model.report_id == report_id).execution_options(synchronize_session=False)
        )
    ref = db.session.scalar(select(Report.ref).where(Report.id == report_id))
    db.session.add(
        AuditEvent(
            school_id=school_id,
            report_id=report_id,
            report_ref=ref,
            actor_id=None,
            actor_name="system",
            action="purged",
            detail=f"closed more than {days} days ago",
            created_at=now,
        )
    )
    db.session.commit()
    return True


@records_run("purge")
def purge_closed(now: datetime | None = None) -> int:
    """Purge every closed case past its school's retention; returns how many were purged."""
    now = now or utcnow()
    count = 0
    schools = db.session.execute(select(School.id, School.retention_days).order_by(School.id)).all()
    for school_id, days in schools:
        days = days or DEFAULT_RETENTION_DAYS
        for report_id in due_for_purge(school_id, days, now):
            count += purge_report(report_id, school_id, days, now)
    db.session.expire_all()  # objects loaded earlier must not show the text that is gone
    return count
