"""The case page: reading a report with the reporter's choices first, acknowledging, assigning,
the status flow, internal notes, messages to the reporter, the printable summary, and the audit
trail behind all of it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app import notify
from app.extensions import db
from app.models import AuditEvent, CaseAction, CaseMessage, CaseNote, ReportView, Role
from app.models.base import utcnow
from app.models.case import AuditTrailIsAppendOnly
from app.reports import crypto as reports_crypto
from config import BASE_DIR
from conftest import REPORT_WHAT, all_database_text
from counsel_helpers import (
    audit_actions,
    get_report,
    make_report,
    reporter_writes,
    text,
)


def test_case_page_shows_the_report_and_the_reporters_choices_first(app, counsel_world, as_user):
    client = as_user(counsel_world.kim)
    response = client.get(f"/counsel/reports/{counsel_world.r.ai.id}")
    page = text(response)
    assert response.status_code == 200
    assert REPORT_WHAT in page and "Telegram channel PurpleOwl" in page and "last night" in page
    assert "An AI-made or edited sexual image of someone" in page and "A friend" in page
    assert page.index("What the person who reported asked for") < page.index(REPORT_WHAT)
    assert "I want help getting images or posts removed" in page and 'id="no-parents"' in page
    assert 'id="no-police"' not in page and "Not sure" in page
    assert 'id="actions"' in page  # the action checklist partial
    with app.app_context():
        view = db.session.scalar(select(ReportView).where(ReportView.report_id == counsel_world.r.ai.id))
        assert view.user_id == counsel_world.kim.id
    assert audit_actions(app, counsel_world.r.ai) == ["view"]


def test_acknowledging_stops_escalation_and_is_idempotent(app, factory, school, as_user):
    counselor = factory.user(school, Role.COUNSELOR)
    urgent = make_report(app, school, "danger", ago=60)
    client = as_user(counselor)
    response = client.post(f"/counsel/reports/{urgent.id}/acknowledge")
    assert response.status_code == 302
    report = get_report(app, urgent)
    assert (report.status, report.acknowledged_by_id) == ("acknowledged", counselor.id)
    first = report.acknowledged_at
    with app.app_context():
        assert notify.escalate(now=utcnow() + timedelta(hours=3)) == 0
    as_user(factory.user(school, Role.SCHOOL_ADMIN)).post(f"/counsel/reports/{urgent.id}/acknowledge")
    report = get_report(app, urgent)
    assert (report.acknowledged_at, report.acknowledged_by_id) == (first, counselor.id)
    assert audit_actions(app, urgent).count("acknowledge") == 1
    waiting = make_report(app, school, "danger", ago=60)
    with app.app_context():
        assert notify.escalate(now=utcnow() + timedelta(hours=3)) == 1  # the unacknowledged one still does
    assert get_report(app, waiting).escalation_count == 1 and get_report(app, urgent).escalation_count == 0


def test_assigning_to_self_or_an_active_counselor_and_tampering(app, factory, counsel_world, as_user):
    r = counsel_world.r
    client = as_user(counsel_world.kim)
    url = f"/counsel/reports/{r.ai.id}/assign"
    assert client.post(url, data={"assign-assignee": str(counsel_world.kim.id)}).status_code == 302
    assert get_report(app, r.ai).assignee_id == counsel_world.kim.id
    assert client.post(url, data={"assign-assignee": str(counsel_world.park.id)}).status_code == 302
    assert get_report(app, r.ai).assignee_id == counsel_world.park.id
    assert as_user(counsel_world.park).get(f"/counsel/reports/{r.ai.id}").status_code == 200  # assigned: visible now
    retired = factory.user(counsel_world.kim.school, Role.COUNSELOR, active=False)
    outsider = factory.user(factory.school("BETA"), Role.COUNSELOR)
    teacher = factory.user(counsel_world.kim.school, Role.TEACHER)
    for tampered in [str(retired.id), str(outsider.id), str(teacher.id), str(counsel_world.admin.id), "abc", "999999"]:
        assert client.post(url, data={"assign-assignee": tampered}).status_code == 400, tampered
    assert client.post(url, data={}).status_code == 400
    assert get_report(app, r.ai).assignee_id == counsel_world.park.id
    assert client.post(url, data={"assign-assignee": ""}).status_code == 302
    assert get_report(app, r.ai).assignee_id is None
    admin = as_user(counsel_world.admin)
    assert (
        admin.post(url, data={"assign-assignee": str(counsel_world.admin.id)}).status_code == 302
    )  # admins: themselves
    assert audit_actions(app, r.ai).count("assign") == 4


def test_status_flow_closing_needs_an_outcome_and_reopening_works(app, counsel_world, as_user):
    client = as_user(counsel_world.kim)
    url = f"/counsel/reports/{counsel_world.r.bullying.id}/status"
    assert client.post(url, data={"status-status": "in_progress"}).status_code == 302
    report = get_report(app, counsel_world.r.bullying)
    assert (
        report.status == "in_progress" and report.acknowledged_by_id == counsel_world.kim.id
    )  # moving on acknowledges
    assert client.post(url, data={"status-status": "referred"}).status_code == 302
    refused = client.post(url, data={"status-status": "closed", "status-outcome": ""})
    assert refused.status_code == 422 and "Choose an outcome to close the case" in text(refused)
    assert get_report(app, counsel_world.r.bullying).status == "referred"
    for tampered in [
        {"status-status": "new"},
        {"status-status": "lost"},
        {},
        {"status-status": "closed", "status-outcome": "made-up"},
    ]:
        assert client.post(url, data=tampered).status_code == 400, tampered
    assert client.post(url, data={"status-status": "closed", "status-outcome": "referred_police"}).status_code == 302
    report = get_report(app, counsel_world.r.bullying)
    assert (report.status, report.outcome) == ("closed", "referred_police") and report.closed_at is not None
    assert "Referred to the police" in text(client.get(f"/counsel/reports/{counsel_world.r.bullying.id}"))
    assert client.post(url, data={"status-status": "in_progress", "status-outcome": "supported"}).status_code == 302
    report = get_report(app, counsel_world.r.bullying)
    assert (report.status, report.outcome, report.closed_at) == ("in_progress", None, None)
    assert report.last_activity_at > get_report(app, counsel_world.r.ai).last_activity_at
    assert audit_actions(app, counsel_world.r.bullying).count("status") == 4


def test_notes_are_encrypted_internal_and_never_printed(app, counsel_world, as_user):
    client = as_user(counsel_world.kim)
    base = f"/counsel/reports/{counsel_world.r.urgent.id}"
    assert client.post(f"{base}/notes", data={"note-body": "Mother phoned the office on Tuesday"}).status_code == 302
    assert "Mother phoned the office on Tuesday" in text(client.get(base))
    printed = client.get(f"{base}/print")
    assert printed.status_code == 200 and "Mother phoned" not in text(printed) and REPORT_WHAT in text(printed)
    too_long = "Kept words " * 400
    refused = client.post(f"{base}/notes", data={"note-body": too_long})
    assert refused.status_code == 422 and too_long.strip() in text(refused)
    assert "Please keep this under 4000 characters." in text(refused)
    assert client.post(f"{base}/notes", data={"note-body": "   "}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(CaseNote.author_id)) == counsel_world.kim.id
    assert "Mother phoned" not in all_database_text(app)


def test_messages_to_the_reporter_are_encrypted_and_threaded(app, counsel_world, as_user):
    reporter_writes(app, counsel_world.r.bullying, "I am scared, please help", ago=5)
    client = as_user(counsel_world.park)
    base = f"/counsel/reports/{counsel_world.r.bullying.id}"
    response = client.post(
        f"{base}/messages", data={"message-body": "Thank you for telling us. You are not in trouble."}
    )
    assert response.status_code == 302
    page = text(client.get(base))
    assert page.index("I am scared, please help") < page.index("You are not in trouble.")
    report = get_report(app, counsel_world.r.bullying)
    assert report.counselor_replied_at is not None and report.last_activity_at == report.counselor_replied_at
    with app.app_context():
        message = db.session.scalar(select(CaseMessage).where(CaseMessage.from_reporter.is_(False)))
        assert (message.author_id, message.report_id) == (counsel_world.park.id, counsel_world.r.bullying.id)
    dump = all_database_text(app)
    for words in ("not in trouble", "scared", "PurpleOwl", "Jiwoo"):
        assert words not in dump
    too_long = "x" * 4001
    refused = client.post(f"{base}/messages", data={"message-body": too_long})
    assert refused.status_code == 422 and too_long in text(refused)


def test_print_summary_for_a_referral(app, counsel_world, as_user):
    client = as_user(counsel_world.kim)
    with app.app_context():
        db.session.add(
            CaseAction(
                report_id=counsel_world.r.ai.id,
                kind="police_report",
                actor_id=counsel_world.kim.id,
                detail_enc=reports_crypto.encrypt("Gangnam station, case 2026-118"),
            )
        )
        db.session.commit()
    client.post(f"/counsel/reports/{counsel_world.r.ai.id}/status", data={"status-status": "referred"})
    response = client.get(f"/counsel/reports/{counsel_world.r.ai.id}/print")
    page = text(response)
    for expected in [
        "Alpha Middle School",
        counsel_world.r.ai.ref,
        REPORT_WHAT,
        "Telegram channel PurpleOwl",
        "last night",
        "Gangnam station, case 2026-118",
        "Ms Kim",
        "Referred",
        "A friend",
        "May the school contact the police?",
        'class="print-summary"',
        "no-print",
    ]:
        assert expected in page, expected
    css = (BASE_DIR / "static" / "css" / "dari.css").read_text(encoding="utf-8")
    assert re.search(r"@media print \{[^}]*\.site-header[^}]*display: none", css)
    assert audit_actions(app, counsel_world.r.ai)[-1] == "print"


def test_every_view_and_action_is_audited_and_the_trail_is_append_only(app, counsel_world, as_user):
    client = as_user(counsel_world.kim)
    base = f"/counsel/reports/{counsel_world.r.ai.id}"
    client.get(base)
    client.post(f"{base}/acknowledge")
    client.post(f"{base}/assign", data={"assign-assignee": str(counsel_world.kim.id)})
    client.post(f"{base}/status", data={"status-status": "in_progress"})
    client.post(f"{base}/notes", data={"note-body": "Spoke with the homeroom teacher"})
    client.post(f"{base}/messages", data={"message-body": "We are looking into it today."})
    client.get(f"{base}/print")
    actions = [a for a in audit_actions(app, counsel_world.r.ai) if a != "view"]
    assert actions == ["acknowledge", "assign", "status", "note", "message", "print"]
    assert audit_actions(app, counsel_world.r.ai).count("view") >= 1
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.report_id == counsel_world.r.ai.id)).all()
        assert {e.actor_id for e in events} == {counsel_world.kim.id} and all(
            e.report_ref == counsel_world.r.ai.ref for e in events
        )
        assert not any("homeroom" in (e.detail or "") or "looking into" in (e.detail or "") for e in events)
        events[0].action = "nothing happened"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, events[0].id))
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEvent, events[0].id).action == "view"


def test_a_user_deleted_later_does_not_break_the_case_page(app, counsel_world, as_user):
    client = as_user(counsel_world.kim)
    base = f"/counsel/reports/{counsel_world.r.bullying.id}"
    as_user(counsel_world.lee).post(f"{base}/messages", data={"message-body": "Hello from Mr Lee"})
    with app.app_context():
        db.session.execute(CaseMessage.__table__.update().values(author_id=None))
        db.session.commit()
    page = text(client.get(base))
    assert "Hello from Mr Lee" in page and "A former staff member" in page  # the author is gone, not the message


def test_a_database_error_keeps_the_text_and_says_nothing_happened(app, counsel_world, as_user, monkeypatch):
    client = as_user(counsel_world.kim)
    real_commit, calls = db.session.commit, []

    def failing_once():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("COMMIT", {}, Exception("database went away"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", failing_once)
    response = client.post(
        f"/counsel/reports/{counsel_world.r.ai.id}/messages", data={"message-body": "Are you safe now?"}
    )
    page = text(response)
    assert response.status_code == 503 and "That did not happen" in page and "Are you safe now?" in page
    with app.app_context():
        assert db.session.scalar(select(CaseMessage.id)) is None
    assert "message" not in audit_actions(app, counsel_world.r.ai)
