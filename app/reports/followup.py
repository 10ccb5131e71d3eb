"""The reporter's follow-up at /report/follow-up: the receipt code opens the report, the reporter
reads where it stands and the counselors' replies, and answers. Anonymous like the report form:
nothing about the person is stored or logged, nor the code or which report was opened."""

import time
from time import sleep

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app import notify
from app.extensions import db
from app.helplines import help_lines
from app.models.base import to_minute, utcnow
from app.models.report import Report
from app.reports import bp, followup_session as visit_cookie, rate_limit
from app.reports.followup_session import add_reporter_message, reporter_view
from app.transactions import begin_write, reads_first, retrying, writing

MESSAGE_MAX = 4000


def _unix_newlines(text: object) -> object:
    return text.replace("\r\n", "\n") if isinstance(text, str) else text


class CodeForm(FlaskForm):
    # No validators: every wrong code, malformed or unknown, gets the same answer (see _open).
    code = StringField(
        _l("Your receipt code (16 digits)"),
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "off",
            "autocapitalize": "off",
            "spellcheck": "false",
        },
    )
    # A message that could not be sent because the page had closed, carried back after the code.
    draft = TextAreaField(_l("Your message (not sent yet)"), filters=[_unix_newlines], render_kw={"rows": 5})
    submit = SubmitField(_l("Open my report"))


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Answer, or add information"),
        filters=[_unix_newlines],
        validators=[
            DataRequired(message=_l("Write your message first.")),
            Length(
                max=MESSAGE_MAX,
                message=_l(
                    "Please keep your message under %(max)d characters. You can send the rest in a second message.",
                    max=MESSAGE_MAX,
                ),
            ),
        ],
        render_kw={"rows": 6},
    )
    submit = SubmitField(_l("Send to the counselors"))


def wrong_code_message() -> str:
    return _(
        "We could not open a report with that code. Check the 16 digits and try again. "
        "If you lost the code, you can send a new report."
    )


def expired_message() -> str:
    return _(
        "For your safety the page closed after %(minutes)d minutes without activity. Enter your code again.",
        minutes=visit_cookie.idle_minutes(),
    )


@bp.route("/report/follow-up", methods=["GET", "POST"])
@reads_first  # opening never waits for the write lock; remembering the visit is best effort
def follow_up() -> ResponseReturnValue:
    if request.method == "POST":
        return _open_with_code()
    visit = visit_cookie.current_visit()
    report = visit_cookie.open_report(visit)
    if report is None:
        notice = expired_message() if visit.expired else None
        if request.args.get("left"):
            notice = _("Your report page is closed on this device. You can come back any time with your code.")
        return _code_page(CodeForm(formdata=None), notice=notice, clear=visit.present)
    return _report_page(report, mark_seen=True, sent=bool(request.args.get("sent")))


def _open_with_code() -> Response:
    """Every attempt is counted and takes at least FOLLOWUP_DELAY_SECONDS, found or not, so
    neither trying many codes nor timing the answers tells anything."""
    started = time.monotonic()
    form = CodeForm()
    if not rate_limit.allows_followup_attempt():
        response = _code_page(
            form,
            status=429,
            problem=_(
                "Too many codes were tried from this network. Please wait a few minutes and try again. "
                "If someone is in danger now, call 112."
            ),
        )
        return _paced(response, started)
    report = visit_cookie.report_for_code(form.code.data)
    if report is None:
        current_app.logger.info("follow-up: a code did not open a report")
        form.code.errors = [wrong_code_message()]
        return _paced(_code_page(form, status=422), started)
    if form.draft.data and form.draft.data.strip():
        # Their unsent message goes back in the box, to check and send.
        draft = MessageForm(formdata=None, body=form.draft.data)
        return _paced(
            _report_page(
                report,
                form=draft,
                notice=_('Your message is not sent yet. Check it below and press "Send to the counselors".'),
            ),
            started,
        )
    response = redirect(url_for("reports.follow_up"), 303)
    return _paced(visit_cookie.keep_open(response, visit_cookie.cookie_key(report)), started)


