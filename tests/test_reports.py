"""The anonymous report: the flow, what is (not) stored, encryption, and what goes wrong."""

import logging
import re

import pytest
from itsdangerous import BadSignature
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, Report, Role
from app.reports import crypto as reports_crypto
from conftest import (
    REPORT_WHAT,
    all_database_text,
    file_report,
    login,
    receipt_of,
    report_hidden_fields,
    send_report,
    start_report,
)


def text(response):
    return response.get_data(as_text=True)


# --- the form ----------------------------------------------------------------------------------


def test_report_page_is_its_own_calm_surface(client):
    response = client.get("/report")
    page = text(response)
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    assert "Leave quickly" in page and "data-quick-exit" in page and 'rel="noreferrer"' in page
    assert "Log in" not in page and "People" not in page  # no account menu, no navigation
    assert "If someone is in danger right now, call 112." in page
    assert 'type="file"' not in page


def test_an_account_cookie_does_not_open_as_a_report_session(app, factory, school):
    """The report surface signs its cookie with its own salt: an account's cookie copied into it
    (or the other way round) is refused, however often either serializer has been used."""
    student = factory.user(school, Role.STUDENT, username="saltkid")
    client = app.test_client()
    login(client, student, app)
    account = client.get_cookie("session").value
    for _ in range(2):  # the second time through, each serializer is the one kept from the first
        client.set_cookie("dari_report", account, path="/report")
        assert client.get("/report").status_code == 200  # refused quietly: a fresh report session
        with app.test_request_context("/report"):
            report_serializer = app.session_interface.get_signing_serializer(app)
        with app.test_request_context("/"):
            account_serializer = app.session_interface.get_signing_serializer(app)
        with pytest.raises(BadSignature):
            report_serializer.loads(account)
        assert account_serializer.loads(account)["_user_id"].startswith(f"{student.id}:")
        with pytest.raises(BadSignature):
            account_serializer.loads(report_serializer.dumps({"_user_id": f"{student.id}:1"}))


def test_every_page_links_to_report(client):
    for url in ["/", "/help", "/login"]:
        assert 'href="/report?lang=en"' in text(client.get(url))


def test_a_report_goes_in_and_a_receipt_comes_out(app, client, school):
    page = text(start_report(client))
    assert "Alpha Middle School" in page and "Please do not send pictures" in page
    response = send_report(client, page)
    assert response.status_code == 200
    receipt = receipt_of(response)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)
    assert "Save this code now — it is the only way back to your report." in text(response)
    assert "1366" in text(response) or "Take It Down" in text(response)
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.receipt_hash == reports_crypto.keyed_hash(receipt.replace(" ", ""))
        assert reports_crypto.decrypt(report.what_enc) == REPORT_WHAT
        assert reports_crypto.decrypt(report.where_enc) == "Telegram channel PurpleOwl"
        assert (report.category, report.affected, report.urgent) == ("ai_image", "friend", False)
        assert report.wants == ["removal_help", "school_to_know"]
        assert (report.consent_parents, report.consent_police) == ("no", "not_sure")
        assert re.fullmatch(r"R-[A-Z2-9]{4}", report.ref)


def test_school_can_be_found_by_name(client, factory, school):
    factory.school("BHS", name="Beta High School")
    factory.school("BMS", name="Beta Middle School")
    assert "Alpha Middle School" in text(start_report(client, "alpha middle"))
    several = start_report(client, "beta")
    assert several.status_code == 422 and "Several schools match" in text(several)
    assert "Beta High School" in text(several) and "Beta Middle School" in text(several)
    gamma_id = re.search(
        r'name="school_pick" id="school-(\d+)" value="\d+"[^>]*>\s*<label[^>]*>Beta Middle School', text(several)
    )
    page = text(start_report(client, "beta", school_pick=gamma_id.group(1)))
    assert "Beta Middle School" in page and "Your report" in page
    none = start_report(client, "Nowhere Academy")
    assert none.status_code == 422 and "We could not find that school" in text(none)


def test_logged_in_student_finds_their_school_filled_in(factory, school, as_user):
    client = as_user(factory.user(school, Role.STUDENT))
    link = re.search(r'class="button report-link" href="([^"]+)"', text(client.get("/"))).group(1)
    assert re.fullmatch(r"/report\?school=\d+&amp;lang=en", link)  # the school travels in the link, not the session
    assert 'value="Alpha Middle School"' in text(client.get(link.replace("&amp;", "&")))
    assert 'value="Alpha Middle School"' not in text(client.get("/report"))


