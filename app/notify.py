"""Alerts about reports: who receives them, the outbox they wait in, SMTP delivery, escalation.

An alert says only that something is waiting and where: the school, the staff reference and a
link. It never holds what a report says, who is affected, or its category. Alerts are written to
the outbox in the caller's transaction, so a report is never saved without its alerts (nor the
reverse), and are delivered later by `deliver()` with retries. Logs name counts and outbox ids only.
"""
import logging
import smtplib
import ssl
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models.base import utcnow
from app.models.report import OutboxMessage, Report, RoutingRule, Status
from app.models.school import School
from app.models.user import Role, User

log = logging.getLogger(__name__)

# A claim older than this belongs to a deliverer that died mid-batch; another may take the row over.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_BACKOFF_MINUTES = 60
REPORT_KINDS = ("new", "urgent", "escalated")


# --- who ------------------------------------------------------------------------------------------
def _active_staff(school_id: int, *roles: str) -> list[User]:
    return list(db.session.scalars(
        select(User)
        .where(User.school_id == school_id, User.active.is_(True), User.role.in_(roles))
        .order_by(User.id)
    ))


def recipients(report: Report) -> list[User]:
    """Active staff of the report's school who are told about it; never empty while the school
    has an active counselor or admin. Urgent: every counselor and admin. Otherwise the counselors
    the school's routing rules name for the category, else every counselor, else the admins."""
    if report.urgent:
        return _active_staff(report.school_id, Role.COUNSELOR, Role.SCHOOL_ADMIN)
    routed = list(db.session.scalars(
        select(User)
        .join(RoutingRule, RoutingRule.user_id == User.id)
        .where(
            RoutingRule.school_id == report.school_id,
            RoutingRule.category == report.category,
            User.school_id == report.school_id,
            User.role == Role.COUNSELOR,
            User.active.is_(True),
        )
        .order_by(User.id)
    ))
    if routed:
        return routed
    return _active_staff(report.school_id, Role.COUNSELOR) or _active_staff(report.school_id, Role.SCHOOL_ADMIN)


# --- what ----------------------------------------------------------------------------------------
def _locale_for(user: User, school: School) -> str:
    languages = current_app.config["LANGUAGES"]
    for choice in (user.locale, school.default_locale):
        if choice in languages:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def report_link(report: Report) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/counsel/reports/{report.id}"


def _compose(report: Report, kind: str) -> tuple[str, str]:
    """Subject and body in the current locale. Only the school, the reference and a link."""
    school, ref, link = report.school.name, report.ref, report_link(report)
    urgent = report.urgent or kind == "urgent"
    if kind == "escalated":
        subject = gettext("Still not acknowledged: urgent report %(ref)s", ref=ref)
        opening = gettext("An urgent report for %(school)s is still waiting in Dari: nobody has acknowledged it yet.",
                          school=school)
    elif kind == "reporter_message":
        subject = gettext("New message from a reporter in Dari: report %(ref)s", ref=ref)
        opening = gettext("The person who made a report for %(school)s wrote a new message. It is waiting in Dari.",
                          school=school)
    elif urgent:
        subject = gettext("URGENT: a report says someone may be in danger")
        opening = gettext("An urgent report for %(school)s is waiting in Dari: the person reporting says someone "
                          "may be in danger.", school=school)
    else:
        subject = gettext("New report waiting in Dari")
        opening = gettext("A new report for %(school)s is waiting in Dari.", school=school)
    lines = [opening, "", gettext("Reference: %(ref)s", ref=ref), gettext("Open it: %(link)s", link=link)]
    if urgent and report.acknowledged_at is None:
        lines += ["", gettext("Please acknowledge it in Dari as soon as possible.")]
    lines += ["", gettext("For everyone's safety this email never contains what a report says. "
                          "Sign in to Dari to read it.")]
    return subject, "\n".join(lines) + "\n"


def _queue(report: Report, kind: str, n: int, people: list[User],
           compose_as: str | None = None) -> list[OutboxMessage]:
    if report.id is None:
        raise ValueError("flush the report before queueing its alerts")
    keys = {user.id: f"report:{report.id}:{kind}:{n}:{user.id}" for user in people if user.email}
    if not keys:
        log.warning("outbox: report alert has no recipient (kind %s)", kind)
        return []
    taken = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values()))))
    school = report.school
    queued = []
    for user in people:
        key = keys.get(user.id)
        if key is None or key in taken:
            continue
        with force_locale(_locale_for(user, school)):
            subject, body = _compose(report, compose_as or kind)
        message = OutboxMessage(dedupe_key=key, to_email=user.email, subject=subject, body=body)
        db.session.add(message)
        queued.append(message)
    db.session.flush()  # gives ids for deliver_after_request(); the caller commits
    return queued


