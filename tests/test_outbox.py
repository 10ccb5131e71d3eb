"""Report alerts: routing, the outbox, delivery to a real SMTP server, retries and escalation."""

import logging
import os
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app import notify
from app.extensions import db
from app.models import Category, OutboxMessage, Report, Role, RoutingRule, School, Status
from app.models.base import utcnow
from conftest import Factory
from smtp_server import free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Words that only exist inside the report itself: no email may ever carry them.
SECRET_WORDS = ("Quokkaberry", "Marmalynx", "Zebrafjord")


@pytest.fixture(autouse=True)
def no_threads_left():
    """Nothing but the process's one long-lived alert sender may outlive a test."""
    before = set(threading.enumerate())
    yield
    assert [t.name for t in threading.enumerate()].count("dari-outbox") <= 1
    deadline = time.monotonic() + 5
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive() and t.name != "dari-outbox"]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not left, f"threads left running: {left}"


@pytest.fixture
def mail_app(app_factory, smtp_server):
    return app_factory(MAIL_PORT=smtp_server.port)


def staff(factory, school, role=Role.COUNSELOR, **fields):
    return factory.user(school, role=role, totp=False, **fields)


def new_report(school_id, *, urgent=False, category=Category.BULLYING, created_at=None, **fields) -> Report:
    """A report as the form would store it; call inside an app context. Flushed, not committed."""
    fields.setdefault("what_enc", "x")
    fields.setdefault("affected", "me")
    report = Report(
        school_id=school_id,
        receipt_hash=secrets.token_hex(32),
        submission_hash=secrets.token_hex(32),
        category=category,
        urgent=urgent,
        wants=[],
        consent_parents="not_sure",
        consent_police="not_sure",
        **fields,
    )
    if created_at is not None:
        report.created_at = report.last_activity_at = created_at
    report.assign_ref()
    db.session.add(report)
    db.session.flush()
    return report


def emails_of(users) -> list[str]:
    return sorted(u.email for u in users)


def outbox_rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def people(app, factory):
    """School ALPHA: two active counselors, one inactive, a teacher, an admin, an inactive admin;
    school BETA: a counselor and an admin who must never hear of ALPHA's reports."""
    alpha, beta = factory.school("ALPHA"), factory.school("BETA")
    p = {
        "c1": staff(factory, alpha),
        "c2": staff(factory, alpha),
        "c_off": staff(factory, alpha, active=False),
        "teacher": staff(factory, alpha, Role.TEACHER),
        "admin": staff(factory, alpha, Role.SCHOOL_ADMIN),
        "admin_off": staff(factory, alpha, Role.SCHOOL_ADMIN, active=False),
        "b_counselor": staff(factory, beta),
        "b_admin": staff(factory, beta, Role.SCHOOL_ADMIN),
    }
    p["alpha"], p["beta"] = alpha, beta
    return p


# --- routing -------------------------------------------------------------------------------------
def test_rules_route_to_the_named_active_counselors_of_the_school(app, people):
    p = people
    with app.app_context():
        for key in ("c2", "c_off", "teacher", "b_counselor"):  # only c2 is an active counselor of ALPHA
            db.session.add(RoutingRule(school_id=p["alpha"].id, category=Category.AI_IMAGE, user_id=p[key].id))
        db.session.commit()
        routed = new_report(p["alpha"].id, category=Category.AI_IMAGE)
        other = new_report(p["alpha"].id, category=Category.BULLYING)
        assert emails_of(notify.recipients(routed)) == [p["c2"].email]
        assert emails_of(notify.recipients(other)) == emails_of([p["c1"], p["c2"]])


def test_rules_naming_nobody_usable_fall_back_to_every_counselor(app, people):
    p = people
    with app.app_context():
        db.session.add(RoutingRule(school_id=p["alpha"].id, category=Category.OTHER, user_id=p["c_off"].id))
        db.session.commit()
        report = new_report(p["alpha"].id, category=Category.OTHER)
        assert emails_of(notify.recipients(report)) == emails_of([p["c1"], p["c2"]])


def test_a_school_without_counselors_routes_to_its_admins(app, factory):
    gamma, beta = factory.school("GAMMA"), factory.school("BETA")
    admin = staff(factory, gamma, Role.SCHOOL_ADMIN)
    staff(factory, gamma, active=False)  # a counselor who left
    staff(factory, gamma, Role.TEACHER)
    staff(factory, beta)
    with app.app_context():
        report = new_report(gamma.id)
        assert emails_of(notify.recipients(report)) == [admin.email]


