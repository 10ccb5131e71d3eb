"""The action checklist on a case: what the school did about a report (evidence, police, support
center, removal requests, parents), on which day and by whom.

The case page shows it through `actions_context(report)` and counsel/_actions.html. Recording an
action happens on a page of its own, so a refused form comes back with its text and the warning
about the reporter's wishes. Details and reasons are encrypted; the audit trail holds only kinds,
dates, statuses and platform names."""

from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import LazyString, format_date, gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from app import audit
from app.counsel import bp, service
from app.counsel.action_forms import (
    KIND_HINTS,
    KIND_LABELS,
    RECORD_LABELS,
    REMOVAL_STATUS_LABELS,
    WISH_WARNINGS,
    ActionForm,
    RemovalStatusForm,
    school_today,
)
from app.counsel.visibility import report_or_404, staff_for_reports
from app.extensions import db
from app.models import ActionKind, CaseAction, RemovalStatus, Report, Status
from app.models.base import utcnow
from app.reports.crypto import decrypt, encrypt
from app.reports.forms import CONSENT_LABELS
from app.transactions import writes_on_get

KINDS = {k.value for k in ActionKind}
STATUSES = {s.value for s in RemovalStatus}


@dataclass
class ActionEntry:
    """One recorded action, decrypted and ready to show."""

    id: int
    kind: str
    done_on: date  # the day at the school
    done_on_text: str
    actor_name: str
    platform: str | None
    status: str | None
    status_label: str | None
    updated_text: str | None
    detail: str | None
    against_wishes: bool
    reason: str | None
    status_form: RemovalStatusForm | None
    update_url: str | None


@dataclass
class ChecklistItem:
    kind: str
    label: LazyString
    hint: LazyString
    record_label: LazyString
    new_url: str
    wish: str | None  # what the reporter answered about this kind of step, if they were asked
    warning: LazyString | None  # set when recording it would go against the reporter's wishes
    entries: list[ActionEntry]


def case_actions(report: Report) -> list[CaseAction]:
    """The report's actions, oldest first, with their counselors: one query."""
    return list(
        db.session.scalars(
            select(CaseAction)
            .where(CaseAction.report_id == report.id)
            .options(joinedload(CaseAction.actor))
            .order_by(CaseAction.done_on, CaseAction.id)
        )
    )


def goes_against_wishes(report: Report, kind: str) -> bool:
    wish = WISH_WARNINGS.get(kind)
    return wish is not None and getattr(report, wish[0]) == "no"


def actions_context(report: Report) -> dict:
    """Everything counsel/_actions.html needs."""
    tz = report.school.tz
    entries = [_entry(action, tz) for action in case_actions(report)]
    checklist = [
        ChecklistItem(
            kind=kind.value,
            label=KIND_LABELS[kind],
            hint=KIND_HINTS[kind],
            record_label=RECORD_LABELS[kind],
            new_url=url_for("counsel.new_action", report_id=report.id, kind=kind.value),
            wish=_wish(report, kind),
            warning=WISH_WARNINGS[kind][1] if goes_against_wishes(report, kind) else None,
            entries=[e for e in entries if e.kind == kind],
        )
        for kind in ActionKind
    ]
    return {
        "action_checklist": checklist,
        "case_actions": entries,
        "action_kind_labels": KIND_LABELS,
        "removal_status_labels": REMOVAL_STATUS_LABELS,
    }


def _wish(report: Report, kind: str) -> str | None:
    if kind not in WISH_WARNINGS:
        return None
    answer = getattr(report, WISH_WARNINGS[kind][0])
    return str(CONSENT_LABELS.get(answer, answer))


def _entry(action: CaseAction, tz) -> ActionEntry:
    day = action.done_on.astimezone(tz).date()
    removal = action.kind == ActionKind.REMOVAL
    updated = None
    if removal and (action.updated_at - action.created_at).total_seconds() > 1:
        updated = format_date(action.updated_at.astimezone(tz).date(), "medium")
    return ActionEntry(
        id=action.id,
        kind=action.kind,
        done_on=day,
        done_on_text=format_date(day, "medium"),
        actor_name=action.actor.display_name if action.actor else _("a former staff member"),
        platform=action.platform,
        status=action.status,
        status_label=str(REMOVAL_STATUS_LABELS.get(action.status, action.status)) if removal else None,
        updated_text=updated,
        detail=decrypt(action.detail_enc),
        against_wishes=action.against_wishes,
        reason=decrypt(action.reason_enc),
        status_form=RemovalStatusForm(formdata=None, prefix=f"action-{action.id}", data={"status": action.status})
        if removal
        else None,
        update_url=url_for("counsel.update_action", report_id=action.report_id, action_id=action.id)
        if removal
        else None,
    )


# --- rules -------------------------------------------------------------------------------------


