"""Delivering outbox rows over SMTP: claimed first so no alert is sent twice, retried with backoff."""
import hashlib
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models.base import utcnow
from app.models.report import OutboxMessage

log = logging.getLogger("app.notify")  # one logger name for the whole package

# A claim older than this belongs to a deliverer that died mid-batch; another may take the row over.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_BACKOFF_MINUTES = 60


def backoff(attempts: int) -> timedelta:
    """Wait after the attempts-th failure: 1, 2, 4, 8 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
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


def _email(message: OutboxMessage, config) -> EmailMessage:
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


def _claim(message_id: int, now: datetime) -> bool:
    """Take one row for sending; True only for the one deliverer whose update changed it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))


def deliver(ids=None, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send due outbox rows (optionally only these ids) over one SMTP connection; returns
    (sent, failed). Each row is claimed and committed before it is sent, so concurrent deliverers
    never send the same alert twice. A failed row is retried later with backoff. Commits."""
    now = now or utcnow()
    config = current_app.config
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        ids = [int(i) for i in ids]
        if not ids:
            return 0, 0
        query = query.where(OutboxMessage.id.in_(ids))
    candidates = list(db.session.scalars(query))
    db.session.commit()  # end the read; every claim is its own short write
    sent = failed = 0
    conn: smtplib.SMTP | None = None
    connect_error: str | None = None  # the server could not be reached: the rest of the batch waits too
    try:
        for message_id in candidates:
            if not _claim(message_id, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            if message is None:  # deleted meanwhile
                continue
            error = connect_error
            if error is None and conn is None:
                try:
                    conn = _connect(config)
                except (OSError, smtplib.SMTPException) as exc:
                    error = connect_error = _short_error(exc)
            if error is None:
                try:
                    conn.send_message(_email(message, config))
                except (OSError, smtplib.SMTPException) as exc:
                    error = _short_error(exc)
                    if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                        _close(conn)  # broken connection: the next row reconnects
                        conn = None
            if error is None:
                message.sent_at = now
                message.claimed_at = None
                message.last_error = None
                sent += 1
            else:
                message.attempts = (message.attempts or 0) + 1
                message.next_attempt_at = now + backoff(message.attempts)
                message.last_error = error
                message.claimed_at = None
                failed += 1
                log.warning("outbox %d: delivery failed (attempt %d)", message_id, message.attempts)
            db.session.commit()
    finally:
        _close(conn)
    if sent or failed:
        log.info("outbox: sent %d, failed %d", sent, failed)
    return sent, failed
