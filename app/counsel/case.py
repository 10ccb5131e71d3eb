"""One case: reading it, acting on it, writing to the reporter, and a printable summary.

Every view and action adds its audit line in the same transaction (app.counsel.service)."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from app.counsel import actions, bp, service
from app.counsel.forms import (
    CONSENT_WORDS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    AssignForm,
    ConfirmForm,
    MessageForm,
    NoteForm,
    StatusForm,
)
from app.counsel.visibility import counselors_of, report_or_404, staff_for_reports
from app.extensions import db
from app.models import CaseMessage, CaseNote, Report, Role, User
from app.models.report import Status
from app.reports import crypto
from app.reports.forms import AFFECTED_LABELS, CATEGORY_LABELS, WANT_LABELS
from app.transactions import writes_on_get

LABELS = {
    "status_labels": STATUS_LABELS,
    "outcome_labels": OUTCOME_LABELS,
    "consent_words": CONSENT_WORDS,
    "category_labels": CATEGORY_LABELS,
    "affected_labels": AFFECTED_LABELS,
    "want_labels": WANT_LABELS,
}


# --- reading -----------------------------------------------------------------------------------
def _report_text(report: Report) -> dict:
    return {
        "what": crypto.decrypt(report.what_enc),
        "where": crypto.decrypt(report.where_enc),
        "when": crypto.decrypt(report.when_enc),
    }


def _names(report: Report) -> dict[int, str]:
    ids = {i for i in (report.assignee_id, report.acknowledged_by_id) if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _thread(model, report: Report) -> list[tuple]:
    """(row, decrypted body) oldest first, authors loaded in one more query."""
    rows = db.session.scalars(
        select(model)
        .where(model.report_id == report.id)
        .options(selectinload(model.author))
        .order_by(model.created_at, model.id)
    )
    return [(row, crypto.decrypt(row.body_enc)) for row in rows]


def _assignable(report: Report) -> list[tuple[int, str]]:
    """Who the case may be given to: the school's active counselors, yourself, the current holder."""
    people = {u.id: u.display_name for u in counselors_of(report.school_id)}
    people.setdefault(current_user.id, current_user.display_name)
    if report.assignee_id is not None and report.assignee_id not in people:
        holder = db.session.get(User, report.assignee_id)
        if holder is not None:
            people[holder.id] = holder.display_name
    return sorted(people.items(), key=lambda item: item[1])


def _assign_form(report: Report, formdata=True) -> AssignForm:
    form = (
        AssignForm(prefix="assign")
        if formdata
        else AssignForm(formdata=None, prefix="assign", assignee=str(report.assignee_id or ""))
    )
    form.set_people(_assignable(report), _("Nobody yet"))
    return form


def _status_form(report: Report) -> StatusForm:
    current = Status.IN_PROGRESS if report.status == Status.NEW else report.status
    return StatusForm(formdata=None, prefix="status", status=current, outcome=report.outcome or "")


def _render_case(report: Report, code: int = 200, problem: str | None = None, **forms):
    """The case page. Showing it is a view: audited, and the reader's unread marker cleared."""
    service.record_view(report, current_user)
    db.session.commit()
    forms.setdefault("ack_form", ConfirmForm(formdata=None, prefix="ack"))
    forms.setdefault("assign_form", _assign_form(report, formdata=False))
    forms.setdefault("status_form", _status_form(report))
    forms.setdefault("note_form", NoteForm(formdata=None, prefix="note"))
    forms.setdefault("message_form", MessageForm(formdata=None, prefix="message"))
    return render_template(
        "counsel/case.html",
        report=report,
        text=_report_text(report),
        names=_names(report),
        messages=_thread(CaseMessage, report),
        notes=_thread(CaseNote, report),
        problem=problem,
        **LABELS,
        **forms,
        **actions.actions_context(report),
    ), code


def _saved() -> bool:
    """Commit the action with its audit line; on a database error nothing of it is kept."""
    try:
        db.session.commit()
        return True
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("counsel: case action not saved: database error")
        return False