def test_someone_in_danger_shows_emergency_numbers_first_and_marks_urgent(app, client, school):
    with app.app_context():
        from app.models import School

        db.session.get(School, school.id).emergency_contact = "School office 02-123-4567 (8:00-17:00)"
        db.session.commit()
    danger = text(start_report(client, category="danger"))
    for number in ('href="tel:112"', 'href="tel:117"', 'href="tel:1366"'):
        assert number in danger
    assert "School office 02-123-4567" in danger and "Continue to the report" in danger
    page = text(client.post("/report", data={"stage": "continue", "school_id": str(school.id), "category": "danger"}))
    assert "Your report" in page
    send_report(client, page)
    with app.app_context():
        assert db.session.scalar(select(Report.urgent)) is True


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"affected": None}, "Choose who this is happening to."),
        ({"what": "   "}, "Write a few words about what happened"),
        ({"what": "x" * 5001}, "Please keep this under 5000 characters"),
        ({"where": "y" * 1001}, "Please keep this under 1000 characters."),
    ],
)
def test_problems_are_named_and_everything_typed_is_kept(app, client, school, overrides, message):
    response = file_report(client, **overrides)
    page = text(response)
    assert response.status_code == 422 and message in page
    assert "Telegram channel PurpleOwl" in page or "y" * 1001 in page
    assert 'value="last night"' in page
    with app.app_context():
        assert db.session.scalar(select(Report.id)) is None


def test_start_problems(client, school):
    response = client.post("/report", data={"stage": "start", "school": "", "category": ""})
    assert response.status_code == 422
    assert "Type your school&#39;s name or school code." in text(response) or "Type your school's name" in text(
        response
    )
    assert "Choose what is happening." in text(response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"school_id": "999999"},
        {"school_id": "abc"},
        {"category": "everything"},
        {"submission": ""},
    ],
)
def test_tampered_hidden_fields_are_400(app, client, school, overrides):
    assert file_report(client, **overrides).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Report.id)) is None


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "nonsense"},
        {},
        {"stage": "continue", "school_id": "x", "category": "danger"},
        {"stage": "start", "school": "ALPHA", "category": "ai_image", "school_pick": "999"},
    ],
)
def test_malformed_steps_are_400(client, school, data):
    assert client.post("/report", data=data).status_code == 400


def test_honeypot_refuses_with_a_message_for_people(app, client, school):
    response = file_report(client, website="http://spam.example")
    assert response.status_code == 400
    assert "Your report was NOT sent" in text(response) and "Leave this empty" in text(response)
    assert REPORT_WHAT in text(response)
    with app.app_context():
        assert db.session.scalar(select(Report.id)) is None


def test_sending_the_same_page_twice_keeps_one_report_and_shows_the_same_receipt(app, client, school):
    page = text(start_report(client))
    first = send_report(client, page)
    again = send_report(client, page)
    assert first.status_code == again.status_code == 200
    assert receipt_of(again) == receipt_of(first)
    assert "NOT sent" not in text(again)
    with app.app_context():
        assert len(db.session.scalars(select(Report.id)).all()) == 1


def test_the_same_page_sent_again_much_later_shows_only_that_it_was_sent(app_factory):
    """On a shared computer, the back button hours later must not hand the receipt to the next person."""
    app = app_factory(REPORT_REPEAT_WINDOW_MINUTES=0)
    from conftest import Factory

    Factory(app).school("ALPHA")
    client = app.test_client()
    page = text(start_report(client))
    assert send_report(client, page).status_code == 200
    again = send_report(client, page)
    assert again.status_code == 409 and "This report was already sent" in text(again)
    assert 'id="receipt-code"' not in text(again) and "NOT sent" not in text(again)


def test_a_forged_submission_token_is_400(app, client, school):
    page = text(start_report(client))
    assert send_report(client, page, submission="made-up-token").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Report.id)) is None


