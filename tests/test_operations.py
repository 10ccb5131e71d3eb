"""Operations: urgent alerts after an outage, the backlog released by a working connection,
`flask outbox deliver --now` and `status`, `flask doctor`, the admin status page, and settings
that must not silently mean something else. Failures are real: a stopped SMTP server (nothing
listening on the port), a server refusing mail, a key missing from REPORT_KEYS."""

import re
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from flask_migrate import stamp
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app import notify
from app.extensions import db
from app.models import OutboxMessage, Role
from app.models.base import utcnow
from app.ops import state
from app.reports import crypto as reports_crypto
from conftest import TEST_DATABASE_URL, Factory, make_app
from smtp_server import SMTPServer, free_port
from test_outbox import new_report, outbox_rows, staff


def minutes_until_next(row, now) -> float:
    return (row.next_attempt_at - now).total_seconds() / 60


def test_urgent_alerts_retry_every_minute_and_a_working_connection_releases_the_rest(app_factory):
    port = free_port()  # the mail server is down: nothing listens there yet
    app = app_factory(MAIL_PORT=port)
    factory = Factory(app)
    school = factory.school("ALPHA")
    counselor, admin = staff(factory, school), staff(factory, school, Role.SCHOOL_ADMIN)
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))  # to the counselor
        notify.queue_report_alerts(new_report(school.id, urgent=True), "urgent")  # counselor and admin
        db.session.commit()
        t0, waits = utcnow(), {True: [], False: []}
        for minute in range(5):
            now = t0 + timedelta(minutes=minute)
            notify.deliver(now=now)
            for row in outbox_rows():
                if row.attempts and row.next_attempt_at > now and len(waits[row.urgent]) < row.attempts + row.urgent:
                    waits[row.urgent].append(minutes_until_next(row, now))
        urgent_rows = [r for r in outbox_rows() if r.urgent]
        assert len(urgent_rows) == 2 and all(r.attempts == 5 for r in urgent_rows)  # tried every minute
        [normal] = [r for r in outbox_rows() if not r.urgent]
        assert normal.attempts == 3 and normal.waiting_on_server  # 1, 2, then 4 minutes of backoff
        assert "ConnectionRefused" in normal.last_error

        server = SMTPServer(port=port).start()  # the mail server is back
        try:
            now = t0 + timedelta(minutes=5)
            assert normal.next_attempt_at > now  # its backoff is not over, yet it goes out now
            assert notify.deliver(now=now) == (3, 0)
            server.wait_for(3)
            assert sorted(r for m in server.messages for r in m.rcpt_tos) == sorted(
                [counselor.email] * 2 + [admin.email]
            )
            assert notify.pending_count() == 0 and notify.deliver(now=now + timedelta(hours=2)) == (0, 0)
        finally:
            server.stop()
        assert len(server.messages) == 3


def test_a_delivery_run_with_nothing_due_still_tries_the_server_for_what_waits_on_it(app_factory):
    port = free_port()
    app = app_factory(MAIL_PORT=port)
    factory = Factory(app)
    school = factory.school("ALPHA")
    staff(factory, school)
    runner = app.test_cli_runner()
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
    assert runner.invoke(args=["outbox", "deliver"]).output.strip() == "sent 0, failed 1, waiting 1"
    assert runner.invoke(args=["outbox", "deliver"]).output.strip() == "sent 0, failed 0, waiting 1"  # still down
    server = SMTPServer(port=port).start()
    try:
        # Its retry is a minute away, but the server answers: it goes now.
        assert runner.invoke(args=["outbox", "deliver"]).output.strip() == "sent 1, failed 0, waiting 0"
        assert len(server.wait_for(1)) == 1
    finally:
        server.stop()