def record_action(report: Report, form: ActionForm) -> CaseAction:
    """Add the action, its audit line and the report's new state to the session (not committed)."""
    kind, now = form.action_kind, utcnow()
    removal, against = kind == ActionKind.REMOVAL, form.against_wishes
    action = CaseAction(
        report_id=report.id,
        kind=kind,
        platform=form.platform.data if removal else None,
        status=RemovalStatus.REQUESTED.value if removal else None,
        detail_enc=encrypt((form.detail.data or "").strip()),
        against_wishes=against,
        reason_enc=encrypt(form.reason.data) if against else None,
        done_on=form.moment(),
        actor_id=current_user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(action)
    detail = f"{kind}: {RemovalStatus.REQUESTED} (platform {action.platform})" if removal else kind
    detail += f" on {form.done_on.data.isoformat()}"
    if against:
        detail += ", against the reporter's wishes"
    audit.record("action_added", report, detail + _taken_up(report, now))
    return action


def set_removal_status(report: Report, action: CaseAction, status: str) -> None:
    now = utcnow()
    before, action.status, action.updated_at = action.status, status, now
    detail = f"{action.kind}: {before} → {status} (platform {action.platform})"
    audit.record("action_updated", report, detail + _taken_up(report, now))


def _taken_up(report: Report, now) -> str:
    """Taking action means someone is on it: acknowledge a new case and mark it in progress."""
    before = report.status
    if report.acknowledged_at is None:
        service.acknowledge(report, current_user, now)  # its own audit line; idempotent under races
    report.last_activity_at = now
    if report.status in (Status.NEW, Status.ACKNOWLEDGED):
        report.status = Status.IN_PROGRESS.value
        return f"; status {before} → {Status.IN_PROGRESS}"
    return ""


# --- routes ------------------------------------------------------------------------------------


@bp.route("/reports/<int:report_id>/actions/new", methods=["GET"])
@writes_on_get  # viewing a report is audited
@staff_for_reports
def new_action(report_id: int):
    report = report_or_404(report_id)
    kind = _kind_or_400(request.args.get("kind"))
    form = _form(report, kind, formdata=None, data={"kind": kind, "done_on": school_today(report.school.tz)})
    audit.record("action_form_viewed", report, kind)
    db.session.commit()
    return _page(report, form)


@bp.route("/reports/<int:report_id>/actions", methods=["POST"])
@staff_for_reports
def add_action(report_id: int):
    report = report_or_404(report_id)
    form = _form(report, _kind_or_400(request.form.get("kind")))
    if not form.validate_on_submit():
        return _page(report, form, 422)
    record_action(report, form)
    if not _commit():
        return _page(
            report,
            form,
            503,
            _(
                "Nothing was saved because of a problem on our side. Please try again in a moment — "
                "what you wrote is still here."
            ),
        )
    flash(_("Recorded: %(what)s.", what=KIND_LABELS[form.action_kind]), "success")
    return _back_to_case(report_id)


@bp.route("/reports/<int:report_id>/actions/<int:action_id>", methods=["POST"])
@staff_for_reports
def update_action(report_id: int, action_id: int):
    report = report_or_404(report_id)
    action = db.session.scalar(select(CaseAction).where(CaseAction.id == action_id, CaseAction.report_id == report.id))
    if action is None:
        abort(404)
    form = RemovalStatusForm(prefix=f"action-{action.id}")
    if action.kind != ActionKind.REMOVAL or form.status.data not in STATUSES or not form.validate_on_submit():
        abort(400)
    words = {"platform": action.platform, "status": REMOVAL_STATUS_LABELS[RemovalStatus(form.status.data)]}
    if form.status.data == action.status:
        flash(_("Nothing changed: the request to %(platform)s was already “%(status)s”.", **words), "info")
        return _back_to_case(report_id)
    set_removal_status(report, action, form.status.data)
    if _commit():
        flash(_("Removal request to %(platform)s: %(status)s.", **words), "success")
    else:
        flash(_("The status was NOT changed because of a problem on our side. Please try again."), "error")
    return _back_to_case(report_id)


def _kind_or_400(value) -> ActionKind:
    if value not in KINDS:
        abort(400)
    return ActionKind(value)


def _form(report: Report, kind: ActionKind, **kwargs) -> ActionForm:
    form = ActionForm(**kwargs)
    form.school_tz, form.action_kind = report.school.tz, kind
    form.against_wishes = goes_against_wishes(report, kind)
    return form


def _page(report: Report, form: ActionForm, status: int = 200, problem: str | None = None):
    kind = form.action_kind
    form.kind.data = kind.value
    form.done_on.render_kw = {"max": school_today(report.school.tz).isoformat()}
    return render_template(
        "counsel/action_new.html",
        report=report,
        form=form,
        kind=kind,
        label=KIND_LABELS[kind],
        hint=KIND_HINTS[kind],
        wish=_wish(report, kind),
        warning=WISH_WARNINGS[kind][1] if form.against_wishes else None,
        problem=problem,
    ), status


def _commit() -> bool:
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("case action not saved: database error")
        return False
    return True


def _back_to_case(report_id: int):
    return redirect(url_for("counsel.case", report_id=report_id, _anchor="actions"))