def test_rate_limit_keeps_the_text_and_says_what_to_do(app_factory, factory):
    app = app_factory(REPORT_RATE_LIMIT="2 per minute")
    from conftest import Factory

    Factory(app).school("ALPHA")
    client = app.test_client()
    assert file_report(client).status_code == 200
    assert file_report(client).status_code == 200
    refused = file_report(client)
    assert refused.status_code == 429
    assert (
        "Your report was NOT sent" in text(refused)
        and "wait 10 minutes" in text(refused)
        and REPORT_WHAT in text(refused)
    )
    other_network = app.test_client()
    page = text(
        other_network.post(
            "/report",
            data={"stage": "start", "school": "ALPHA", "category": "other"},
            environ_base={"REMOTE_ADDR": "198.51.100.9"},
        )
    )
    data = {
        "stage": "details",
        **report_hidden_fields(page),
        "affected": "me",
        "what": "x",
        "consent_parents": "no",
        "consent_police": "no",
    }
    assert other_network.post("/report", data=data, environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 200


# --- privacy -----------------------------------------------------------------------------------


def test_nothing_identifying_is_stored_or_logged_even_for_a_logged_in_student(app, factory, school, as_user, caplog):
    student = factory.user(school, Role.STUDENT, username="uniquekid", display_name="Unique Kid Name")
    client = as_user(student)
    caplog.set_level(logging.DEBUG)
    response = file_report(client)
    assert response.status_code == 200
    dump = all_database_text(app)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("203.0.113.77", "unique-ua-marker", "DariSecretAgent"):
        assert secret not in dump and secret not in logs
    with app.app_context():
        report = db.session.scalar(select(Report))
        columns = {c.name for c in Report.__table__.columns}
    assert not {"ip", "user_agent", "user_id", "session_id", "reporter_id"} & columns
    assert str(student.id) not in {str(report.acknowledged_by_id)}
    assert "report created" in logs and REPORT_WHAT not in logs and "PurpleOwl" not in logs


def test_a_database_dump_holds_none_of_the_reports_words(app, client, school):
    response = file_report(client)
    receipt = receipt_of(response).replace(" ", "")
    dump = all_database_text(app)
    for word in ("PurpleOwl", "Jiwoo", "edited picture", "last night", "Telegram"):
        assert word not in dump
    assert receipt not in dump
    with app.app_context():
        if db.engine.dialect.name == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
            with open(db.engine.url.database, "rb") as stored:
                assert b"PurpleOwl" not in stored.read()


def test_staff_reference_is_not_the_receipt(app, client, school):
    receipt = receipt_of(file_report(client)).replace(" ", "")
    with app.app_context():
        ref = db.session.scalar(select(Report.ref))
    assert receipt not in ref and len(ref) == 6


def test_report_alerts_go_to_that_schools_counselors_only_and_hold_no_content(app, client, factory, school):
    mine = factory.user(school, Role.COUNSELOR, email="mine@alpha.example")
    factory.user(factory.school("BETA"), Role.COUNSELOR, email="theirs@beta.example")
    file_report(client)
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to_email for m in messages] == [mine.email]
    for word in ("PurpleOwl", "Jiwoo", "friend", "Telegram"):
        assert word not in messages[0].body and word not in messages[0].subject


def test_report_pages_send_no_store_even_on_errors(client, school):
    for response in (client.post("/report", data={"stage": "nonsense"}), file_report(client, affected=None)):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


# --- keys --------------------------------------------------------------------------------------


def test_key_rotation_keeps_old_reports_readable(app_factory):
    from cryptography.fernet import Fernet

    from app.reports.keys import rotate_report_keys
    from conftest import Factory

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = app_factory(REPORT_KEYS=[old])
    Factory(app).school("ALPHA")
    file_report(app.test_client())
    app.config["REPORT_KEYS"] = [new, old]  # new key first: new writes use it, old still reads
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert reports_crypto.decrypt(report.what_enc) == REPORT_WHAT
        assert rotate_report_keys() == 1
    result = app.test_cli_runner().invoke(args=["reports", "rotate-keys"])
    # Run again, it has nothing left to do (a re-run after an interruption resumes, see test_crash_recovery).
    assert result.exit_code == 0 and "re-encrypted 0 row(s)" in result.output
    assert "ok: the first key reads all 1 encrypted row(s)" in result.output
    app.config["REPORT_KEYS"] = [new]  # the old key can now be retired
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert reports_crypto.decrypt(report.what_enc) == REPORT_WHAT
        assert reports_crypto.decrypt(report.where_enc) == "Telegram channel PurpleOwl"