def test_urgent_goes_to_every_active_counselor_and_admin_of_the_school_only(app, people):
    p = people
    with app.app_context():
        db.session.add(RoutingRule(school_id=p["alpha"].id, category=Category.DANGER, user_id=p["c1"].id))
        db.session.commit()
        report = new_report(p["alpha"].id, urgent=True, category=Category.DANGER)
        assert emails_of(notify.recipients(report)) == emails_of([p["c1"], p["c2"], p["admin"]])


# --- queueing ------------------------------------------------------------------------------------
def test_alerts_are_queued_in_the_callers_transaction_once_per_key(app, people):
    p = people
    with app.app_context():
        report = new_report(p["alpha"].id)
        queued = notify.queue_report_alerts(report)
        assert sorted(m.to_email for m in queued) == emails_of([p["c1"], p["c2"]])
        assert all(m.id for m in queued)
        assert notify.queue_report_alerts(report) == []  # same key: not again
        db.session.rollback()  # the report's transaction fails: its alerts go with it
        assert outbox_rows() == []

        report = new_report(p["alpha"].id)
        notify.queue_report_alerts(report)
        db.session.commit()
        assert notify.queue_report_alerts(report, "new") == []
        assert notify.queue_report_alerts(report, "urgent") == []  # the same first alert
        assert {m.dedupe_key for m in outbox_rows()} == {
            f"report:{report.id}:new:0:{p['c1'].id}",
            f"report:{report.id}:new:0:{p['c2'].id}",
        }
        with pytest.raises(ValueError):
            notify.queue_report_alerts(report, "whatever")


def test_message_alerts_dedupe_on_the_counter(app, people):
    p = people
    with app.app_context():
        report = new_report(p["alpha"].id)
        report.acknowledged_by_id = p["admin"].id  # the admin took the case: told as well
        first = notify.queue_message_alert(report, 1)
        assert sorted(m.to_email for m in first) == emails_of([p["c1"], p["c2"], p["admin"]])
        assert notify.queue_message_alert(report, 1) == []
        assert len(notify.queue_message_alert(report, n=2)) == 3
        assert all("new message" in m.subject.lower() for m in first)


def test_alerts_follow_the_recipients_language(app, factory):
    school = factory.school("KOREA", locale="ko")
    ko = staff(factory, school)  # no saved choice: the school's language
    en = staff(factory, school, locale="en")
    with app.app_context():
        report = new_report(school.id)
        by_email = {m.to_email: m for m in notify.queue_report_alerts(report)}
        with force_locale("ko"):
            korean = gettext("New report waiting in Dari")
        assert by_email[ko.email].subject == korean
        assert by_email[en.email].subject == "New report waiting in Dari"


# --- delivery ------------------------------------------------------------------------------------
def test_emails_reach_the_server_with_ref_and_link_and_never_report_content(mail_app, smtp_server):
    factory = Factory(mail_app)
    school = factory.school("ALPHA", name="한빛중학교 Hanbit")
    c1, admin = staff(factory, school), staff(factory, school, Role.SCHOOL_ADMIN)
    with mail_app.app_context():
        report = new_report(
            school.id,
            urgent=True,
            category=Category.SEXTORTION,
            what_enc=f"they said {SECRET_WORDS[0]}",
            where_enc=f"chat {SECRET_WORDS[1]}",
            when_enc=f"{SECRET_WORDS[2]} evening",
            affected="friend",
        )
        report_id, ref = report.id, report.ref
        notify.queue_report_alerts(report, "urgent")
        db.session.commit()
        assert notify.deliver() == (2, 0)
        assert all(m.sent_at is not None and m.attempts == 0 for m in outbox_rows())
    received = smtp_server.wait_for(2)
    assert sorted(r for m in received for r in m.rcpt_tos) == sorted([c1.email, admin.email])
    for mail in received:
        assert mail.message["Subject"] == "URGENT: a report says someone may be in danger"
        assert mail.message["From"] == "Dari <no-reply@dari.local>"
        assert mail.message["To"] == mail.rcpt_tos[0]
        assert mail.message.get_content_charset() == "utf-8"
        body = mail.body
        assert "한빛중학교 Hanbit" in body and ref in body
        assert f"http://dari.test/counsel/reports/{report_id}" in body
        assert "acknowledge it in Dari as soon as possible" in body
        everything = "\n".join([*(f"{k}: {v}" for k, v in mail.message.items()), body]).lower()
        for word in (*SECRET_WORDS, "sextortion", "friend"):
            assert word.lower() not in everything


