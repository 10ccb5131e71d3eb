"""Delivering outbox rows over SMTP: at least once, each attempt under the same Message-ID.

A row is claimed with a short lease just before it is sent, on a connection already open, and
marked sent in its own short transaction straight after the server's 250 to DATA. A deliverer
killed in between leaves a claim that another may take over once the lease (OUTBOX_CLAIM_SECONDS)
is over, and the row is sent again under the same Message-ID: that gap, between the server's
"accepted" and the database's "sent", is the one no SMTP client can close.

Failures wait: urgent alerts one minute every time, others with backoff (1, 2, 4 … 60 minutes).
Rows that failed only because the server could not be reached are released as soon as a
connection succeeds again, and a delivery run with nothing due tries one connection for them.
"""

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from flask import Config, current_app
from sqlalchemy import ColumnElement, func, or_, select, update

from app.extensions import db
from app.models.base import to_minute, utcnow
from app.models.outbox import OutboxMessage
from app.ops.state import records_run
from app.transactions import retrying, rows_changed

log = logging.getLogger("app.notify")  # one logger name for the whole package

# A claim older than this belongs to a deliverer that died while sending; another may take the row
# over. It must outlast one send on an open connection (MAIL, RCPT, DATA: each up to MAIL_TIMEOUT).
DEFAULT_CLAIM_SECONDS = 60
MAX_BACKOFF_MINUTES = 60
URGENT_RETRY = timedelta(minutes=1)


def backoff(attempts: int, urgent: bool = False) -> timedelta:
    """Wait after the attempts-th failure: urgent alerts one minute every time; others 1, 2, 4,
    8 … minutes, at most an hour."""
    if urgent:
        return URGENT_RETRY
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def claim_timeout(config: Config) -> timedelta:
    return timedelta(seconds=float(config.get("OUTBOX_CLAIM_SECONDS") or DEFAULT_CLAIM_SECONDS))


def _connect(config: Config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    conn: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            conn.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            conn.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        _close(conn)
        raise
    return conn


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


def _email(message: OutboxMessage, config: Config) -> EmailMessage:
    email = EmailMessage()
    sender = config["MAIL_DEFAULT_SENDER"]
    email["From"] = sender
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else urlsplit(config["PUBLIC_BASE_URL"]).hostname
    email["Message-ID"] = message_id(message, domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body, charset="utf-8")
    return email


def message_id(message: OutboxMessage, domain: str | None) -> str:
    """The same for every attempt at one outbox row, so a resend after a crash between sending
    and recording it is recognisable as the same email (mail clients and the counselor see one)."""
    digest = hashlib.sha256(message.dedupe_key.encode("utf-8")).hexdigest()[:16]
    return f"<dari.{message.id}.{digest}@{domain or 'dari.local'}>"


def _short_error(exc: BaseException) -> str:
    """What went wrong, without any address or message text."""
    text = type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text += f" {exc.smtp_code}: {detail}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        text += f" {codes}"
    elif isinstance(exc, OSError) and exc.strerror:
        text += f": {exc.strerror}"
    return text[:300]


class _Smtp:
    """One connection per batch, opened on first need; after a failed connect the rest of the
    batch does not try again (the server is down), after a broken one the next row reconnects."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None
        self.error: str | None = None

    def open(self) -> smtplib.SMTP | None:
        if self.conn is None and self.error is None:
            try:
                self.conn = _connect(self.config)
            except (OSError, smtplib.SMTPException) as exc:
                self.error = _short_error(exc)
        return self.conn

    def drop(self) -> None:
        _close(self.conn)
        self.conn = None

    def send(self, message: OutboxMessage) -> tuple[str | None, bool]:
        """(error or None, whether the failure was the server being unreachable)."""
        conn = self.open()
        if conn is None:
            return self.error, True
        try:
            conn.send_message(_email(message, self.config))
        except (OSError, smtplib.SMTPException) as exc:
            # SMTPException is an OSError too: only a socket error or a hang-up means the server is gone.
            down = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(exc, smtplib.SMTPException)
            if down:
                self.drop()  # broken connection: the next row reconnects
            return _short_error(exc), down
        return None, False


def _not_claimed() -> ColumnElement[bool]:
    stale = utcnow() - claim_timeout(current_app.config)
    return or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale)


def _claim(message_id: int) -> bool:
    """Take one row for sending, for one lease from now; True only for the one deliverer whose
    update changed it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), _not_claimed())
        .values(claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rows_changed(result) == 1


def _mark_sent(message_id: int, now: datetime) -> None:
    # Kept to the minute (as the ORM does for sent_at): a sent time must not line up with a report.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(sent_at=to_minute(now), claimed_at=None, last_error=None, waiting_on_server=False)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_failed(message: OutboxMessage, now: datetime, error: str, server_down: bool) -> None:
    message.attempts = (message.attempts or 0) + 1
    message.next_attempt_at = now + backoff(message.attempts, message.urgent)
    message.last_error, message.claimed_at, message.waiting_on_server = error, None, server_down
    log.warning("outbox %d: delivery failed (attempt %d)", message.id, message.attempts)
    db.session.commit()


def pending_count() -> int:
    return (
        db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))) or 0
    )


