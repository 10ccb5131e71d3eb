"""The reporter's two-way follow-up at /report/follow-up: the code, its own cookie, what the
reporter sees (and never sees), writing back, and what goes wrong."""

import base64
import logging
import re
from datetime import timedelta

import pytest
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.models import CaseAction, CaseMessage, CaseNote, OutboxMessage, Report, Role
from app.models.base import utcnow
from app.models.case import ActionKind, RemovalStatus
from app.models.report import Status
from app.reports import crypto as reports_crypto, followup, followup_session
from conftest import REPORT_WHAT, REPORTER, Factory, all_database_text, csrf_token, login, report_receipt

# The answers this module's reporter gives on the form.
ANSWERS = {"wants": ["removal_help"], "consent_police": "no"}
WRONG = (
    "We could not open a report with that code. Check the 16 digits and try again. "
    "If you lost the code, you can send a new report."
)
URL = "/report/follow-up"


def text(response):
    return response.get_data(as_text=True)


def open_with(client, code, **data):
    return client.post(URL, data={"code": code, **data}, environ_base=REPORTER)


def the_report(app) -> Report:
    return db.session.scalar(select(Report))


def change_report(app, **fields):
    with app.app_context():
        report = the_report(app)
        for key, value in fields.items():
            setattr(report, key, value)
        db.session.commit()
        return report.id


def add(app, *rows):
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def report_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Report.id))


def counselor_message(app, author_id, body, at=None):
    rid = report_id(app)
    with app.app_context():
        add(
            app,
            CaseMessage(
                report_id=rid,
                from_reporter=False,
                author_id=author_id,
                body_enc=reports_crypto.encrypt(body),
                created_at=at or utcnow(),
            ),
        )


@pytest.fixture
def opened(app, client, school):
    """A client with a report filed and the follow-up page open; returns the receipt."""
    receipt = report_receipt(client, **ANSWERS)
    assert open_with(client, receipt).status_code == 303
    return receipt


def set_cookie_header(response) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(followup_session.COOKIE + "=")]
    return header


# --- the code ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["spaces", "dashes", "plain"])
def test_the_right_code_opens_the_report(app, client, school, shape):
    receipt = report_receipt(client, **ANSWERS)
    code = {"spaces": receipt, "dashes": receipt.replace(" ", "-"), "plain": receipt.replace(" ", "")}[shape]
    response = open_with(client, f"  {code} ")
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Received — waiting for a counselor to read it" in text(page)
    assert "Write to the counselors" in text(page) and "Close my report page" in text(page)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "data-quick-exit" in text(page) and ("1366" in text(page) or "Take It Down" in text(page))


def test_the_code_form_asks_for_digits_without_remembering_them(client):
    page = text(client.get(URL))
    field = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in field and 'autocomplete="off"' in field
    assert '<label for="code">' in page


def test_start_and_receipt_pages_link_to_the_follow_up(client, school):
    assert f'href="{URL}"' in text(client.get("/report"))
    page = text(client.post("/report", data={"stage": "start", "school": "ALPHA", "category": "other"}))
    fields = dict(re.findall(r'<input[^>]*name="(school_id|category|submission)"[^>]*value="([^"]*)"', page))
    fields.update(
        {k: v for v, k in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="(school_id|category|submission)"', page)}
    )
    receipt = client.post(
        "/report",
        data={
            "stage": "details",
            **fields,
            "affected": "me",
            "what": "x",
            "consent_parents": "no",
            "consent_police": "no",
        },
    )
    assert receipt.status_code == 200 and f'href="{URL}"' in text(receipt)


def _without_echo(page: str) -> str:
    page = re.sub(r'name="code"[^>]*value="[^"]*"', 'name="code"', page)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_wrong_malformed_and_purged_codes_get_one_same_answer(app, client, school):
    purged = report_receipt(client, **ANSWERS)
    change_report(app, purged_at=utcnow())
    answers = []
    for code in ["1111 2222 3333 4444", "1234", "", "abcd efgh ijkl mnop", "1" * 17, "9" * 5000, purged]:
        response = open_with(client, code)
        assert response.status_code == 422, code
        assert WRONG in text(response)
        assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("dari_followup=")]
        answers.append(_without_echo(text(response)))
    assert len(set(answers)) == 1