def test_a_non_urgent_alert_asks_for_nothing_urgent(mail_app, smtp_server):
    factory = Factory(mail_app)
    school = factory.school("ALPHA")
    staff(factory, school)
    with mail_app.app_context():
        report = new_report(school.id)
        notify.queue_report_alerts(report)
        db.session.commit()
        notify.deliver()
    [mail] = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "New report waiting in Dari"
    assert "as soon as possible" not in mail.body


def test_server_down_then_up_sends_each_alert_exactly_once(app_factory, smtp_server):
    app = app_factory(MAIL_PORT=free_port())  # nothing listens there
    factory = Factory(app)
    school = factory.school("ALPHA")
    c1, c2 = staff(factory, school), staff(factory, school)
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
        now = utcnow()
        assert notify.deliver(now=now) == (0, 2)
        for row in outbox_rows():
            assert row.sent_at is None and row.claimed_at is None and row.attempts == 1
            assert row.next_attempt_at == now + timedelta(minutes=1)
            assert row.last_error and "ConnectionRefused" in row.last_error
        assert notify.deliver(now=now + timedelta(seconds=30)) == (0, 0)  # not due yet

        app.config["MAIL_PORT"] = smtp_server.port  # the server is back
        later = now + timedelta(minutes=1)
        assert notify.deliver(now=later) == (2, 0)
        assert notify.deliver(now=later + timedelta(minutes=5)) == (0, 0)
        # Kept to the minute: a sent time must not line up with a report to the second.
        assert all(row.sent_at == later.replace(second=0, microsecond=0) for row in outbox_rows())
    smtp_server.wait_for(2)
    time.sleep(0.1)
    assert len(smtp_server.messages) == 2
    assert len(smtp_server.received_by(c1.email)) == len(smtp_server.received_by(c2.email)) == 1


def test_backoff_doubles_and_caps_at_an_hour(app_factory):
    assert [notify.backoff(n).total_seconds() / 60 for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert {notify.backoff(n, urgent=True) for n in range(1, 10)} == {timedelta(minutes=1)}
    app = app_factory(MAIL_PORT=free_port())
    factory = Factory(app)
    school = factory.school("ALPHA")
    staff(factory, school)
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
        now, waits = utcnow(), []
        for attempt in range(1, 9):
            assert notify.deliver(now=now) == (0, 1)
            [row] = outbox_rows()
            assert row.attempts == attempt
            waits.append((row.next_attempt_at - now).total_seconds() / 60)
            assert notify.deliver(now=row.next_attempt_at - timedelta(seconds=1)) == (0, 0)
            now = row.next_attempt_at
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_delivering_again_or_over_someone_elses_claim_never_sends_twice(mail_app, smtp_server):
    factory = Factory(mail_app)
    school = factory.school("ALPHA")
    staff(factory, school)
    with mail_app.app_context():
        [message] = notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
        message_id, now = message.id, utcnow()
        lease = notify.claim_timeout(mail_app.config)
        assert lease == timedelta(seconds=60)
        # Another deliverer claimed the row well within its lease and is sending it: leave it alone.
        message.claimed_at = now - lease / 2
        db.session.commit()
        assert notify.deliver(ids=[message_id], now=now) == (0, 0)
        assert notify.deliver(now=now) == (0, 0)
        # That deliverer died without finishing and its lease is over: take the row over.
        message = db.session.get(OutboxMessage, message_id)
        message.claimed_at = now - lease - timedelta(seconds=1)
        db.session.commit()
        assert notify.deliver(ids=[message_id], now=now) == (1, 0)
        assert notify.deliver(ids=[message_id], now=now) == (0, 0)
        assert notify.deliver(now=now + timedelta(hours=1)) == (0, 0)
    smtp_server.wait_for(1)
    time.sleep(0.1)
    assert len(smtp_server.messages) == 1


def test_deliver_sends_only_the_ids_asked_for(mail_app, smtp_server):
    factory = Factory(mail_app)
    school = factory.school("ALPHA")
    staff(factory, school)
    with mail_app.app_context():
        [first] = notify.queue_report_alerts(new_report(school.id))
        [second] = notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
        first_id, second_id = first.id, second.id
        assert notify.deliver(ids=[second_id]) == (1, 0)
        assert notify.deliver(ids=[]) == (0, 0)
        assert db.session.get(OutboxMessage, first_id).sent_at is None
    assert len(smtp_server.wait_for(1)) == 1


def test_two_deliverers_at_once_send_each_alert_once(app_factory, smtp_server, tmp_path):
    # Real concurrency needs a database two connections can share: PostgreSQL, or an SQLite file.
    database = (
        {}
        if os.environ.get("TEST_DATABASE_URL")
        else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'outbox.db'}"}
    )
    app = app_factory(MAIL_PORT=smtp_server.port, **database)
    factory = Factory(app)
    school = factory.school("ALPHA")
    counselors = [staff(factory, school) for _ in range(12)]
    with app.app_context():
        ids = [m.id for m in notify.queue_report_alerts(new_report(school.id))]
        db.session.commit()
    start, results, errors = threading.Barrier(2), [], []

    def deliverer():
        with app.app_context():
            try:
                start.wait(5)
                results.append(notify.deliver(ids=ids))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors and len(results) == 2
    assert sum(sent for sent, _ in results) == 12 and sum(failed for _, failed in results) == 0
    smtp_server.wait_for(12)
    time.sleep(0.1)
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == emails_of(counselors)


