"""The action checklist on a case: recording steps with their date and counselor, removal request
statuses, the reporter's wishes, encryption, tampering, who may do it, and the audit trail."""

import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import render_template
from sqlalchemy import event, select

from app.counsel.actions import actions_context
from app.extensions import db
from app.models import AuditEvent, CaseAction, Report, Role, RoutingRule, User
from app.models.base import utcnow
from app.reports import crypto as reports_crypto
from conftest import all_database_text

SEOUL = ZoneInfo("Asia/Seoul")
DETAIL = "Account moonlit_fox42 posted it in channel PurpleOwl"
REASON = "Mandatory reporting duty under child protection law"


def make_report(app, school, **fields) -> int:
    with app.app_context():
        values = {
            "category": "ai_image",
            "affected": "friend",
            "wants": ["removal_help"],
            "consent_parents": "yes",
            "consent_police": "yes",
            "what_enc": reports_crypto.encrypt("what happened"),
            **fields,
        }
        report = Report(
            school_id=school.id, receipt_hash=secrets.token_hex(32), submission_hash=secrets.token_hex(32), **values
        )
        report.assign_ref()
        db.session.add(report)
        db.session.commit()
        return report.id


@pytest.fixture
def report_id(app, school):
    return make_report(app, school)


def today():
    return utcnow().astimezone(SEOUL).date()


def add(client, report_id, kind, **fields):
    data = {"kind": kind, "done_on": today().isoformat(), "detail": "", **fields}
    return client.post(f"/counsel/reports/{report_id}/actions", data=data)


def actions(app, report_id) -> list[CaseAction]:
    with app.app_context():
        return list(
            db.session.scalars(select(CaseAction).where(CaseAction.report_id == report_id).order_by(CaseAction.id))
        )