def test_every_attempt_counts_towards_the_limit(app_factory):
    app = app_factory(FOLLOWUP_RATE_LIMIT="3 per minute")
    Factory(app).school("ALPHA")
    client = app.test_client()
    receipt = report_receipt(client, **ANSWERS)
    assert open_with(client, receipt).status_code == 303  # right codes count too
    assert open_with(client, "0000 0000 0000 0000").status_code == 422
    assert open_with(client, "12").status_code == 422
    refused = open_with(client, receipt)
    assert refused.status_code == 429
    assert "Too many codes were tried from this network" in text(refused)
    assert not [h for h in refused.headers.getlist("Set-Cookie") if h.startswith("dari_followup=")]
    elsewhere = app.test_client().post(URL, data={"code": receipt}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 303


def test_every_attempt_takes_the_same_minimum_time(app_factory, monkeypatch):
    app = app_factory(FOLLOWUP_DELAY_SECONDS=5.0)  # recorded, not slept
    Factory(app).school("ALPHA")
    client = app.test_client()
    receipt = report_receipt(client, **ANSWERS)
    slept = []
    monkeypatch.setattr(followup, "sleep", slept.append)
    assert open_with(client, receipt).status_code == 303
    assert open_with(client, "0000 0000 0000 0000").status_code == 422
    assert open_with(client, "x").status_code == 422
    assert len(slept) == 3 and all(4.0 < s <= 5.0 for s in slept)


# --- its own cookie ------------------------------------------------------------------------------


def test_the_follow_up_cookie_is_its_own_and_opaque(app, client, school):
    receipt = report_receipt(client, **ANSWERS)
    response = open_with(client, receipt)
    header = set_cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/report/follow-up" in header
    assert "Max-Age=900" in header and "Secure" not in header
    token = header.split(";")[0].split("=", 1)[1]
    with pytest.raises(BadData):  # not a readable signed payload any more
        URLSafeTimedSerializer(app.secret_key, salt=followup_session.SALT).loads(token)
    decoded = base64.urlsafe_b64decode(token + "==")
    assert decoded[0] == 0x80 and b'"r"' not in decoded  # a Fernet token: encrypted, not just signed
    assert receipt.replace(" ", "") not in token


def test_the_cookie_is_secure_when_the_app_says_so(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    Factory(app).school("ALPHA")
    client = app.test_client()
    receipt = report_receipt(client, **ANSWERS)
    assert "Secure" in set_cookie_header(open_with(client, receipt))


def test_a_logged_in_student_stays_themselves_and_nothing_ties_them_to_the_report(app, factory, school, caplog):
    student = factory.user(school, Role.STUDENT, username="uniquekid", display_name="Unique Kid Name")
    client = app.test_client()
    client.environ_base.update(REPORTER)  # the same network and browser all along
    login(client, student, app)
    receipt = report_receipt(client, **ANSWERS)
    with client.session_transaction() as session:
        before = dict(session)
    assert before["_user_id"].split(":")[0] == str(student.id)
    caplog.set_level(logging.DEBUG)
    assert open_with(client, receipt).status_code == 303
    assert client.get(URL, environ_base=REPORTER).status_code == 200
    sent = client.post(f"{URL}/message", data={"body": "More: it is also in PurpleOwl2"}, environ_base=REPORTER)
    assert sent.status_code == 303
    assert client.post(f"{URL}/leave", environ_base=REPORTER).status_code == 303
    with client.session_transaction() as session:
        assert dict(session) == before
    assert client.get("/learn/", environ_base=REPORTER).status_code == 200  # still logged in as the student
    with app.app_context():
        message = db.session.scalar(select(CaseMessage))
        assert message.author_id is None and message.from_reporter is True
        assert db.session.scalar(select(Report.acknowledged_by_id)) is None
    dump, logs = all_database_text(app), "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("203.0.113.77", "unique-ua-marker", "DariSecretAgent"):
        assert secret not in dump and secret not in logs
    for secret in (receipt, receipt.replace(" ", ""), "PurpleOwl"):
        assert secret not in logs
    assert "follow-up message saved" in logs


def test_the_page_closes_after_idle_minutes_and_each_visit_restarts_the_clock(app, client, school, monkeypatch):
    now = [1_900_000_000.0]
    monkeypatch.setattr(followup_session, "clock", lambda: now[0])
    receipt = report_receipt(client, **ANSWERS)
    open_with(client, receipt)
    now[0] += 14 * 60
    assert "Received — waiting" in text(client.get(URL))  # and the cookie is stamped again
    now[0] += 14 * 60
    assert "Received — waiting" in text(client.get(URL))
    now[0] += 15 * 60 + 1
    expired = client.get(URL)
    assert expired.status_code == 200
    assert "For your safety the page closed after 15 minutes without activity. Enter your code again." in text(expired)
    assert "Received — waiting" not in text(expired) and 'name="code"' in text(expired)
    assert "Max-Age=0" in set_cookie_header(expired) or "Expires=Thu, 01 Jan 1970" in set_cookie_header(expired)
    assert "Enter your code again" not in text(client.get(URL))  # the old cookie is gone


def test_leaving_clears_the_cookie(app, client, opened):
    response = client.post(f"{URL}/leave")
    assert response.status_code == 303
    header = set_cookie_header(response)
    assert "Path=/report/follow-up" in header and ("Max-Age=0" in header or "1970" in header)
    page = client.get(response.headers["Location"])
    assert "Your report page is closed on this device" in text(page) and "Received — waiting" not in text(page)


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "", "eyJyIjoxfQ.AAAA.BBBB"])
def test_a_tampered_cookie_shows_the_code_form(app, client, school, value):
    report_receipt(client, **ANSWERS)
    client.set_cookie(followup_session.COOKIE, value, path=URL)
    response = client.get(URL)
    assert response.status_code == 200 and 'name="code"' in text(response) and REPORT_WHAT not in text(response)