def test_logs_name_counts_and_ids_only(mail_app, smtp_server, caplog, monkeypatch):
    # Alembic's fileConfig() (run by test_migrations) disables loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("app.notify"), "disabled", False)
    factory = Factory(mail_app)
    school = factory.school("ALPHA", name="Hanbit Middle School")
    counselor = staff(factory, school)
    caplog.set_level(logging.DEBUG)
    with mail_app.app_context():
        report = new_report(school.id, what_enc=SECRET_WORDS[0])
        ref = report.ref
        notify.queue_report_alerts(report)
        db.session.commit()
        mail_app.config["MAIL_PORT"] = free_port()
        assert notify.deliver() == (0, 1)
        mail_app.config["MAIL_PORT"] = smtp_server.port
        assert notify.deliver(now=utcnow() + timedelta(minutes=2)) == (1, 0)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("app"))
    assert "outbox 1: delivery failed" in logged and "sent 1, failed 0" in logged
    for secret in (ref, counselor.email, "Hanbit", SECRET_WORDS[0], "Dari:"):
        assert secret not in logged


def test_deliver_after_request_sends_in_the_background_when_enabled(mail_app, smtp_server):
    factory = Factory(mail_app)
    school = factory.school("ALPHA")
    counselor = staff(factory, school)
    with mail_app.app_context():
        ids = [m.id for m in notify.queue_report_alerts(new_report(school.id))]
        db.session.commit()
        assert notify.deliver_after_request(ids) is False  # off in tests: cron delivers
        assert db.session.get(OutboxMessage, ids[0]).sent_at is None
        db.session.rollback()  # as a request does: its transaction ends before the sender starts

        mail_app.config["OUTBOX_DELIVER_AFTER_REQUEST"] = True
        assert notify.deliver_after_request(ids) is True
        assert notify.sender.wait_idle(10)
        db.session.expire_all()
        assert db.session.get(OutboxMessage, ids[0]).sent_at is not None
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [counselor.email]


def test_deliver_after_request_never_raises_into_the_request(app_factory, caplog):
    app = app_factory(MAIL_PORT=free_port(), OUTBOX_DELIVER_AFTER_REQUEST=True)
    factory = Factory(app)
    school = factory.school("ALPHA")
    staff(factory, school)
    with app.app_context():
        ids = [m.id for m in notify.queue_report_alerts(new_report(school.id))]
        db.session.commit()
        assert notify.deliver_after_request(ids) is True
        assert notify.sender.wait_idle(10)
        [row] = outbox_rows()
        assert row.sent_at is None and row.attempts == 1  # kept for the next try
        assert notify.deliver_after_request([]) is False


def test_one_sender_thread_per_process_however_many_reports(mail_app, smtp_server):
    """A burst of reports queues their alerts for one thread; it does not start a thread each."""
    import threading

    factory = Factory(mail_app)
    school = factory.school("ALPHA")
    staff(factory, school)
    mail_app.config["OUTBOX_DELIVER_AFTER_REQUEST"] = True
    with mail_app.app_context():
        batches = []
        for _ in range(30):
            batches.append([m.id for m in notify.queue_report_alerts(new_report(school.id))])
            db.session.commit()
        before = threading.active_count()
        assert all(notify.deliver_after_request(ids) for ids in batches)
        assert threading.active_count() <= before + 1
        assert notify.sender.wait_idle(20)
        assert [t.name for t in threading.enumerate()].count("dari-outbox") == 1
        db.session.expire_all()
        assert all(row.sent_at is not None for row in outbox_rows())
    assert len(smtp_server.wait_for(30)) == 30


def test_a_full_sender_queue_leaves_alerts_for_cron(mail_app):
    from app.notify.sender import Sender

    small = Sender(maxsize=1)
    small._ensure_thread = lambda: None  # no thread takes from the queue: it stays full
    assert small.submit(mail_app, [1]) is True
    assert small.submit(mail_app, [2]) is False