def audit_lines(app, action=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        return list(db.session.scalars(stmt.where(AuditEvent.action == action) if action else stmt))


def render_partial(app, report_id) -> str:
    with app.test_request_context("/"):
        report = db.session.get(Report, report_id)
        return render_template("counsel/_actions.html", **actions_context(report))


# --- recording ---------------------------------------------------------------------------------

KINDS = ["evidence_recorded", "police_report", "support_center", "removal_request", "parents_contacted"]


def test_each_kind_is_recorded_with_its_date_and_counselor(app, counselor_client, counselor, report_id):
    day = today() - timedelta(days=3)
    for kind in KINDS:
        response = add(counselor_client, report_id, kind, done_on=day.isoformat(), platform="Instagram")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/counsel/reports/{report_id}#actions")
    saved = actions(app, report_id)
    assert [a.kind for a in saved] == KINDS
    for action in saved:
        assert action.actor_id == counselor.id and action.done_on.astimezone(SEOUL).date() == day
        assert action.against_wishes is False and action.reason_enc is None
    removal = saved[3]
    assert removal.platform == "Instagram" and removal.status == "requested"
    assert all(a.platform is None and a.status is None for a in saved if a.kind != "removal_request")
    page = render_partial(app, report_id)
    assert page.count("by Ms Yoon") == 5 and page.count(f'datetime="{day.isoformat()}"') == 5
    assert "Not yet" not in page and page.count("Done") >= 5


def test_new_action_page_defaults_to_today_and_says_never_images(app, counselor_client, report_id):
    page = counselor_client.get(f"/counsel/reports/{report_id}/actions/new?kind=evidence_recorded").get_data(
        as_text=True
    )
    assert f'value="{today().isoformat()}"' in page and f'max="{today().isoformat()}"' in page
    assert "Never images" in page and 'type="file"' not in page
    assert "Platform" not in page and "against the reporter" not in page
    removal = counselor_client.get(f"/counsel/reports/{report_id}/actions/new?kind=removal_request").get_data(
        as_text=True
    )
    assert 'name="platform"' in removal


def test_today_is_saved_as_a_moment_not_in_the_future(app, counselor_client, report_id):
    add(counselor_client, report_id, "support_center")
    (action,) = actions(app, report_id)
    assert action.done_on <= utcnow() and action.done_on.astimezone(SEOUL).date() == today()


def test_taking_action_acknowledges_and_moves_the_case_on(app, counselor_client, counselor, report_id):
    add(counselor_client, report_id, "evidence_recorded", detail=DETAIL)
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.status == "in_progress" and report.acknowledged_by_id == counselor.id
        assert report.acknowledged_at is not None and utcnow() - report.last_activity_at < timedelta(minutes=1)
    (line,) = audit_lines(app, "action_added")
    assert line.actor_id == counselor.id and line.report_id == report_id
    assert line.detail == f"evidence_recorded on {today().isoformat()}; status new → in_progress"
    assert [a.action for a in audit_lines(app)] == ["acknowledge", "action_added"]
    assert "moonlit" not in line.detail


def test_an_acknowledged_case_moves_on_without_a_second_acknowledgement(app, school, counselor_client):
    earlier = utcnow() - timedelta(days=1)
    report_id = make_report(app, school, status="acknowledged", acknowledged_at=earlier)
    add(counselor_client, report_id, "support_center")
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.status == "in_progress" and report.acknowledged_at == earlier
    (line,) = audit_lines(app)
    assert line.detail.endswith("; status acknowledged → in_progress")


@pytest.mark.parametrize("status", ["referred", "closed"])
def test_later_statuses_are_left_alone(app, school, counselor_client, status):
    report_id = make_report(app, school, status=status, acknowledged_at=utcnow() - timedelta(days=1))
    assert add(counselor_client, report_id, "police_report").status_code == 302
    with app.app_context():
        assert db.session.get(Report, report_id).status == status


# --- removal requests --------------------------------------------------------------------------


def test_removal_request_status_updates(app, counselor_client, counselor, report_id):
    add(counselor_client, report_id, "removal_request", platform="  Telegram  ")
    (action,) = actions(app, report_id)
    assert action.platform == "Telegram"
    url = f"/counsel/reports/{report_id}/actions/{action.id}"
    response = counselor_client.post(url, data={f"action-{action.id}-status": "removed"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#actions")
    (action,) = actions(app, report_id)
    assert action.status == "removed" and action.updated_at >= action.created_at
    (line,) = audit_lines(app, "action_updated")
    assert line.detail == "removal_request: requested → removed (platform Telegram)"
    counselor_client.post(url, data={f"action-{action.id}-status": "removed"})  # unchanged: nothing recorded
    assert len(audit_lines(app, "action_updated")) == 1
    counselor_client.post(url, data={f"action-{action.id}-status": "refused"})
    assert actions(app, report_id)[0].status == "refused"
    page = render_partial(app, report_id)
    assert "Refused" in page and f'action="{url}"' in page and "Status of the request to Telegram" in page


def test_platform_is_required_for_removal_and_kept_short(app, counselor_client, report_id):
    response = add(counselor_client, report_id, "removal_request", platform="  ", detail="asked via the report form")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Name the platform" in page and "asked via the report form" in page
    response = add(counselor_client, report_id, "removal_request", platform="x" * 81)
    assert response.status_code == 422 and "under 80 characters" in response.get_data(as_text=True)
    assert actions(app, report_id) == []


# --- the reporter's wishes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,consent", [("police_report", "consent_police"), ("parents_contacted", "consent_parents")]
)
def test_going_against_wishes_warns_and_needs_a_reason(app, school, counselor_client, kind, consent):
    report_id = make_report(app, school, **{consent: "no"})
    page = counselor_client.get(f"/counsel/reports/{report_id}/actions/new?kind={kind}").get_data(as_text=True)
    assert "This goes against the reporter's wishes" in page and "answered “No”" in page
    assert page.index("wish-warning") < page.index('class="action-form"') and 'name="reason"' in page
    response = add(counselor_client, report_id, kind, detail="called the station", reason="  ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write why this is needed" in page and "called the station" in page
    assert actions(app, report_id) == []
    assert add(counselor_client, report_id, kind, reason=REASON).status_code == 302
    (action,) = actions(app, report_id)
    with app.app_context():
        assert action.against_wishes is True and reports_crypto.decrypt(action.reason_enc) == REASON
    assert audit_lines(app, "action_added")[0].detail.startswith(f"{kind} on ")
    assert "against the reporter's wishes" in audit_lines(app, "action_added")[0].detail
    rendered = render_partial(app, report_id)
    assert "Done against the reporter's wishes." in rendered and REASON in rendered


def test_no_warning_or_reason_when_the_reporter_agreed_or_was_unsure(app, school, counselor_client):
    report_id = make_report(app, school, consent_police="not_sure", consent_parents="yes")
    page = counselor_client.get(f"/counsel/reports/{report_id}/actions/new?kind=police_report").get_data(as_text=True)
    assert "wish-warning" not in page and 'name="reason"' not in page and "The reporter's answer: Not sure" in page
    assert add(counselor_client, report_id, "police_report", reason="sneaked in").status_code == 302
    (action,) = actions(app, report_id)
    assert action.against_wishes is False and action.reason_enc is None


def test_reason_is_kept_short(app, school, counselor_client):
    report_id = make_report(app, school, consent_parents="no")
    response = add(counselor_client, report_id, "parents_contacted", reason="r" * 1001)
    assert response.status_code == 422 and "r" * 1001 in response.get_data(as_text=True)


# --- text at rest and bad input ----------------------------------------------------------------


def test_detail_and_reason_are_encrypted_at_rest(app, school, counselor_client):
    report_id = make_report(app, school, consent_police="no")
    add(counselor_client, report_id, "evidence_recorded", detail=DETAIL)
    add(counselor_client, report_id, "police_report", detail="Officer Kang, case 2026-1234", reason=REASON)
    dump = all_database_text(app)
    for words in ("moonlit_fox42", "PurpleOwl", "Officer Kang", "Mandatory reporting"):
        assert words not in dump
    rendered = render_partial(app, report_id)
    assert DETAIL in rendered and "Officer Kang, case 2026-1234" in rendered


@pytest.mark.parametrize(
    "value,problem",
    [
        ("future", "cannot be in the future"),
        ("", "Enter the date it was done."),
        ("03/02/2026", "year-month-day"),
        ("1999-12-31", "from the year 2000 on"),
    ],
)
def test_bad_dates_are_refused_and_text_kept(app, counselor_client, report_id, value, problem):
    if value == "future":
        value = (today() + timedelta(days=1)).isoformat()
    response = add(counselor_client, report_id, "evidence_recorded", done_on=value, detail=DETAIL)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and problem in page and DETAIL in page
    assert actions(app, report_id) == []


def test_oversized_detail_is_refused_and_kept(app, counselor_client, report_id):
    response = add(counselor_client, report_id, "evidence_recorded", detail="d" * 2001)
    assert response.status_code == 422 and "under 2000 characters" in response.get_data(as_text=True)
    assert "d" * 2001 in response.get_data(as_text=True)
    assert add(counselor_client, report_id, "evidence_recorded", detail="d" * 2000).status_code == 302


def test_tampered_kinds_statuses_and_ids(app, school, counselor_client, report_id):
    assert add(counselor_client, report_id, "delete_everything").status_code == 400
    assert counselor_client.post(f"/counsel/reports/{report_id}/actions", data={}).status_code == 400
    assert counselor_client.get(f"/counsel/reports/{report_id}/actions/new?kind=nope").status_code == 400
    assert counselor_client.get(f"/counsel/reports/{report_id}/actions/new").status_code == 400
    add(counselor_client, report_id, "removal_request", platform="X")
    add(counselor_client, report_id, "evidence_recorded")
    removal, evidence = actions(app, report_id)
    base = f"/counsel/reports/{report_id}/actions"
    assert (
        counselor_client.post(f"{base}/{removal.id}", data={f"action-{removal.id}-status": "deleted"}).status_code
        == 400
    )
    assert counselor_client.post(f"{base}/{removal.id}", data={"status": "removed"}).status_code == 400
    assert (
        counselor_client.post(f"{base}/{evidence.id}", data={f"action-{evidence.id}-status": "removed"}).status_code
        == 400
    )
    assert counselor_client.post(f"{base}/999999", data={"action-999999-status": "removed"}).status_code == 404
    other_id = make_report(app, school)
    status = {f"action-{removal.id}-status": "removed"}
    assert counselor_client.post(f"/counsel/reports/{other_id}/actions/{removal.id}", data=status).status_code == 404
    assert actions(app, report_id)[0].status == "requested"


# --- who may ------------------------------------------------------------------------------------


def test_counselor_not_routed_and_other_schools_get_404(app, factory, school, as_user, report_id):
    add(as_user(factory.user(school, Role.COUNSELOR)), report_id, "removal_request", platform="X")
    (removal,) = actions(app, report_id)
    named = factory.user(school, Role.COUNSELOR)
    with app.app_context():
        db.session.add(RoutingRule(school_id=school.id, category="ai_image", user_id=named.id))
        db.session.commit()
    outsiders = [
        factory.user(school, Role.COUNSELOR),
        factory.user(factory.school("BETA"), Role.COUNSELOR),
        factory.user(factory.school("GAMMA"), Role.SCHOOL_ADMIN),
    ]
    for user in outsiders:
        c = as_user(user)
        assert c.get(f"/counsel/reports/{report_id}/actions/new?kind=police_report").status_code == 404
        assert add(c, report_id, "police_report").status_code == 404
        assert (
            c.post(
                f"/counsel/reports/{report_id}/actions/{removal.id}", data={f"action-{removal.id}-status": "removed"}
            ).status_code
            == 404
        )
    assert add(as_user(named), report_id, "police_report").status_code == 302
    assert add(as_user(factory.user(school, Role.SCHOOL_ADMIN)), report_id, "police_report").status_code == 302


def test_teachers_students_and_strangers_are_kept_out(app, factory, school, as_user, report_id):
    for role in (Role.TEACHER, Role.STUDENT):
        c = as_user(factory.user(school, role))
        assert c.get(f"/counsel/reports/{report_id}/actions/new?kind=police_report").status_code == 403
        assert add(c, report_id, "police_report").status_code == 403
    stranger = app.test_client()
    assert add(stranger, report_id, "police_report").status_code == 302  # to the login page
    assert "/login" in add(stranger, report_id, "police_report").headers["Location"]
    assert actions(app, report_id) == []


def test_purged_report_is_gone(app, school, counselor_client):
    report_id = make_report(app, school, purged_at=utcnow(), what_enc=None)
    assert add(counselor_client, report_id, "police_report").status_code == 404


# --- audit and the partial ---------------------------------------------------------------------


def test_audit_trail_names_kind_and_platform_never_detail(app, school, counselor_client, counselor):
    report_id = make_report(app, school, consent_parents="no")
    counselor_client.get(f"/counsel/reports/{report_id}/actions/new?kind=parents_contacted")
    add(counselor_client, report_id, "parents_contacted", detail="Spoke to mother about PurpleOwl", reason=REASON)
    add(counselor_client, report_id, "removal_request", platform="Instagram", detail="form ticket 5521")
    viewed, acknowledged, added, removal = audit_lines(app)
    assert acknowledged.action == "acknowledge"
    assert (viewed.action, viewed.detail) == ("action_form_viewed", "parents_contacted")
    assert added.action == "action_added" and "against the reporter's wishes" in added.detail
    assert removal.detail == f"removal_request: requested (platform Instagram) on {today().isoformat()}"
    assert all(line.actor_name == "Ms Yoon" and line.report_id == report_id for line in (viewed, added, removal))
    assert not any(
        word in line.detail for line in (viewed, added, removal) for word in ("PurpleOwl", "5521", "Mandatory")
    )


def test_partial_lists_the_checklist_oldest_first_in_few_queries(app, school, factory, as_user, report_id):
    other = factory.user(school, Role.COUNSELOR, display_name="Mr Park")
    add(as_user(other), report_id, "evidence_recorded", detail="second")
    add(
        as_user(factory.user(school, Role.COUNSELOR, display_name="Ms Lee")),
        report_id,
        "evidence_recorded",
        done_on=(today() - timedelta(days=5)).isoformat(),
        detail="first",
    )
    with app.app_context():
        db.session.delete(db.session.get(User, other.id))
        db.session.commit()
    with app.test_request_context("/"):
        report = db.session.get(Report, report_id)
        _ = report.school  # loaded with the case page already
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            context = actions_context(report)
            page = render_template("counsel/_actions.html", **context)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(statements) <= 2
    assert [e.detail for e in context["case_actions"]] == ["first", "second"]
    assert [e.actor_name for e in context["case_actions"]] == ["Ms Lee", "a former staff member"]
    assert 'id="actions"' in page and page.index("first") < page.index("second")
    for label in (
        "Evidence recorded",
        "Police report made",
        "02-735-8994",
        "1366",
        "Removal requested from a platform",
        "Parents or guardians contacted",
        "Record a police report",
        "Not yet",
    ):
        assert label in page
    assert f"/counsel/reports/{report_id}/actions/new?kind=removal_request" in page


def test_partial_warns_in_words_when_wishes_say_no(app, school):
    report_id = make_report(app, school, consent_police="no", consent_parents="not_sure")
    page = render_partial(app, report_id)
    assert page.count("Against the reporter's wishes:") == 1 and "The reporter's answer: Not sure" in page


def test_platform_and_detail_are_escaped(app, counselor_client, report_id):
    add(counselor_client, report_id, "removal_request", platform="<b>X</b>", detail="<script>alert(1)</script>")
    page = render_partial(app, report_id)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>X</b>" not in page


def test_checklist_shows_on_the_case_page(app, counselor_client, report_id):
    response = add(counselor_client, report_id, "removal_request", platform="Instagram", detail=DETAIL)
    page = counselor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="actions"' in page and "Recorded: Removal requested from a platform." in page
    assert DETAIL in page and "Status of the request to Instagram" in page
