"""Who is alerted about a report, and the outbox rows that say so (never the report's content)."""

import logging

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.models.outbox import OutboxMessage
from app.models.report import Report, RoutingRule
from app.models.school import School
from app.models.user import Role, User

log = logging.getLogger("app.notify")  # one logger name for the whole package

REPORT_KINDS = ("new", "urgent", "escalated")


def _active_staff(school_id: int, *roles: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.school_id == school_id, User.active.is_(True), User.role.in_(roles))
            .order_by(User.id)
        )
    )


def recipients(report: Report) -> list[User]:
    """Active staff of the report's school who are told about it; never empty while the school
    has an active counselor or admin. Urgent: every counselor and admin. Otherwise the counselors
    the school's routing rules name for the category, else every counselor, else the admins."""
    if report.urgent:
        return _active_staff(report.school_id, Role.COUNSELOR, Role.SCHOOL_ADMIN)
    routed = list(
        db.session.scalars(
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
        )
    )
    if routed:
        return routed
    return _active_staff(report.school_id, Role.COUNSELOR) or _active_staff(report.school_id, Role.SCHOOL_ADMIN)


# --- what ----------------------------------------------------------------------------------------
def _locale_for(user: User, school: School) -> str:
    languages = current_app.config["LANGUAGES"]
    for choice in (user.locale, school.default_locale):
        if choice is not None and choice in languages:
            return choice
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def report_link(report: Report) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/counsel/reports/{report.id}"


def _compose(report: Report, kind: str) -> tuple[str, str]:
    """Subject and body in the current locale. Only the school, the reference and a link."""
    school, ref, link = report.school.name, report.ref, report_link(report)
    urgent = report.urgent or kind == "urgent"
    if kind == "escalated":
        subject = gettext("Still not acknowledged: urgent report %(ref)s", ref=ref)
        opening = gettext(
            "An urgent report for %(school)s is still waiting in Dari: nobody has acknowledged it yet.", school=school
        )
    elif kind == "reporter_message":
        subject = gettext("New message from a reporter in Dari: report %(ref)s", ref=ref)
        opening = gettext(
            "The person who made a report for %(school)s wrote a new message. It is waiting in Dari.", school=school
        )
    elif urgent:
        subject = gettext("URGENT: a report says someone may be in danger")
        opening = gettext(
            "An urgent report for %(school)s is waiting in Dari: the person reporting says someone may be in danger.",
            school=school,
        )
    else:
        subject = gettext("New report waiting in Dari")
        opening = gettext("A new report for %(school)s is waiting in Dari.", school=school)
    lines = [opening, "", gettext("Reference: %(ref)s", ref=ref), gettext("Open it: %(link)s", link=link)]
    if urgent and report.acknowledged_at is None:
        lines += ["", gettext("Please acknowledge it in Dari as soon as possible.")]
    lines += [
        "",
        gettext("For everyone's safety this email never contains what a report says. Sign in to Dari to read it."),
    ]
    return subject, "\n".join(lines) + "\n"


def _queue(report: Report, kind: str, n: int, people: list[User], compose_as: str | None = None) -> list[OutboxMessage]:
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
        message = OutboxMessage(
            dedupe_key=key,
            to_email=user.email,
            subject=subject,
            body=body,
            school_id=report.school_id,
            urgent=bool(report.urgent or kind == "escalated"),
        )
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
        if (
            handler is not None
            and handler.active
            and handler.school_id == report.school_id
            and handler.role in (Role.COUNSELOR, Role.SCHOOL_ADMIN)
        ):
            people.append(handler)
    return _queue(report, kind, n, people)