# --- escalation ----------------------------------------------------------------------------------
def escalated_rows(report_id: int) -> list[OutboxMessage]:
    return [m for m in outbox_rows() if m.dedupe_key.startswith(f"report:{report_id}:escalated:")]


def test_unacknowledged_urgent_reports_escalate_once_per_window(app, people):
    p = people
    with app.app_context():
        report = new_report(p["alpha"].id, urgent=True, category=Category.DANGER, created_at=T0)
        quiet = new_report(p["alpha"].id, created_at=T0)  # not urgent: never escalated
        db.session.commit()
        report_id, ref = report.id, report.ref

        assert notify.escalate(now=T0 + timedelta(minutes=14, seconds=59)) == 0
        assert notify.escalate(now=T0 + timedelta(minutes=15)) == 1
        report = db.session.get(Report, report_id)
        assert report.escalation_count == 1 and report.escalated_at == T0 + timedelta(minutes=15)
        first = escalated_rows(report_id)
        assert sorted(m.to_email for m in first) == emails_of([p["c1"], p["c2"], p["admin"]])
        assert all(m.subject == f"Still not acknowledged: urgent report {ref}" for m in first)
        assert all(ref in m.body and "as soon as possible" in m.body for m in first)

        assert notify.escalate(now=T0 + timedelta(minutes=16)) == 0
        assert notify.escalate(now=T0 + timedelta(minutes=29)) == 0
        assert notify.escalate(now=T0 + timedelta(minutes=30)) == 1
        assert db.session.get(Report, report_id).escalation_count == 2
        assert len(escalated_rows(report_id)) == 6  # one email per person per round

        report = db.session.get(Report, report_id)
        report.acknowledged_at, report.acknowledged_by_id = T0 + timedelta(minutes=31), p["c1"].id
        report.status = Status.ACKNOWLEDGED
        db.session.commit()
        assert notify.escalate(now=T0 + timedelta(hours=5)) == 0
        assert db.session.get(Report, quiet.id).escalation_count == 0
        assert len(escalated_rows(report_id)) == 6


def test_closed_reports_are_never_escalated(app, people):
    with app.app_context():
        new_report(people["alpha"].id, urgent=True, created_at=T0, status=Status.CLOSED)
        db.session.commit()
        assert notify.escalate(now=T0 + timedelta(days=1)) == 0


def test_a_school_can_set_its_own_window(app, people):
    p = people
    with app.app_context():
        db.session.get(School, p["beta"].id).urgent_ack_minutes = 5
        fast = new_report(p["beta"].id, urgent=True, created_at=T0)
        slow = new_report(p["alpha"].id, urgent=True, created_at=T0)
        db.session.commit()
        assert notify.escalate(now=T0 + timedelta(minutes=4)) == 0
        assert notify.escalate(now=T0 + timedelta(minutes=5)) == 1
        assert db.session.get(Report, fast.id).escalation_count == 1
        assert db.session.get(Report, slow.id).escalation_count == 0
        assert sorted(m.to_email for m in escalated_rows(fast.id)) == emails_of([p["b_counselor"], p["b_admin"]])

        db.session.get(Report, fast.id).acknowledged_at = T0 + timedelta(minutes=6)
        db.session.commit()
        app.config["URGENT_ACK_MINUTES"] = 20
        assert notify.escalate(now=T0 + timedelta(minutes=19)) == 0
        assert notify.escalate(now=T0 + timedelta(minutes=20)) == 1
        assert db.session.get(Report, slow.id).escalation_count == 1


# --- commands ------------------------------------------------------------------------------------
def test_outbox_deliver_command_prints_counts(app_factory, smtp_server):
    app = app_factory(MAIL_PORT=free_port())
    factory = Factory(app)
    school = factory.school("ALPHA")
    staff(factory, school)
    staff(factory, school)
    runner = app.test_cli_runner()
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 0, failed 2, waiting 2"

    app.config["MAIL_PORT"] = smtp_server.port
    with app.app_context():
        for row in outbox_rows():
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["outbox", "deliver", "--limit", "1"])  # batches until done
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, failed 0, waiting 0"
    assert len(smtp_server.wait_for(2)) == 2


def test_reports_escalate_command_prints_how_many(app, factory):
    school = factory.school("ALPHA")
    staff(factory, school)
    with app.app_context():
        new_report(school.id, urgent=True, created_at=utcnow() - timedelta(hours=1))
        new_report(school.id, urgent=True)  # just arrived
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "escalate"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "escalated 1 urgent report(s)"
    assert runner.invoke(args=["reports", "escalate"]).output.strip() == "escalated 0 urgent report(s)"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