@pytest.mark.parametrize("payload", [{"r": 99999}, {"r": "1"}, {"r": True}, {"x": 1}, [1], "1"])
def test_a_cookie_signed_with_another_key_or_naming_no_report_is_refused(app, client, school, payload):
    report_receipt(client, **ANSWERS)
    for key in ("someone-elses-key", app.secret_key):
        token = URLSafeTimedSerializer(key, salt=followup_session.SALT).dumps(payload)
        client.set_cookie(followup_session.COOKIE, token, path=URL)
        response = client.get(URL)
        assert response.status_code == 200 and 'name="code"' in text(response)
        sent = client.post(f"{URL}/message", data={"body": "hello"})
        assert sent.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(CaseMessage.id))) == 0


def test_a_report_purged_while_open_is_no_longer_shown(app, client, opened):
    change_report(app, purged_at=utcnow())
    page = client.get(URL)
    assert 'name="code"' in text(page) and "Received — waiting" not in text(page)


def test_the_forms_carry_working_csrf_tokens(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    Factory(app).school("ALPHA")
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    receipt = report_receipt(client, **ANSWERS)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(URL, data={"code": receipt}).status_code == 400  # no token
    token = csrf_token(text(client.get(URL)))
    assert client.post(URL, data={"code": receipt, "csrf_token": token}).status_code == 303
    page = text(client.get(URL))
    assert client.post(f"{URL}/message", data={"body": "hi", "csrf_token": csrf_token(page)}).status_code == 303
    assert client.post(f"{URL}/leave", data={"csrf_token": csrf_token(page)}).status_code == 303


# --- what the reporter sees ----------------------------------------------------------------------

STATUS_WORDS = {
    Status.NEW: "Received — waiting for a counselor to read it",
    Status.ACKNOWLEDGED: "A counselor has read your report",
    Status.IN_PROGRESS: "A counselor is working on it",
    Status.REFERRED: "Your report was passed on to people who can help further",
    Status.CLOSED: "This report is closed",
}


@pytest.mark.parametrize("status", list(STATUS_WORDS))
def test_status_in_plain_words(app, client, opened, status):
    change_report(app, status=status)
    page = text(client.get(URL))
    assert [words for words in STATUS_WORDS.values() if words in page] == [STATUS_WORDS[status]]


@pytest.mark.parametrize(
    "outcome,words",
    [
        ("content_removed", "The images or posts were removed."),
        ("referred_support_center", "Digital Sex Crime Victim Support Center"),
        ("no_further_action", "The school is not taking further steps for now."),
        ("referred_police", "passed on to people outside the school"),
    ],
)
def test_a_closed_report_says_its_outcome_in_plain_words(app, client, opened, outcome, words):
    change_report(app, status=Status.CLOSED, outcome=outcome, closed_at=utcnow())
    page = text(client.get(URL))
    assert "This report is closed" in page and words in page and "you can still write" in page
    status = re.search(r'<section class="followup-status".*?</section>', page, re.S).group(0)
    assert words in status and outcome not in page and "police" not in status.lower()


def test_every_counselor_outcome_but_other_has_words_for_the_reporter():
    from app.counsel.forms import OUTCOME_LABELS

    assert set(OUTCOME_LABELS) - {"other"} == set(followup_session.OUTCOME_WORDS)


def test_removal_and_support_steps_are_shown_but_nothing_else_of_the_casework(app, client, opened, counselor):
    rid = report_id(app)
    secret = "SECRET-DETAIL-{}"
    with app.app_context():
        add(
            app,
            CaseAction(
                report_id=rid,
                kind=ActionKind.REMOVAL,
                platform="Instagram",
                status=RemovalStatus.REQUESTED,
                detail_enc=reports_crypto.encrypt(secret.format(1)),
                actor_id=counselor.id,
            ),
            CaseAction(
                report_id=rid,
                kind=ActionKind.REMOVAL,
                platform="X-Twitter",
                status=RemovalStatus.REMOVED,
                actor_id=counselor.id,
            ),
            CaseAction(
                report_id=rid,
                kind=ActionKind.REMOVAL,
                platform="Telegram",
                status=RemovalStatus.REFUSED,
                against_wishes=True,
                reason_enc=reports_crypto.encrypt(secret.format(2)),
                actor_id=counselor.id,
            ),
            CaseAction(
                report_id=rid, kind=ActionKind.SUPPORT_CENTER, detail_enc=reports_crypto.encrypt(secret.format(3))
            ),
            CaseAction(
                report_id=rid,
                kind=ActionKind.POLICE,
                detail_enc=reports_crypto.encrypt(secret.format(4)),
                against_wishes=True,
                reason_enc=reports_crypto.encrypt(secret.format(5)),
            ),
            CaseAction(report_id=rid, kind=ActionKind.PARENTS, detail_enc=reports_crypto.encrypt(secret.format(6))),
            CaseAction(report_id=rid, kind=ActionKind.EVIDENCE, detail_enc=reports_crypto.encrypt(secret.format(7))),
            CaseNote(report_id=rid, author_id=counselor.id, body_enc=reports_crypto.encrypt("INTERNAL-NOTE-MARKER")),
        )
    page = text(client.get(URL))
    assert "Removal requested from Instagram" in page and "Removed from X-Twitter" in page
    assert "Telegram refused to remove it — the counselor can explain next steps" in page
    assert "Passed on to the Digital Sex Crime Victim Support Center" in page
    actions = re.search(r'<ul class="followup-actions">(.*?)</ul>', page, re.S).group(1)
    assert actions.count("<li>") == 4
    for hidden in (
        "SECRET-DETAIL",
        "INTERNAL-NOTE-MARKER",
        "police_report",
        "parents_contacted",
        "evidence_recorded",
        "parent",
        counselor.display_name,
        counselor.email,
    ):
        assert hidden not in page
    assert "police" not in actions.lower()


def test_the_conversation_names_no_counselor_and_marks_new_replies(app, client, opened, counselor):
    long_ago = utcnow() - timedelta(days=1)
    counselor_message(app, counselor.id, "Thank you for telling us. Are you safe?", at=long_ago)
    page = text(client.get(URL))
    assert "Thank you for telling us. Are you safe?" in page
    assert "Counselor" in page and counselor.display_name not in page and counselor.email not in page
    assert page.count('class="tag tag-warn">New<') == 1 and "1 new reply from the counselors" in page
    with app.app_context():
        assert the_report(app).reporter_seen_at is not None
    again = text(client.get(URL))
    assert "Thank you for telling us" in again and 'tag-warn">New<' not in again
    sent = client.post(f"{URL}/message", data={"body": "Yes, I am safe.\nIt is still online."})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"{URL}?sent=1")
    counselor_message(app, counselor.id, "We asked the platform to remove it.", at=utcnow() + timedelta(seconds=1))
    page = text(client.get(sent.headers["Location"]))
    assert "Your message was sent." in page
    order = [page.index(s) for s in ("Are you safe?", "Yes, I am safe.", "We asked the platform")]
    assert order == sorted(order)
    assert page.count('tag-warn">New<') == 1
    assert page.index('tag-warn">New<') > page.index("Yes, I am safe.")
    assert "You" in page and "Yes, I am safe.\nIt is still online." in page