def _not_saved() -> str:
    return _("That did not happen because of a problem on our side. Please try again in a moment.")


def _back(report: Report, anchor: str | None = None):
    return redirect(url_for("counsel.case", report_id=report.id, _anchor=anchor))


@bp.route("/reports/<int:report_id>")
@writes_on_get  # viewing a report is audited
@staff_for_reports
def case(report_id: int):
    return _render_case(report_or_404(report_id))


# --- acting ------------------------------------------------------------------------------------
@bp.route("/reports/<int:report_id>/acknowledge", methods=["POST"])
@staff_for_reports
def acknowledge(report_id: int):
    report = report_or_404(report_id)
    if service.acknowledge(report, current_user):
        if not _saved():
            return _render_case(report, 503, _not_saved())
        flash(_("Acknowledged. Nobody else will be alerted again about this report."), "success")
    else:
        flash(_("This report was already acknowledged."), "info")
    return _back(report)


@bp.route("/reports/<int:report_id>/assign", methods=["POST"])
@staff_for_reports
def assign(report_id: int):
    report = report_or_404(report_id)
    form = _assign_form(report)
    if not form.validate_on_submit():
        abort(400)
    assignee = None
    if form.assignee.data:
        assignee = db.session.get(User, int(form.assignee.data))
        if (
            assignee is None
            or assignee.school_id != report.school_id
            or assignee.role not in (Role.COUNSELOR, Role.SCHOOL_ADMIN)
        ):
            abort(400)
    if service.assign(report, assignee, current_user):
        if not _saved():
            return _render_case(report, 503, _not_saved(), assign_form=form)
        flash(
            _("Assigned to %(name)s.", name=assignee.display_name)
            if assignee
            else _("Nobody is assigned to this report now."),
            "success",
        )
    return _back(report, "assignment")


@bp.route("/reports/<int:report_id>/status", methods=["POST"])
@staff_for_reports
def set_status(report_id: int):
    report = report_or_404(report_id)
    form = StatusForm(prefix="status")
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = service.set_status(report, form.status.data, form.outcome.data or None, current_user)
    except service.CaseRuleError as problem:
        db.session.rollback()
        form.outcome.errors = [str(problem)]
        return _render_case(report, 422, status_form=form)
    if changed:
        if not _saved():
            return _render_case(report, 503, _not_saved(), status_form=form)
        flash(_('Status changed to "%(status)s".', status=STATUS_LABELS[Status(report.status)]), "success")
    return _back(report, "status")


@bp.route("/reports/<int:report_id>/notes", methods=["POST"])
@staff_for_reports
def add_note(report_id: int):
    report = report_or_404(report_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _render_case(report, 422, note_form=form)
    service.add_note(report, form.body.data, current_user)
    if not _saved():
        return _render_case(report, 503, _not_saved(), note_form=form)
    flash(_("Note saved. Only staff can read it."), "success")
    return _back(report, "notes")


@bp.route("/reports/<int:report_id>/messages", methods=["POST"])
@staff_for_reports
def send_message(report_id: int):
    report = report_or_404(report_id)
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        return _render_case(report, 422, message_form=form)
    service.send_message(report, form.body.data, current_user)
    if not _saved():
        return _render_case(report, 503, _not_saved(), message_form=form)
    flash(
        _("Message sent. The person who reported will see it when they come back with their receipt code."), "success"
    )
    return _back(report, "conversation")


# --- printing ----------------------------------------------------------------------------------
@bp.route("/reports/<int:report_id>/print")
@writes_on_get  # viewing a report is audited
@staff_for_reports
def print_case(report_id: int):
    """A summary to hand to the police or a support center: never the internal notes."""
    report = report_or_404(report_id)
    service.record_view(report, current_user, "print")
    db.session.commit()
    return render_template(
        "counsel/print.html",
        report=report,
        text=_report_text(report),
        names=_names(report),
        **LABELS,
        **actions.actions_context(report),
    )
