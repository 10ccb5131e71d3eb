"""The anonymous report form at /report. Nothing about the person reporting is stored or logged:
not their address, browser, account or session. Each step is a POST so nothing lands in the URL."""
import secrets

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many
from sqlalchemy.exc import SQLAlchemyError

from app import notify, reports_crypto
from app.auth.session import safe_next
from app.extensions import db, limiter
from app.helplines import help_lines
from app.models.report import Category
from app.reports import bp
from app.reports.forms import CATEGORY_LABELS, DetailsForm, StartForm
from app.reports.schools import MAX_MATCHES, find_schools, school_by_id
from app.reports.surface import remember_language
from app.reports.service import already_sent, create_report
from app.security import is_report_path


@bp.route("/report", methods=["GET"])
def start():
    """A logged-in user's Report link carries ?school=<id> (and ?lang=): the account session
    itself is never read here (see app.reports.surface)."""
    form = StartForm()
    school = school_by_id(request.args.get("school"))
    if school is not None:
        form.school.data, form.school_id.data = school.name, str(school.id)
    remember_language(request.args.get("lang"))
    return render_template("reports/start.html", form=form, matches=[])


@bp.route("/report/language", methods=["POST"])
def set_language():
    """The language switch of the report pages, kept in the report surface's own session."""
    remember_language(request.form.get("lang"))
    target = safe_next(request.form.get("next"))
    return redirect(target if target and is_report_path(target.split("?")[0]) else url_for("reports.start"))


@bp.route("/report", methods=["POST"])
def step():
    stage = request.form.get("stage")
    if stage == "start":
        return _after_start()
    if stage == "continue":
        return _details(_school_or_400(request.form.get("school_id")), _category_or_400(request.form.get("category")))
    if stage == "details":
        return _submit()
    abort(400)


def _after_start():
    form = StartForm()
    matches = []
    if form.validate_on_submit():
        picked = request.form.get("school_pick")
        if picked is not None:  # chosen from the list of matching schools
            school = _school_or_400(picked)
        else:  # prefilled for a logged-in user, unless they typed another school
            school = school_by_id(form.school_id.data) if form.school_id.data else None
        if school is None or (picked is None and school.name != form.school.data.strip()):
            matches = find_schools(form.school.data)
            school = matches[0] if len(matches) == 1 else None
        if school is not None:
            if form.category.data == Category.DANGER:
                return render_template("reports/danger.html", school=school, category=form.category.data,
                                       lines=help_lines())
            return _details(school, form.category.data)
        if not matches:
            form.school.errors.append(_("We could not find that school. Check the spelling, or type the school code your teacher uses."))
        elif len(matches) > MAX_MATCHES:
            form.school.errors.append(_("Many schools match. Type more of the name, or the school code."))
            matches = []
        else:
            form.school.errors.append(_("Several schools match. Choose yours below."))
    return render_template("reports/start.html", form=form, matches=matches), 422


def _details(school, category, form=None, status=200, problem=None):
    if form is None:
        form = DetailsForm(formdata=None, school_id=str(school.id), category=category,
                           submission=secrets.token_urlsafe(24))
    return render_template(
        "reports/details.html", form=form, school=school, category_label=CATEGORY_LABELS[Category(category)],
        problem=problem,
    ), status


def _school_or_400(value):
    school = school_by_id(value)
    if school is None:
        abort(400)
    return school


def _category_or_400(value):
    if value not in {c.value for c in Category}:
        abort(400)
    return value


def _submit():
    form = DetailsForm()
    school = _school_or_400(form.school_id.data)
    category = _category_or_400(form.category.data)
    if not form.submission.data:
        abort(400)
    if form.website.data:
        return _details(school, category, form, 400, _(
            "Your report was NOT sent: a field that should stay empty was filled in, which is what automatic "
            "spam tools do. If you are a person, clear the field labelled \"Leave this empty\" and send again."))
    if not form.validate_on_submit():
        return _details(school, category, form, 422)
    if already_sent(form.submission.data):
        return render_template("reports/already_sent.html", lines=help_lines()), 409
    if not _within_rate_limit():
        return _details(school, category, form, 429, _(
            "Your report was NOT sent: several reports came from this network in a short time. Please wait "
            "10 minutes and send again — what you wrote is still here. If someone is in danger now, call 112."))
    try:
        report, receipt, outbox_ids = create_report(school, form)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("report not saved: database error")
        return _details(school, category, form, 503, _(
            "Your report was NOT sent because of a problem on our side. Please try again in a moment — "
            "what you wrote is still here."))
    current_app.logger.info("report created")
    notify.deliver_after_request(outbox_ids)
    return render_template(
        "reports/receipt.html", receipt=reports_crypto.format_receipt(receipt), school=school,
        urgent=report.urgent, lines=help_lines(),
    )


def _within_rate_limit() -> bool:
    """Counted per network address in the limiter's short-lived storage only (never the database).
    Checked here rather than by decorator so a refused report keeps what the person wrote."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    key = get_remote_address()
    items = parse_many(current_app.config["REPORT_RATE_LIMIT"])
    return all(limiter.limiter.hit(item, "report-submit", key) for item in items)