def test_a_message_is_stored_encrypted_and_the_counselors_are_alerted_without_content(
    app_factory, smtp_server, monkeypatch
):
    app = app_factory(MAIL_PORT=smtp_server.port)
    factory = Factory(app)
    school = factory.school("ALPHA")
    counselor = factory.user(school, Role.COUNSELOR, email="counselor@alpha.example")
    client = app.test_client()
    receipt = report_receipt(client, **ANSWERS)
    from app import notify

    with app.app_context():
        assert notify.deliver() == (1, 0)  # the new report's alert
    smtp_server.wait_for(1)
    delivered = []
    monkeypatch.setattr(notify, "deliver_after_request", delivered.append)
    open_with(client, receipt)
    words = "The account is called PurpleOwl-Second and it has 3 posts"
    assert client.post(f"{URL}/message", data={"body": words}).status_code == 303
    with app.app_context():
        message = db.session.scalar(select(CaseMessage))
        assert words not in message.body_enc and reports_crypto.decrypt(message.body_enc) == words
        assert (message.from_reporter, message.author_id) == (True, None)
        report = the_report(app)
        assert report.reporter_message_count == 1 and report.last_activity_at >= message.created_at
        [alert] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%reporter_message%")))
        assert alert.to_email == counselor.email and alert.dedupe_key.endswith(f":1:{counselor.id}")
        assert delivered == [[alert.id]]
        assert notify.deliver() == (1, 0)
    assert words not in all_database_text(app) and "PurpleOwl" not in all_database_text(app)
    mail = smtp_server.wait_for(2)[1]
    assert mail.rcpt_tos == [counselor.email]
    assert mail.message["Subject"].startswith("New message from a reporter in Dari")
    assert "PurpleOwl" not in mail.body and "3 posts" not in mail.body