def test_deliver_now_sends_what_waits_out_a_backoff_and_status_says_what_waits(app_factory, smtp_server):
    app = app_factory(MAIL_PORT=smtp_server.port)
    factory = Factory(app)
    school = factory.school("ALPHA")
    staff(factory, school), staff(factory, school)
    runner = app.test_cli_runner()
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
    smtp_server.refuse_data = "451 4.3.0 Mailbox temporarily unavailable"  # the server is up but refuses
    assert runner.invoke(args=["outbox", "deliver"]).output.strip() == "sent 0, failed 2, waiting 2"
    status = runner.invoke(args=["outbox", "status"]).output
    assert "pending 2 (urgent 0), oldest under a minute, waiting for the mail server 0" in status
    assert "last error: SMTPDataError 451: 4.3.0 Mailbox temporarily unavailable" in status
    assert re.search(r"last deliver: \d{4}-\d\d-\d\d [\d:]+ UTC \(ok sent 0 failed 2\)", status)
    assert "last escalate: never  LATE" in status

    smtp_server.refuse_data = None  # fixed: without --now they would wait out their backoff
    assert runner.invoke(args=["outbox", "deliver"]).output.strip() == "sent 0, failed 0, waiting 2"
    assert runner.invoke(args=["outbox", "deliver", "--now"]).output.strip() == "sent 2, failed 0, waiting 0"
    assert len(smtp_server.wait_for(2)) == 2
    assert "pending 0 (urgent 0), oldest none" in runner.invoke(args=["outbox", "status"]).output


def test_escalation_and_purge_record_their_runs_even_when_they_fail(app, runner):
    assert runner.invoke(args=["reports", "escalate"]).exit_code == 0
    assert runner.invoke(args=["reports", "purge"]).exit_code == 0
    with app.app_context():
        runs = state.job_runs()
        assert runs["escalate"][1] == "ok 0" and runs["purge"][1] == "ok 0" and runs["deliver"] == (None, None)
        assert not state.is_late("escalate", runs["escalate"][0])
        assert state.is_late("escalate", runs["escalate"][0], now=utcnow() + timedelta(minutes=4))
        # The job really fails (its table is gone): the record says so, and the error still surfaces.
        cascade = " CASCADE" if db.engine.dialect.name == "postgresql" else ""
        db.session.execute(db.text(f"DROP TABLE reports{cascade}"))
        db.session.commit()
        with pytest.raises(SQLAlchemyError):
            notify.escalate()
        assert state.job_runs()["escalate"][1].startswith("failed ")


# --- settings ------------------------------------------------------------------------------------
@pytest.mark.parametrize("minutes", [0, -5])
def test_urgent_ack_minutes_below_one_is_refused_with_a_clear_message(minutes):
    with pytest.raises(RuntimeError, match=r"URGENT_ACK_MINUTES must be a whole number of minutes, at least 1"):
        make_app(URGENT_ACK_MINUTES=minutes)


def test_a_claim_lease_shorter_than_a_send_is_refused():
    with pytest.raises(RuntimeError, match=r"OUTBOX_CLAIM_SECONDS \(5\) must be at least 4 x MAIL_TIMEOUT \(2\)"):
        make_app(OUTBOX_CLAIM_SECONDS=5)


# --- doctor --------------------------------------------------------------------------------------
@pytest.fixture
def migrated_app(app_factory, tmp_path, smtp_server):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'doctor.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url, MAIL_PORT=smtp_server.port)
    with app.app_context():
        stamp()  # the schema create_all() made is the latest revision's
    yield app
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def doctor_lines(app) -> tuple[int, dict[str, str]]:
    result = app.test_cli_runner().invoke(args=["doctor"])
    lines = {}
    for line in result.output.splitlines():
        match = re.match(r"(ok|warn|FAIL)\s+([^:]+): (.*)", line)
        if match:
            lines[match.group(2)] = f"{match.group(1)} {match.group(3)}"
    return result.exit_code, lines


def test_doctor_passes_on_a_healthy_instance(migrated_app):
    runner = migrated_app.test_cli_runner()
    for command in (["outbox", "deliver"], ["reports", "escalate"], ["reports", "purge"]):
        assert runner.invoke(args=command).exit_code == 0
    code, lines = doctor_lines(migrated_app)
    assert code == 0, lines
    assert lines["database"].startswith("ok reachable")
    assert lines["migrations"].startswith("ok at the latest revision")
    assert lines["report keys"] == "ok the first key reads all 0 encrypted row(s)"
    assert lines["receipt secret"].startswith("ok set")
    assert lines["rate limits"].startswith("warn kept in memory://")  # one test process: fine
    assert lines["smtp"].startswith("ok 127.0.0.1:")
    assert lines["outbox"] == "ok nothing waiting"
    assert all(lines[f"last {job}"].startswith("ok ") for job in ("deliver", "escalate", "purge"))