def release_backlog(now: datetime, all_waiting: bool = False) -> int:
    """Make waiting rows due now: those that failed because the server was unreachable (after a
    connection succeeded), or every waiting row (`flask outbox deliver --now`). Commits."""
    query = update(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at > now)
    if not all_waiting:
        query = query.where(OutboxMessage.waiting_on_server.is_(True))
    query = query.values(next_attempt_at=now).execution_options(synchronize_session=False)

    def work() -> int:
        result = db.session.execute(query)
        db.session.commit()
        return rows_changed(result)

    # Many rows in one statement: two deliverers releasing at once may deadlock on PostgreSQL.
    return retrying(work)


def _due(now: datetime, limit: int, ids: Collection[int] | None = None) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now, _not_claimed())
        .order_by(OutboxMessage.urgent.desc(), OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    found = list(db.session.scalars(query))
    db.session.commit()  # end the read; every claim is its own short write
    return found


def _waiting_on_server() -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.waiting_on_server.is_(True))
        )
        or 0
    ) > 0


def deliver(ids: Iterable[int | str] | None = None, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send due outbox rows (optionally only these ids) over one SMTP connection; returns
    (sent, failed). Urgent rows go first. Once a connection succeeds, rows that were waiting for
    the server are released and sent in the same run (up to limit). Commits."""
    now = now or utcnow()
    only = None if ids is None else [int(i) for i in ids]
    if only is not None and not only:
        return 0, 0
    queue = _due(now, limit, only)
    probe = not queue and only is None and _waiting_on_server()
    if not queue and not probe:
        return 0, 0
    smtp, sent, failed, released = _Smtp(current_app.config), 0, 0, False
    try:
        while queue or (probe and not released):
            if smtp.open() is not None and not released:
                released = True
                if release_backlog(now):
                    queue += [i for i in _due(now, limit) if i not in queue][
                        : max(limit - len(queue) - sent - failed, 0)
                    ]
            if not queue:
                break
            message_id = queue.pop(0)
            if not _claim(message_id):
                continue
            message = db.session.get(OutboxMessage, message_id)
            if message is None:  # deleted meanwhile
                continue
            error, server_down = smtp.send(message)
            if error is None:
                _mark_sent(message_id, now)  # straight after the 250: the window is this commit
                sent += 1
            else:
                _mark_failed(message, now, error, server_down)
                failed += 1
    finally:
        smtp.drop()
    if sent or failed:
        log.info("outbox: sent %d, failed %d", sent, failed)
    return sent, failed


@records_run("deliver", describe=lambda result: "sent {} failed {}".format(*result))
def deliver_all(limit: int = 100, now: datetime | None = None, release_all: bool = False) -> tuple[int, int]:
    """Deliver in batches until nothing due is left (cron, the scheduler). release_all first makes
    every waiting row due now, whatever its backoff."""
    now = now or utcnow()
    if release_all:
        release_backlog(now, all_waiting=True)
    sent = failed = 0
    while True:
        batch_sent, batch_failed = deliver(now=now, limit=limit)
        sent, failed = sent + batch_sent, failed + batch_failed
        # Every row handled leaves the due set (sent, or pushed into the future), so this ends.
        if batch_sent + batch_failed < limit:
            return sent, failed
