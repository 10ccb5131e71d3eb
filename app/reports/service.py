"""Filing a report: encrypted, hashed, routed and announced in one transaction, exactly once per form.

Each details form carries a signed `submission` token. The report stores only a hash of it, and
the receipt code is derived from it with a server secret, so sending the same form again (a double
click, a refresh, "send again" after an error) finds the stored report and shows the same receipt,
never a second report and never a false "NOT sent". The unique constraint on the token's hash is what
decides: two copies arriving at once cannot both be stored.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app import notify
from app.extensions import db
from app.models import Report, School
from app.models.report import Category, new_ref
from app.reports import crypto
from app.transactions import begin_write, retrying, writing

if TYPE_CHECKING:
    from app.reports.forms import DetailsForm

SUBMISSION_SALT = "report-submission"
REF_TRIES = 8


class NotFiled(Exception):
    """Nothing was stored: the transaction was rolled back before it could commit."""


class Unconfirmed(Exception):
    """The commit failed in a way that leaves its outcome unknown, and checking failed too."""


@dataclass
class Filed:
    report_id: int
    ref: str
    receipt: str
    urgent: bool
    repeat: bool = False  # this form had been filed before: nothing new was stored
    outbox_ids: list[int] = field(default_factory=list)


def new_submission_token() -> str:
    """A fresh, signed token for one details form (its issue time is inside the signature)."""
    return _serializer().dumps(secrets.token_urlsafe(18))


def submission_issued_at(token: str) -> datetime | None:
    """When the form carrying this token was made, or None for a token we did not sign."""
    try:
        _, issued = _serializer().loads(token, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    return cast(datetime, issued).astimezone(UTC)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SUBMISSION_SALT)


def submission_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def receipt_for(token: str) -> str:
    """16 digits derived from the form's token with the receipt secret: the same form always
    gets the same receipt, and nobody without the token and the secret can work it out."""
    secret = current_app.config["RECEIPT_SECRET"].encode("utf-8")
    digest = hmac.new(secret, b"receipt-of-submission:" + token.encode("utf-8"), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:16], 'big') % 10**16:016d}"


def find_filed(token: str) -> Filed | None:
    """The report already filed from this form, if any."""
    row = db.session.execute(
        select(Report.id, Report.ref, Report.urgent).where(Report.submission_hash == submission_hash(token))
    ).first()
    if row is None:
        return None
    return Filed(report_id=row.id, ref=row.ref, receipt=receipt_for(token), urgent=row.urgent, repeat=True)


def file_report(school: School, form: "DetailsForm") -> Filed:
    """Store the report and queue its alerts in one transaction, or find the one this form already
    filed. Lock timeouts and serialization failures are retried. Raises NotFiled when nothing was
    stored, Unconfirmed when that cannot be known."""
    token = form.submission.data
    school_id = school.id  # read now: the school object expires when each attempt begins
    stage = {"committing": False}

    def attempt() -> Filed:
        stage["committing"] = False
        begin_write()
        filed = _insert(school_id, form, token)
        if filed.repeat:
            db.session.rollback()
            return filed
        stage["committing"] = True
        db.session.commit()
        return filed

    try:
        with writing():
            return retrying(attempt)
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.error("report not saved: %s", type(exc).__name__)
        if not stage["committing"]:
            raise NotFiled from exc
        return _outcome_of_failed_commit(token, exc)


def _outcome_of_failed_commit(token: str, exc: SQLAlchemyError) -> Filed:
    """A commit that failed may still have been applied (the connection broke after the server
    committed). Look: the reporter is told the truth either way."""
    try:
        filed = find_filed(token)
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        raise Unconfirmed from exc
    if filed is None:
        raise NotFiled from exc
    return filed


def _insert(school_id: int, form: "DetailsForm", token: str) -> Filed:
    urgent = form.category.data == Category.DANGER
    receipt = receipt_for(token)
    fields = {
        "school_id": school_id,
        "receipt_hash": crypto.keyed_hash(receipt),
        "submission_hash": submission_hash(token),
        "category": form.category.data,
        "affected": form.affected.data,
        "urgent": urgent,
        "wants": sorted(form.wants.data or []),
        "consent_parents": form.consent_parents.data,
        "consent_police": form.consent_police.data,
        "where_enc": crypto.encrypt((form.where.data or "").strip()),
        "when_enc": crypto.encrypt((form.when.data or "").strip()),
        "what_enc": crypto.encrypt(form.what.data.strip()),
    }
    for _ in range(REF_TRIES):
        report = Report(ref=new_ref(), **fields)
        try:
            with db.session.begin_nested():  # a clash rolls back this savepoint only
                db.session.add(report)
        except IntegrityError:
            existing = find_filed(token)
            if existing is not None:  # the same form, filed by a copy that arrived first
                return existing
            continue  # the reference was taken meanwhile: draw another
        messages = notify.queue_report_alerts(report, "urgent" if urgent else "new")
        db.session.flush()
        return Filed(
            report_id=report.id, ref=report.ref, receipt=receipt, urgent=urgent, outbox_ids=[m.id for m in messages]
        )
    db.session.rollback()
    raise NotFiled("no free report reference")
