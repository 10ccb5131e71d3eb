"""Purging closed cases after the school's retention period: text and casework go, counts stay."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, CaseAction, CaseMessage, CaseNote, Report, ReportView, Role, School
from app.models.base import utcnow
from app.reports import crypto as reports_crypto
from app.reports.purge import purge_closed
from test_statistics import make_report, table_rows

CLOSED_AT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def add_casework(app, report_id, user_id):
    with app.app_context():
        db.session.add_all(
            [
                CaseMessage(report_id=report_id, from_reporter=True, body_enc=reports_crypto.encrypt("thank you")),
                CaseMessage(
                    report_id=report_id,
                    from_reporter=False,
                    author_id=user_id,
                    body_enc=reports_crypto.encrypt("we are on it"),
                ),
                CaseNote(report_id=report_id, author_id=user_id, body_enc=reports_crypto.encrypt("spoke to the class")),
                CaseAction(
                    report_id=report_id,
                    kind="removal_request",
                    platform="Instagram",
                    status="removed",
                    detail_enc=reports_crypto.encrypt("account name"),
                    actor_id=user_id,
                ),
                ReportView(report_id=report_id, user_id=user_id),
            ]
        )
        db.session.commit()


def casework_count(app, report_id) -> int:
    with app.app_context():
        return sum(
            db.session.scalar(select(func.count()).select_from(model).where(model.report_id == report_id))
            for model in (CaseMessage, CaseNote, CaseAction, ReportView)
        )


def purge_at(app, now) -> int:
    with app.app_context():
        return purge_closed(now=now)


def closed_case(app, school, closed_at=CLOSED_AT, **fields):
    created = closed_at - timedelta(days=20)
    return make_report(app, school, created, acknowledged=created + timedelta(hours=1), closed=closed_at, **fields)


def test_a_closed_case_is_kept_until_its_retention_ends(app, school, counselor):
    report_id, _ref, receipt = closed_case(app, school)
    add_casework(app, report_id, counselor.id)
    assert purge_at(app, CLOSED_AT + timedelta(days=364)) == 0
    assert purge_at(app, CLOSED_AT + timedelta(days=365)) == 0  # exactly 365 days: not yet
    assert casework_count(app, report_id) == 5
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.purged_at is None and reports_crypto.decrypt(report.what_enc) == "what happened"
        assert db.session.scalar(select(Report.id).where(Report.receipt_hash == reports_crypto.keyed_hash(receipt)))


def test_purge_removes_text_casework_and_receipt_but_keeps_the_row(app, school, counselor):
    report_id, ref, receipt = closed_case(app, school, category="sextortion")
    add_casework(app, report_id, counselor.id)
    now = CLOSED_AT + timedelta(days=366)
    assert purge_at(app, now) == 1
    assert casework_count(app, report_id) == 0
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.what_enc, report.where_enc, report.when_enc) == (None, None, None)
        assert report.purged_at == now and report.ref == ref
        assert report.category == "sextortion" and report.status == "closed"
        assert report.closed_at == CLOSED_AT and report.acknowledged_at is not None
        assert len(report.receipt_hash) == 64
        assert (
            db.session.scalar(select(Report).where(Report.receipt_hash == reports_crypto.keyed_hash(receipt))) is None
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "purged"))
        assert (event.school_id, event.report_id, event.report_ref) == (school.id, report_id, ref)
        assert event.actor_id is None and event.actor_name == "system" and event.created_at == now
    assert purge_at(app, now + timedelta(days=1)) == 0  # once only
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_purged_receipts_stay_unique(app, school):
    for n in range(3):
        closed_case(app, school, closed_at=CLOSED_AT + timedelta(minutes=n))
    assert purge_at(app, CLOSED_AT + timedelta(days=400)) == 3
    with app.app_context():
        hashes = db.session.scalars(select(Report.receipt_hash)).all()
        assert len(set(hashes)) == 3


def test_open_cases_are_never_purged(app, school, counselor):
    long_ago = CLOSED_AT - timedelta(days=900)
    open_ids = [
        make_report(app, school, long_ago)[0],
        make_report(app, school, long_ago, acknowledged=long_ago, status="in_progress")[0],
        # Reopened cases have their closed_at cleared; even a stray one is not enough without "closed".
        make_report(app, school, long_ago, acknowledged=long_ago, closed=long_ago, status="referred")[0],
    ]
    for report_id in open_ids:
        add_casework(app, report_id, counselor.id)
    assert purge_at(app, CLOSED_AT + timedelta(days=2000)) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report).where(Report.purged_at.is_not(None))) == 0
    assert all(casework_count(app, report_id) == 5 for report_id in open_ids)


def test_a_schools_own_retention_is_respected(app, factory, school):
    short = factory.school("BRAVO")
    with app.app_context():
        db.session.get(School, short.id).retention_days = 30
        db.session.commit()
    kept_id = closed_case(app, school)[0]
    purged_id = closed_case(app, short)[0]
    assert purge_at(app, CLOSED_AT + timedelta(days=29)) == 0
    assert purge_at(app, CLOSED_AT + timedelta(days=31)) == 1
    with app.app_context():
        assert db.session.get(Report, purged_id).purged_at is not None
        assert db.session.get(Report, kept_id).purged_at is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "purged"))
        assert event.school_id == short.id and event.detail == "closed more than 30 days ago"


def test_statistics_keep_their_numbers_after_a_purge(app, school, as_user, factory):
    admin = as_user(factory.user(school, Role.SCHOOL_ADMIN))
    now = utcnow()
    for n in range(6):
        closed_case(app, school, closed_at=now - timedelta(days=400 + n), category="bullying")
    make_report(app, school, now - timedelta(days=3), category="bullying")
    before = admin.get("/admin/statistics").get_data(as_text=True)
    assert re.search(r'id="closed-share">86%<', before)
    assert table_rows(before, "per-category")["Bullying or harassment online"] == "7"
    assert purge_at(app, now) == 6
    after = admin.get("/admin/statistics").get_data(as_text=True)
    for table in ("per-category", "per-month"):
        assert table_rows(after, table) == table_rows(before, table)
    for figure in ("median-ack", "closed-share"):
        assert re.search(rf'id="{figure}">([^<]*)<', after).group(1) == re.search(
            rf'id="{figure}">([^<]*)<', before
        ).group(1)
    audit_page = admin.get("/admin/audit?action=purged").get_data(as_text=True)
    assert audit_page.count("Deleted the case text after the retention period</td>") == 6


def test_cli_purge(app, school, runner):
    closed_case(app, school, closed_at=utcnow() - timedelta(days=400))
    closed_case(app, school, closed_at=utcnow() - timedelta(days=10))
    result = runner.invoke(args=["reports", "purge"])
    assert result.exit_code == 0 and result.output.strip() == "purged 1 closed case(s) past retention"
    result = runner.invoke(args=["reports", "purge"])
    assert result.output.strip() == "purged 0 closed case(s) past retention"