def test_each_message_numbers_its_alert(app, client, opened, counselor):
    for n in range(3):
        assert client.post(f"{URL}/message", data={"body": f"message {n}"}).status_code == 303
    with app.app_context():
        assert the_report(app).reporter_message_count == 3
        keys = db.session.scalars(
            select(OutboxMessage.dedupe_key)
            .where(OutboxMessage.dedupe_key.like("%reporter_message%"))
            .order_by(OutboxMessage.id)
        ).all()
    assert [k.split(":")[3] for k in keys] == ["1", "2", "3"]


@pytest.mark.parametrize(
    "body,problem",
    [
        ("x" * 4001, "Please keep your message under 4000 characters."),
        ("   ", "Write your message first."),
    ],
)
def test_a_message_that_cannot_be_sent_is_kept_and_the_problem_named(app, client, opened, body, problem):
    response = client.post(f"{URL}/message", data={"body": body})
    assert response.status_code == 422
    assert problem in text(response) and (body.strip() == "" or body in text(response))
    with app.app_context():
        assert db.session.scalar(select(func.count(CaseMessage.id))) == 0
        assert the_report(app).reporter_message_count == 0


def test_line_breaks_count_once_like_the_browser_counts_them(app, client, opened):
    body = "ab\r\n" * 1300  # 5200 characters as sent, 3900 as typed
    assert client.post(f"{URL}/message", data={"body": body}).status_code == 303
    with app.app_context():
        stored = reports_crypto.decrypt(db.session.scalar(select(CaseMessage.body_enc)))
    assert "\r" not in stored and stored.count("\n") == 1299


