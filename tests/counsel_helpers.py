"""Shared by tests/test_counsel.py and tests/test_counsel_case.py: reports made the way the form
stores them, a reporter answering, a school whose counselors receive different reports, and a
query counter. (The school and the people in it come from conftest.py.)"""

import secrets
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import AuditEvent, CaseMessage, Report, Role, RoutingRule
from app.models.base import utcnow
from app.reports import crypto as reports_crypto
from conftest import REPORT_WHAT

CASE_POSTS = {
    "acknowledge": {},
    "assign": {"assign-assignee": ""},
    "status": {"status-status": "in_progress"},
    "notes": {"note-body": "a note"},
    "messages": {"message-body": "a message"},
}


def text(response):
    return response.get_data(as_text=True)


def make_report(app, school, category="bullying", *, ago=0, what=REPORT_WHAT, **fields):
    """A report as the form stores it, `ago` minutes old."""
    with app.app_context():
        moment = utcnow() - timedelta(minutes=ago)
        report = Report(
            school_id=school.id,
            receipt_hash=secrets.token_hex(32),
            submission_hash=secrets.token_hex(32),
            category=category,
            affected="friend",
            urgent=fields.pop("urgent", category == "danger"),
            wants=["removal_help", "school_to_know"],
            consent_parents=fields.pop("consent_parents", "no"),
            consent_police=fields.pop("consent_police", "not_sure"),
            what_enc=reports_crypto.encrypt(what),
            where_enc=reports_crypto.encrypt("Telegram channel PurpleOwl"),
            when_enc=reports_crypto.encrypt("last night"),
            created_at=moment,
            last_activity_at=moment,
            **fields,
        )
        report.assign_ref()
        db.session.add(report)
        db.session.commit()
        return SimpleNamespace(id=report.id, ref=report.ref)


def reporter_writes(app, report, words="I am scared, please help", ago=0):
    """What the follow-up page does when the reporter answers."""
    with app.app_context():
        moment = utcnow() - timedelta(minutes=ago)
        db.session.add(
            CaseMessage(
                report_id=report.id, from_reporter=True, body_enc=reports_crypto.encrypt(words), created_at=moment
            )
        )
        row = db.session.get(Report, report.id)
        row.last_activity_at, row.reporter_message_count = moment, row.reporter_message_count + 1
        db.session.commit()


def get_report(app, report) -> Report:
    with app.app_context():
        row = db.session.get(Report, report.id)
        db.session.expunge(row)
        return row


def audit_actions(app, report) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.report_id == report.id).order_by(AuditEvent.id)
            )
        )


def case_urls(report_id):
    base = f"/counsel/reports/{report_id}"
    return [("GET", base), ("GET", f"{base}/print")] + [("POST", f"{base}/{name}") for name in CASE_POSTS]


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=CASE_POSTS[url.rsplit("/", 1)[1]])


@contextmanager
def count_queries(app):
    with app.app_context():
        engine = db.engine
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def counsel_world(app, factory, school):
    """Kim receives AI-image reports by rule; bullying has no rule (every counselor); Lee is assigned
    one AI-image report; Park only gets the defaults."""
    kim, lee, park = (factory.user(school, Role.COUNSELOR, display_name=n) for n in ("Ms Kim", "Mr Lee", "Mx Park"))
    with app.app_context():
        db.session.add(RoutingRule(school_id=school.id, category="ai_image", user_id=kim.id))
        db.session.commit()
    reports = SimpleNamespace(
        ai=make_report(app, school, "ai_image", ago=40),
        bullying=make_report(app, school, "bullying", ago=30),
        urgent=make_report(app, school, "danger", ago=20),
        assigned=make_report(app, school, "ai_image", ago=10, assignee_id=lee.id),
    )
    return SimpleNamespace(kim=kim, lee=lee, park=park, admin=factory.user(school, Role.SCHOOL_ADMIN), r=reports)


def refs_in(page, *reports):
    return [r for r in reports if f">{r.ref}<" in page]
