"""Crashes made real: a `flask outbox deliver` and a `flask reports rotate-keys` process killed
with SIGKILL part-way, then run again. Both processes share one database with the test (an SQLite
file, or PostgreSQL when TEST_DATABASE_URL is set)."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from app import notify
from app.extensions import db
from app.models import OutboxMessage, Report
from app.reports import crypto as reports_crypto
from conftest import TEST_DATABASE_URL, Factory
from smtp_server import SMTPServer
from test_outbox import new_report, staff

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
# The claim lease in these runs: long enough for a second process to start up within it (a few
# seconds on a busy machine), short enough not to make the test wait a minute.
LEASE = 15


@pytest.fixture
def shared_url(tmp_path) -> str:
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'shared.db'}"


def flask(args, url, tmp_path, report_keys, **env) -> subprocess.Popen:
    """`flask ARGS` in a process of its own, configured only by environment variables, as cron runs it."""
    environment = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DARI_CONFIG": "development",
        "DATABASE_URL": url,
        "DARI_INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "k" * 40,
        "REPORT_KEYS": ",".join(report_keys),
        "RECEIPT_SECRET": "test-receipt-secret",
        "CONTENT_ROOT": str(ROOT / "tests" / "content" / "valid"),
        "MAIL_SERVER": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        **{k: str(v) for k, v in env.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen) -> str:
    """SIGKILL: no cleanup, no last commit, as when the machine loses power or the OOM killer strikes."""
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=10)  # also closes the pipes
    return out + err


def finish(process: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out + err


def test_a_deliverer_killed_mid_batch_loses_nothing_and_a_resend_keeps_its_message_id(
    app_factory, shared_url, tmp_path
):
    server = SMTPServer().start()
    server.stall_at = 3  # the third email arrives, and its 250 is held back: the deliverer waits
    app = app_factory(SQLALCHEMY_DATABASE_URI=shared_url, MAIL_PORT=server.port)
    factory = Factory(app)
    school = factory.school("ALPHA")
    counselors = [staff(factory, school) for _ in range(6)]
    with app.app_context():
        notify.queue_report_alerts(new_report(school.id))
        db.session.commit()
    # A short lease, so the test need not wait a minute; MAIL_TIMEOUT stays within the rule.
    env = {"MAIL_PORT": server.port, "MAIL_TIMEOUT": 1, "OUTBOX_CLAIM_SECONDS": LEASE}
    keys = app.config["REPORT_KEYS"]
    try:
        first = flask(["outbox", "deliver"], shared_url, tmp_path, keys, **env)
        assert server.stalled.wait(30), finish(first, 5)
        kill(first)  # between the server having the email and the database knowing
        killed_at = time.monotonic()
        server.release()
        assert len(server.messages) == 3

        # At once: the rest go out; the killed claim is still leased, so that one waits.
        code, out = finish(flask(["outbox", "deliver"], shared_url, tmp_path, keys, **env))
        assert code == 0 and out.strip() == "sent 3, failed 0, waiting 1", out
        time.sleep(max(0.0, killed_at + LEASE + 0.5 - time.monotonic()))
        code, out = finish(flask(["outbox", "deliver"], shared_url, tmp_path, keys, **env))  # the lease is over
        assert code == 0 and out.strip() == "sent 1, failed 0, waiting 0", out
    finally:
        server.stop()

    by_recipient = {}
    for mail in server.messages:
        by_recipient.setdefault(mail.rcpt_tos[0], []).append(mail.message["Message-ID"])
    assert sorted(by_recipient) == sorted(c.email for c in counselors)  # everyone at least once
    twice = {email: ids for email, ids in by_recipient.items() if len(ids) > 1}
    assert len(twice) == 1 and len(server.messages) == 7  # only the email in flight went again...
    [ids] = twice.values()
    assert len(set(ids)) == 1 and re.fullmatch(r"<dari\.\d+\.[0-9a-f]{16}@dari\.local>", ids[0])  # ...as the same one
    with app.app_context():
        assert all(
            row.sent_at is not None and row.claimed_at is None for row in db.session.scalars(select(OutboxMessage))
        )


def seed_reports(app, school_id: int, count: int) -> None:
    with app.app_context():
        for n in range(count):
            new_report(
                school_id,
                what_enc=reports_crypto.encrypt(f"report {n}"),
                where_enc=reports_crypto.encrypt("a group chat"),
            )
        db.session.commit()


def first_key_reads(app, key: str) -> int:
    fernet = Fernet(key)
    with app.app_context():
        done = 0
        for token in db.session.scalars(select(Report.what_enc)):
            with contextlib.suppress(InvalidToken):  # still under the old key
                fernet.decrypt(token.encode())
                done += 1
        db.session.rollback()
        return done


def test_an_interrupted_key_rotation_is_checked_and_resumed(app_factory, shared_url, tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = app_factory(SQLALCHEMY_DATABASE_URI=shared_url, REPORT_KEYS=[old])
    school = Factory(app).school("ALPHA")
    total = 600
    seed_reports(app, school.id, total)

    rotation = flask(["reports", "rotate-keys", "--batch", "5"], shared_url, tmp_path, [new, old])
    line = rotation.stdout.readline()
    rest = kill(rotation)  # after its first committed batch, long before the last
    assert re.fullmatch(r"re-encrypted \d+ row\(s\) so far\n", line), line + rest
    done = first_key_reads(app, new)
    assert 5 <= done < total  # rows under both keys now

    code, out = finish(flask(["reports", "rotate-keys", "--check"], shared_url, tmp_path, [new, old]))
    assert code == 1, out
    assert f"NOT DONE: {total - done} row(s) still need an older key and 0 no key reads (reports {total - done})" in out

    code, out = finish(flask(["reports", "rotate-keys"], shared_url, tmp_path, [new, old]))
    assert code == 0, out
    assert f"re-encrypted {total - done} row(s) with the newest key" in out  # only what was left
    assert f"ok: the first key reads all {total} encrypted row(s)" in out

    code, out = finish(flask(["reports", "rotate-keys", "--check"], shared_url, tmp_path, [new]))  # old key retired
    assert code == 0 and "ok: the first key reads all 600" in out, out
    app.config["REPORT_KEYS"] = [new]
    with app.app_context():
        texts = {reports_crypto.decrypt(t) for t in db.session.scalars(select(Report.what_enc))}
    assert texts == {f"report {n}" for n in range(total)}


def test_urgent_ack_minutes_zero_stops_a_command_with_a_clear_message(shared_url, tmp_path):
    code, out = finish(
        flask(["outbox", "status"], shared_url, tmp_path, [Fernet.generate_key().decode()], URGENT_ACK_MINUTES=0)
    )
    assert code != 0
    assert "URGENT_ACK_MINUTES must be a whole number of minutes, at least 1 (it is 0)" in out