def test_a_locked_database_says_not_sent_keeps_the_text_and_sending_again_works(locked_app):
    """Another connection holds the write lock past every retry: nothing is stored, and the
    reporter is told so with their words still in the box."""
    Factory(locked_app).school("ALPHA")
    client = locked_app.test_client()
    assert open_with(client, report_receipt(client, **ANSWERS)).status_code == 303
    lock = locked_app.lock()
    response = client.post(f"{URL}/message", data={"body": "Please help, PurpleOwl again"})
    lock.release()
    assert response.status_code == 503
    assert "Your message was NOT sent" in text(response) and "Please help, PurpleOwl again" in text(response)
    with locked_app.app_context():
        assert db.session.scalar(select(func.count(CaseMessage.id))) == 0
        assert the_report(locked_app).reporter_message_count == 0
        assert not db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%reporter_message%"))
        ).all()
    assert client.post(f"{URL}/message", data={"body": "Please help, PurpleOwl again"}).status_code == 303
    with locked_app.app_context():
        assert db.session.scalar(select(func.count(CaseMessage.id))) == 1


def test_a_message_written_after_the_page_closed_is_kept_and_carried_back(app, client, school, monkeypatch):
    now = [1_900_000_000.0]
    monkeypatch.setattr(followup_session, "clock", lambda: now[0])
    receipt = report_receipt(client, **ANSWERS)
    open_with(client, receipt)
    now[0] += 20 * 60  # a long message, written slowly
    words = "It started on Monday in the PurpleOwl channel"
    response = client.post(f"{URL}/message", data={"body": words})
    assert response.status_code == 403
    page = text(response)
    assert "Your message was NOT sent" in page and words in page and "For your safety the page closed" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(CaseMessage.id))) == 0
    carried = client.post(URL, data={"code": receipt, "draft": words})
    assert carried.status_code == 200
    assert "Your message is not sent yet" in text(carried)
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*' + re.escape(words), text(carried))
    assert "dari_followup=" in set_cookie_header(carried)
    wrong = client.post(URL, data={"code": "0000 0000 0000 0000", "draft": words})
    assert wrong.status_code == 422 and words in text(wrong)


def test_writing_without_opening_the_report_first_is_refused(app, client, school):
    response = client.post(f"{URL}/message", data={"body": "hello there"})
    assert response.status_code == 403 and "hello there" in text(response) and 'name="code"' in text(response)