def test_doctor_names_each_problem_and_what_to_do(migrated_app, smtp_server):
    factory = Factory(migrated_app)
    school = factory.school("ALPHA")
    staff(factory, school)
    old_key, new_key = migrated_app.config["REPORT_KEYS"][0], Fernet.generate_key().decode()
    with migrated_app.app_context():
        new_report(school.id, urgent=True, what_enc=reports_crypto.encrypt("words under the old key"))
        notify.queue_report_alerts(db.session.scalars(select(notify.alerts.Report)).one(), "urgent")
        db.session.commit()
        row = db.session.scalars(select(OutboxMessage)).one()
        row.created_at = utcnow() - timedelta(minutes=20)  # an urgent alert that has waited 20 minutes
        db.session.commit()
        state.record(state.RECEIPT_FINGERPRINT, "a-different-one")
        db.session.execute(db.text("DROP TABLE alembic_version"))
        db.session.commit()
    smtp_server.stop()  # the mail server goes down
    migrated_app.config["REPORT_KEYS"] = [new_key, old_key]  # rotation begun, not run

    code, lines = doctor_lines(migrated_app)
    assert code == 1
    assert lines["migrations"].startswith("FAIL database at none") and "flask db upgrade" in lines["migrations"]
    assert lines["report keys"] == (
        "FAIL 1 row(s) still need an older key: run `flask reports rotate-keys` before removing any key"
    )
    assert lines["receipt secret"].startswith("FAIL RECEIPT_SECRET differs")
    assert lines["smtp"].startswith("FAIL cannot connect to 127.0.0.1:") and "ConnectionRefused" in lines["smtp"]
    assert lines["outbox"].startswith("FAIL 1 waiting (1 urgent), oldest 20 min")
    assert "flask outbox deliver --now" in lines["outbox"]
    assert lines["last escalate"].startswith("FAIL never ran: schedule flask reports escalate")

    migrated_app.config["REPORT_KEYS"] = [new_key]  # the old key retired too early
    assert doctor_lines(migrated_app)[1]["report keys"].startswith("FAIL 1 stored row(s) no key in REPORT_KEYS reads")


def test_doctor_fails_when_the_shared_rate_limit_storage_does_not_answer(app_factory):
    app = app_factory(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    code, lines = doctor_lines(app)
    assert code == 1
    assert lines["rate limits"] == "FAIL redis storage does not answer: start it or fix RATELIMIT_STORAGE_URI"


# --- the admin status page -----------------------------------------------------------------------
def test_status_page_shows_a_school_its_own_alerts_and_the_instance_jobs(app, factory, as_user):
    alpha, beta = factory.school("ALPHA"), factory.school("BETA")
    staff(factory, alpha), staff(factory, beta)
    alpha_admin = factory.user(alpha, role=Role.SCHOOL_ADMIN)
    beta_admin = factory.user(beta, role=Role.SCHOOL_ADMIN)
    with app.app_context():
        notify.queue_report_alerts(new_report(alpha.id, urgent=True), "urgent")
        db.session.commit()
        assert notify.deliver() == (0, 2)  # nothing listens on MAIL_PORT in tests: the server is down

    page = as_user(alpha_admin).get("/admin/status")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="status-trouble"' in html
    assert re.search(r'id="outbox-pending">2<', html) and re.search(r'id="outbox-urgent">2<', html)
    assert "ConnectionRefusedError" in html and "the mail server could not be reached" in html
    assert re.search(r'id="job-escalate">.*?never.*?Late: it may have stopped', html, re.S)

    other = as_user(beta_admin).get("/admin/status").get_data(as_text=True)  # BETA sees none of ALPHA's
    assert re.search(r'id="outbox-pending">0<', other) and "ConnectionRefused" not in other

    runner = app.test_cli_runner()
    with app.app_context():
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
    for command in (["outbox", "deliver"], ["reports", "escalate"], ["reports", "purge"]):
        runner.invoke(args=command)
    html = as_user(alpha_admin).get("/admin/status").get_data(as_text=True)
    assert 'id="status-ok"' in html and html.count("On time") == 3


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.TEACHER, Role.STUDENT])
def test_status_page_is_for_school_admins_only(factory, as_user, role):
    school = factory.school("ALPHA")
    assert as_user(factory.user(school, role=role)).get("/admin/status").status_code == 403


def test_status_page_in_korean(factory, as_user):
    school = factory.school("ALPHA")
    client = as_user(factory.user(school, role=Role.SCHOOL_ADMIN, locale="ko"))
    html = client.get("/admin/status").get_data(as_text=True)
    assert "알림" in html and "Alert status" not in html