def queue_report_alerts(report: Report, kind: str = "new") -> list[OutboxMessage]:
    """Add one outbox row per recipient to the session without committing, so they are written in
    the same transaction as the report. kind: "new" (or "urgent", the same alert) or "escalated"
    (every active counselor and admin; one email per person per escalation round). Alerts already
    queued under the same key are skipped. The report must have an id (flush first)."""
    if kind not in REPORT_KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    if kind == "escalated":
        people = _active_staff(report.school_id, Role.COUNSELOR, Role.SCHOOL_ADMIN)
        return _queue(report, kind, report.escalation_count or 0, people)
    # "urgent" is the first alert too: one key, so a report is never announced twice.
    return _queue(report, "new", 0, recipients(report), compose_as=kind)


def queue_message_alert(report: Report, n: int, kind: str = "reporter_message") -> list[OutboxMessage]:
    """Tell the report's recipients (and whoever acknowledged it) that the reporter wrote again.
    n numbers the event (e.g. the message count): one email per person per n."""
    people = recipients(report)
    if report.acknowledged_by_id and report.acknowledged_by_id not in {u.id for u in people}:
        handler = db.session.get(User, report.acknowledged_by_id)
        if (handler is not None and handler.active and handler.school_id == report.school_id
                and handler.role in (Role.COUNSELOR, Role.SCHOOL_ADMIN)):
            people.append(handler)
    return _queue(report, kind, n, people)


# --- delivery ------------------------------------------------------------------------------------
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
    email["Message-ID"] = make_msgid(domain=domain or None)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body, charset="utf-8")
    return email


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


def _deliver_in_background(app, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver(ids=ids)
        except Exception as exc:  # noqa: BLE001 - a background thread has nobody to raise to
            db.session.rollback()
            log.error("outbox: background delivery failed (%s); cron will retry", type(exc).__name__)


def deliver_after_request(ids) -> threading.Thread | None:
    """Send these outbox rows now in a daemon thread, when OUTBOX_DELIVER_AFTER_REQUEST is on;
    otherwise leave them to `flask outbox deliver`. Call after the commit. Never raises.
    Returns the thread (tests join it), or None."""
    try:
        if not current_app.config.get("OUTBOX_DELIVER_AFTER_REQUEST"):
            return None
        ids = [getattr(i, "id", i) for i in ids or ()]
        if not ids:
            return None
        app = current_app._get_current_object()
        thread = threading.Thread(target=_deliver_in_background, args=(app, ids), name="dari-outbox", daemon=True)
        thread.start()
        return thread
    except Exception as exc:  # noqa: BLE001 - the report is saved; cron delivers what is left
        log.error("outbox: could not start background delivery (%s)", type(exc).__name__)
        return None


# --- escalation ----------------------------------------------------------------------------------
def escalate(now: datetime | None = None) -> int:
    """Alert every active counselor and admin again about urgent reports nobody acknowledged
    within the school's window (School.urgent_ack_minutes, else URGENT_ACK_MINUTES) since the
    report or its last escalation. Commits each; returns how many reports escalated."""
    now = now or utcnow()
    default_minutes = current_app.config["URGENT_ACK_MINUTES"]
    rows = db.session.execute(
        select(Report, School.urgent_ack_minutes)
        .join(School, School.id == Report.school_id)
        .where(Report.urgent.is_(True), Report.acknowledged_at.is_(None), Report.status != Status.CLOSED)
        .order_by(Report.id)
    ).all()
    escalated = 0
    for report, school_minutes in rows:
        minutes = school_minutes if school_minutes is not None else default_minutes
        last = report.escalated_at or report.created_at
        if now - last < timedelta(minutes=max(int(minutes), 1)):
            continue
        # Conditional on the count we read: of two concurrent runs, only one escalates this round.
        result = db.session.execute(
            update(Report)
            .where(
                Report.id == report.id,
                Report.escalation_count == report.escalation_count,
                Report.acknowledged_at.is_(None),
                Report.status != Status.CLOSED,
            )
            .values(escalation_count=Report.escalation_count + 1, escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.rollback()
            continue
        db.session.refresh(report)
        queue_report_alerts(report, "escalated")
        db.session.commit()
        escalated += 1
    if escalated:
        log.info("reports: escalated %d unacknowledged urgent report(s)", escalated)
    return escalated