@bp.route("/report/follow-up/message", methods=["POST"])
@reads_first
def follow_up_message() -> ResponseReturnValue:
    visit = visit_cookie.current_visit()
    report = visit_cookie.open_report(visit)
    form = MessageForm()
    if report is None:
        code_form = CodeForm(formdata=None, draft=form.body.data)
        notice = expired_message() if visit.expired else None
        return _code_page(
            code_form,
            status=403,
            notice=notice,
            clear=visit.present,
            problem=_(
                "Your message was NOT sent: the page had closed. What you wrote is kept below — enter your code "
                "to open your report again."
            ),
        )
    if not form.validate_on_submit():
        return _report_page(report, form=form, status=422)
    key, report_id, body = visit_cookie.cookie_key(report), report.id, form.body.data
    try:
        with writing():
            outbox_ids = retrying(lambda: _add_message(report_id, body))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("follow-up message not saved: database error")
        return _report_page(
            report,
            form=form,
            status=503,
            problem=_(
                "Your message was NOT sent because of a problem on our side. Please try again in a moment — "
                "what you wrote is still here."
            ),
        )
    current_app.logger.info("follow-up message saved")
    notify.deliver_after_request(outbox_ids)
    return visit_cookie.keep_open(redirect(url_for("reports.follow_up", sent=1), 303), key)


def _add_message(report_id: int, body: str) -> list[int]:
    begin_write()
    return add_reporter_message(db.session.get_one(Report, report_id), body)


@bp.route("/report/follow-up/leave", methods=["POST"])
@reads_first
def follow_up_leave() -> Response:
    """The close button, and quick exit's beacon: ends the follow-up on the server, not only here."""
    report = visit_cookie.open_report(visit_cookie.current_visit())
    if report is not None:
        report_id = report.id
        try:
            with writing():
                retrying(lambda: _end_followup(report_id))
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.error("follow-up not closed on the server: database error")
    return visit_cookie.close(redirect(url_for("reports.follow_up", left=1), 303))


def _code_page(
    form: CodeForm, status: int = 200, notice: str | None = None, problem: str | None = None, clear: bool = False
) -> Response:
    response = make_response(
        render_template("reports/followup_open.html", form=form, notice=notice, problem=problem), status
    )
    return visit_cookie.close(response) if clear else response


def _report_page(
    report: Report,
    form: MessageForm | None = None,
    status: int = 200,
    mark_seen: bool = False,
    sent: bool = False,
    notice: str | None = None,
    problem: str | None = None,
) -> Response:
    key, view = visit_cookie.cookie_key(report), reporter_view(report)
    if mark_seen:
        _mark_seen(report)
    response = make_response(
        render_template(
            "reports/followup.html",
            view=view,
            form=form or MessageForm(formdata=None),
            sent=sent,
            notice=notice,
            problem=problem,
            lines=help_lines(),
            max_length=MESSAGE_MAX,
        ),
        status,
    )
    return visit_cookie.keep_open(response, key)


def _end_followup(report_id: int) -> None:
    begin_write()
    visit_cookie.end_followup(db.session.get_one(Report, report_id))


def _mark_seen(report: Report) -> None:
    """Remember the visit, so the next one marks only newer replies as new. Not worth failing for
    (nor waiting for: one attempt)."""
    report_id = report.id
    try:
        with writing():
            begin_write()
            db.session.get_one(Report, report_id).reporter_seen_at = to_minute(utcnow())
            db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("follow-up visit not recorded: database error")


def _paced(response: Response, started: float) -> Response:
    remaining = float(current_app.config.get("FOLLOWUP_DELAY_SECONDS", 0)) - (time.monotonic() - started)
    if remaining > 0:
        sleep(remaining)
    return response
