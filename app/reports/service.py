"""Creating a report: encrypted, hashed, routed and announced in one transaction."""
import hashlib

from app import notify, reports_crypto as crypto
from app.extensions import db
from app.models import Report, School
from app.models.report import Category


def submission_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def already_sent(token: str) -> bool:
    from sqlalchemy import select

    return db.session.scalar(select(Report.id).where(Report.submission_hash == submission_hash(token))) is not None


def create_report(school: School, form) -> tuple[Report, str, list[int]]:
    """Store the report and queue its alerts; returns (report, receipt, outbox ids).
    The receipt exists only in the return value: the database keeps its keyed hash."""
    receipt = crypto.new_receipt()
    urgent = form.category.data == Category.DANGER
    report = Report(
        school_id=school.id,
        receipt_hash=crypto.keyed_hash(receipt),
        submission_hash=submission_hash(form.submission.data),
        category=form.category.data,
        affected=form.affected.data,
        urgent=urgent,
        wants=sorted(form.wants.data or []),
        consent_parents=form.consent_parents.data,
        consent_police=form.consent_police.data,
        where_enc=crypto.encrypt((form.where.data or "").strip()),
        when_enc=crypto.encrypt((form.when.data or "").strip()),
        what_enc=crypto.encrypt(form.what.data.strip()),
    )
    report.assign_ref()
    db.session.add(report)
    db.session.flush()
    messages = notify.queue_report_alerts(report, "urgent" if urgent else "new")
    db.session.commit()
    return report, receipt, [m.id for m in messages]
