"""The reporter's follow-up session: the receipt code opens a report, a cookie of its own keeps it
open for a few idle minutes, and the reporter reads what concerns them and writes back.

The cookie is not the account session: nothing here reads or writes flask.session or the logged-in
user. The cookie is opaque (Fernet-encrypted): inside are only the report id, the report's follow-up
version and when it was last used. Leaving (the button or quick exit) bumps the version, so a copy
of the cookie stops working on the server too. What the reporter sees is
chosen here, not in the template: internal notes, action details and reasons, police and parents
steps and counselors' names are never even loaded."""

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, request
from flask_babel import LazyString, format_date, gettext as _, lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import notify
from app.extensions import db
from app.models import CaseAction, CaseMessage, Report
from app.models.base import to_minute, utcnow
from app.models.case import ActionKind, RemovalStatus
from app.models.report import Status
from app.reports import crypto

COOKIE = "dari_followup"
PATH = "/report/follow-up"
SALT = "dari.report-follow-up"


def clock() -> float:
    """The time the cookie is stamped and checked with; tests replace it to move time on."""
    return time.time()


def _fernet() -> Fernet:
    """A key of its own, derived from SECRET_KEY: the cookie is opaque, and forging it needs the key."""
    digest = hashlib.sha256(f"{SALT}:{current_app.secret_key!s}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def idle_minutes() -> int:
    return int(current_app.config["FOLLOWUP_IDLE_MINUTES"])


@dataclass(frozen=True)
class Visit:
    """What the cookie says: a report id, or that it ran out, or nothing usable."""

    report_id: int | None = None
    version: int | None = None
    expired: bool = False
    present: bool = False


def current_visit() -> Visit:
    """Read the follow-up cookie. A forged or damaged cookie counts as no cookie."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return Visit()
    fernet = _fernet()
    try:
        stamped = fernet.extract_timestamp(raw.encode("ascii"))
        data = json.loads(fernet.decrypt(raw.encode("ascii")))
    except (InvalidToken, UnicodeError, ValueError):
        return Visit(present=True)
    if clock() - stamped > idle_minutes() * 60:
        return Visit(expired=True, present=True)
    if not isinstance(data, dict):
        return Visit(present=True)
    report_id, version = data.get("r"), data.get("v")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (report_id, version)):
        return Visit(present=True)
    return Visit(report_id=report_id, version=version, present=True)


def open_report(visit: Visit) -> Report | None:
    """The report the cookie names, unless it was purged or its follow-up was closed meanwhile."""
    if visit.report_id is None:
        return None
    report = db.session.get(Report, visit.report_id)
    if report is None or report.purged_at is not None or report.followup_version != visit.version:
        return None
    return report


def cookie_key(report: Report) -> tuple[int, int]:
    return report.id, report.followup_version


def end_followup(report: Report) -> None:
    """Close the follow-up on the server: every cookie issued for this report stops working."""
    report.followup_version = Report.followup_version + 1
    db.session.commit()


def report_for_code(text: str) -> Report | None:
    """The report a receipt code opens. Malformed and unknown codes are the same None."""
    digits = crypto.normalize_receipt((text or "")[:64])
    if digits is None:
        return None
    return db.session.scalar(
        select(Report).where(Report.receipt_hash == crypto.keyed_hash(digits), Report.purged_at.is_(None))
    )


def _cookie_options() -> dict[str, Any]:
    return {
        "path": PATH,
        "httponly": True,
        "samesite": "Strict",
        "secure": bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    }


def keep_open(response: Response, key: tuple[int, int]) -> Response:
    """Stamp the cookie with the current time: every request restarts the idle clock. `key` is
    (report id, follow-up version), read before any commit or rollback could expire them."""
    payload = json.dumps({"r": key[0], "v": key[1]}).encode("utf-8")
    token = _fernet().encrypt_at_time(payload, int(clock())).decode("ascii")
    response.set_cookie(COOKIE, token, max_age=idle_minutes() * 60, **_cookie_options())
    return response


def close(response: Response) -> Response:
    response.delete_cookie(COOKIE, **_cookie_options())
    return response


# --- what the reporter sees ----------------------------------------------------------------------
STATUS_WORDS: dict[str, LazyString] = {
    Status.NEW: _l("Received — waiting for a counselor to read it"),
    Status.ACKNOWLEDGED: _l("A counselor has read your report"),
    Status.IN_PROGRESS: _l("A counselor is working on it"),
    Status.REFERRED: _l("Your report was passed on to people who can help further"),
    Status.CLOSED: _l("This report is closed"),
}
# The counselor's outcome (app.counsel.forms.OUTCOME_LABELS) in the reporter's words; "other" says
# nothing more. Police referrals are told neutrally: the counselor explains those in a message.
OUTCOME_WORDS: dict[str, LazyString] = {
    "supported": _l("The counselors gave support to the people involved."),
    "content_removed": _l("The images or posts were removed."),
    "referred_police": _l("It was passed on to people outside the school who can help further."),
    "referred_support_center": _l(
        "It was passed on to the Digital Sex Crime Victim Support Center, which can help further."
    ),
    "no_further_action": _l("The counselors looked into it. The school is not taking further steps for now."),
}
# Only these steps concern the reporter; the others stay with the counselors.
SHOWN_ACTIONS = (ActionKind.REMOVAL, ActionKind.SUPPORT_CENTER)


@dataclass(frozen=True)
class MessageLine:
    from_reporter: bool
    who: str
    when: str
    text: str
    new: bool


@dataclass
class ReporterView:
    status: str
    closed: bool
    outcome: str | None
    sent_on: str
    actions: list[tuple[str, str]] = field(default_factory=list)  # (when, words)
    messages: list[MessageLine] = field(default_factory=list)

    @property
    def new_count(self) -> int:
        return sum(1 for m in self.messages if m.new)


def _when(report: Report, moment: datetime) -> str:
    """A stored UTC moment in the school's time: the reporter has no account with a time zone."""
    local = moment.astimezone(report.school.tz)
    return f"{format_date(local.date(), 'medium')} {local:%H:%M}"


def _action_words(action: CaseAction) -> str:
    if action.kind == ActionKind.SUPPORT_CENTER:
        return _(
            "Passed on to the Digital Sex Crime Victim Support Center, which helps remove images and "
            "supports the people harmed"
        )
    platform = action.platform or _("the platform")
    if action.status == RemovalStatus.REMOVED:
        return _("Removed from %(platform)s", platform=platform)
    if action.status == RemovalStatus.REFUSED:
        return _("%(platform)s refused to remove it — the counselor can explain next steps", platform=platform)
    return _("Removal requested from %(platform)s", platform=platform)


def reporter_view(report: Report) -> ReporterView:
    """Where the report stands, the steps that concern the reporter, and the conversation."""
    seen = report.reporter_seen_at
    actions = db.session.scalars(
        select(CaseAction)
        .where(CaseAction.report_id == report.id, CaseAction.kind.in_([k.value for k in SHOWN_ACTIONS]))
        .order_by(CaseAction.done_on, CaseAction.id)
    )
    messages = db.session.scalars(
        select(CaseMessage).where(CaseMessage.report_id == report.id).order_by(CaseMessage.created_at, CaseMessage.id)
    )
    closed = report.status == Status.CLOSED
    return ReporterView(
        status=str(STATUS_WORDS.get(report.status, STATUS_WORDS[Status.NEW])),
        closed=closed,
        outcome=str(OUTCOME_WORDS[report.outcome]) if closed and report.outcome in OUTCOME_WORDS else None,
        sent_on=_when(report, report.created_at),
        actions=[(_when(report, a.done_on), _action_words(a)) for a in actions],
        messages=[
            MessageLine(
                from_reporter=m.from_reporter,
                who=_("You") if m.from_reporter else _("Counselor"),
                when=_when(report, m.created_at),
                text=crypto.decrypt(m.body_enc) or "",
                new=not m.from_reporter and (seen is None or m.created_at > seen),
            )
            for m in messages
        ],
    )


def add_reporter_message(report: Report, text: str) -> list[int]:
    """Store the reporter's message encrypted and queue the counselors' alert in one transaction.
    Returns the outbox ids to deliver after the commit. Its time is kept to the minute."""
    now = to_minute(utcnow())
    db.session.add(
        CaseMessage(
            report_id=report.id,
            from_reporter=True,
            author_id=None,
            body_enc=crypto.encrypt(text.strip()),
            created_at=now,
        )
    )
    # Counted in SQL, so two messages sent at once still get two numbers (and two alerts).
    report.reporter_message_count = Report.reporter_message_count + 1
    report.last_activity_at = now
    db.session.flush()
    alerts = notify.queue_message_alert(report, n=report.reporter_message_count)
    db.session.commit()
    return [m.id for m in alerts]
