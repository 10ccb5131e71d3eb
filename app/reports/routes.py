"""The anonymous report form at /report. Nothing about the person reporting is stored or logged:
not their address, browser, account or session. Each step is a POST so nothing lands in the URL."""

from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app import notify
from app.auth.session import safe_next
from app.extensions import csrf
from app.helplines import help_lines
from app.models.base import utcnow
from app.models.report import Category
from app.models.school import School
from app.page_cache import public_page
from app.reports import bp, crypto, rate_limit
from app.reports.forms import CATEGORY_LABELS, DetailsForm, StartForm
from app.reports.schools import MAX_MATCHES, find_schools, school_by_id
from app.reports.service import (
    Filed,
    NotFiled,
    Unconfirmed,
    file_report,
    find_filed,
    new_submission_token,
    submission_issued_at,
)
from app.reports.surface import remember_language
from app.security import is_report_path, require_csrf_token
from app.transactions import reads_first


@bp.route("/report", methods=["GET"])
def start() -> ResponseReturnValue:
    """A logged-in user's Report link carries ?school=<id> (and ?lang=): the account session
    itself is never read here (see app.reports.surface)."""
    remember_language(request.args.get("lang"))
    return public_page(_start_page)


def _start_page() -> str:
    form = StartForm()
    school = school_by_id(request.args.get("school"))
    if school is not None:
        form.school.data, form.school_id.data = school.name, str(school.id)
    return render_template("reports/start.html", form=form, matches=[])


@bp.route("/report/language", methods=["POST"])
@csrf.exempt
def set_language() -> ResponseReturnValue:
    """The language switch of the report pages, kept in the report surface's own session. It
    changes only the visitor's own cookie, so it needs no form token (nor do the pages for it)."""
    remember_language(request.form.get("lang"))
    target = safe_next(request.form.get("next"))
    return redirect(target if target and is_report_path(target.split("?")[0]) else url_for("reports.start"))


@bp.route("/report", methods=["POST"])
@csrf.exempt
@reads_first
def step() -> ResponseReturnValue:
    stage = request.form.get("stage")
    if stage == "start":
        # The first step only looks up the school and shows the next form (which carries a token):
        # it changes nothing, so it needs no token, and /report can be one page for everyone.
        return _after_start()
    require_csrf_token()
    if stage == "continue":
        return _details(_school_or_400(request.form.get("school_id")), _category_or_400(request.form.get("category")))
    if stage == "details":
        return _submit()
    abort(400)


def _after_start() -> ResponseReturnValue:
    form = StartForm()
    matches: list[School] = []
    if form.validate_on_submit():
        picked = request.form.get("school_pick")
        if picked is not None:  # chosen from the list of matching schools
            school: School | None = _school_or_400(picked)
        else:  # prefilled for a logged-in user, unless they typed another school
            school = school_by_id(form.school_id.data) if form.school_id.data else None
        if school is None or (picked is None and school.name != form.school.data.strip()):
            matches = find_schools(form.school.data)
            school = matches[0] if len(matches) == 1 else None
        if school is not None:
            if form.category.data == Category.DANGER:
                return render_template(
                    "reports/danger.html", school=school, category=form.category.data, lines=help_lines()
                )
            return _details(school, form.category.data)
        if not matches:
            form.school.errors.append(
                _("We could not find that school. Check the spelling, or type the school code your teacher uses.")
            )
        elif len(matches) > MAX_MATCHES:
            form.school.errors.append(_("Many schools match. Type more of the name, or the school code."))
            matches = []
        else:
            form.school.errors.append(_("Several schools match. Choose yours below."))
    return render_template("reports/start.html", form=form, matches=matches), 422


def _details(
    school: School, category: str, form: DetailsForm | None = None, status: int = 200, problem: str | None = None
) -> ResponseReturnValue:
    if form is None:
        form = DetailsForm(
            formdata=None, school_id=str(school.id), category=category, submission=new_submission_token()
        )
    return render_template(
        "reports/details.html",
        form=form,
        school=school,
        category_label=CATEGORY_LABELS[Category(category)],
        problem=problem,
    ), status


def _school_or_400(value: str | None) -> School:
    school = school_by_id(value)
    if school is None:
        abort(400)
    return school


def _category_or_400(value: str | None) -> str:
    if value not in {c.value for c in Category}:
        abort(400)
    return value


def _submit() -> ResponseReturnValue:
    form = DetailsForm()
    school = _school_or_400(form.school_id.data)
    category = _category_or_400(form.category.data)
    if not form.submission.data or submission_issued_at(form.submission.data) is None:
        abort(400)
    if form.website.data:
        return _details(
            school,
            category,
            form,
            400,
            _(
                "Your report was NOT sent: a field that should stay empty was filled in, which is what automatic "
                'spam tools do. If you are a person, clear the field labelled "Leave this empty" and send again.'
            ),
        )
    if not form.validate_on_submit():
        return _details(school, category, form, 422)
    filed = find_filed(form.submission.data)
    if filed is not None:
        return _receipt_or_already_sent(filed, school, form.submission.data)
    if not rate_limit.allows_report():
        return _details(
            school,
            category,
            form,
            429,
            _(
                "Your report was NOT sent: several reports came from this network in a short time. Please wait "
                "10 minutes and send again — what you wrote is still here. If someone is in danger now, call 112."
            ),
        )
    try:
        filed = file_report(school, form)
    except NotFiled:
        return _details(
            school,
            category,
            form,
            503,
            _(
                "Your report was NOT sent because of a problem on our side. Please try again in a moment — "
                "what you wrote is still here."
            ),
        )
    except Unconfirmed:
        return _details(
            school,
            category,
            form,
            503,
            _(
                "We could not confirm that your report reached the school, because of a problem on our side. "
                "What you wrote is still here: please press “Send my report” again in a moment. Sending again "
                "is safe — the school will not get it twice."
            ),
        )
    if not filed.repeat:
        rate_limit.count_report()
        current_app.logger.info("report created")
        notify.deliver_after_request(filed.outbox_ids)
    return _receipt(filed, school)


def _receipt(filed: Filed, school: School) -> ResponseReturnValue:
    return render_template(
        "reports/receipt.html",
        receipt=crypto.format_receipt(filed.receipt),
        school=school,
        urgent=filed.urgent,
        lines=help_lines(),
    )


def _receipt_or_already_sent(filed: Filed, school: School, token: str) -> ResponseReturnValue:
    """The same form sent again shows the same receipt while it is fresh (a double click, a
    refresh, a retry); later, on a shared computer, it shows only that the report was sent."""
    issued = submission_issued_at(token)
    window = timedelta(minutes=current_app.config["REPORT_REPEAT_WINDOW_MINUTES"])
    if issued is not None and utcnow() - issued <= window:
        return _receipt(filed, school)
    return render_template("reports/already_sent.html", lines=help_lines()), 409
