"""The school's audit trail, read-only: who did what to which case, newest first. There are no
routes that change it (the model refuses updates and deletes too). Looking at it is itself
recorded, as "audit_viewed"."""

import re

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from app import audit
from app.admin import bp
from app.admin.routes import admin_only
from app.extensions import db
from app.ids import page_number
from app.models import AuditEvent
from app.transactions import writes_on_get

PAGE_SIZE = 50
REF_MAX = 12
REF_PATTERN = r"^R-[A-Z0-9]{1,10}$"

# Plain words for the actions written by casework, the follow-up page, the purge, account changes
# by admins and teachers, and this page.
ACTION_LABELS = {
    "view": _l("Opened the case"),
    "print": _l("Printed the case"),
    "acknowledge": _l("Acknowledged the report"),
    "assign": _l("Changed who holds the case"),
    "status": _l("Changed the status"),
    "note": _l("Added an internal note"),
    "message": _l("Sent a message to the reporter"),
    "action_form_viewed": _l("Opened a checklist step to record it"),
    "action_added": _l("Recorded a step on the checklist"),
    "action_updated": _l("Updated a step on the checklist"),
    "purged": _l("Deleted the case text after the retention period"),
    "audit_viewed": _l("Looked at the audit trail"),
    "password_reset": _l("Reset someone's password"),
    "two_factor_reset": _l("Reset someone's two-step login"),
    "account_off": _l("Turned an account off"),
    "account_on": _l("Turned an account on again"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else str(_l("Other action: %(action)s", action=action))


def normalize_ref(value: str | None) -> str | None:
    """ "r-7kq2", " R-7KQ2 " and "7KQ2" all mean R-7KQ2; empty means no filter."""
    value = re.sub(r"\s+", "", value or "").upper()
    if not value:
        return None
    return value if value.startswith("R-") else f"R-{value}"


class AuditFilterForm(FlaskForm):
    """Filters sent in the query string: nothing changes, so no CSRF token is needed."""

    class Meta:
        csrf = False

    ref = StringField(_l("Report reference"), render_kw={"autocomplete": "off", "spellcheck": "false"})
    action = SelectField(_l("Action"), validate_choice=False)

    def validate_ref(self, field):
        """Checks the normalized reference; the box keeps exactly what was typed."""
        ref = normalize_ref(field.data)
        if ref is not None and len(ref) > REF_MAX:
            raise ValidationError(_l("A report reference is at most %(max)d characters, like R-7KQ2.", max=REF_MAX))
        if ref is not None and not re.fullmatch(REF_PATTERN, ref):
            raise ValidationError(_l("A report reference looks like R-7KQ2."))

    @property
    def ref_value(self) -> str | None:
        return normalize_ref(self.ref.data)


def action_choices(school_id: int) -> list[tuple[str, str]]:
    """Every known action plus any other this school's trail holds, in plain words."""
    present = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.school_id == school_id).distinct()))
    actions = sorted(set(ACTION_LABELS) | present, key=action_label)
    return [("", str(_l("All actions")))] + [(a, action_label(a)) for a in actions]


def events_query(school_id: int, ref: str | None, action: str | None):
    stmt = select(AuditEvent).where(AuditEvent.school_id == school_id)
    if ref:
        stmt = stmt.where(AuditEvent.report_ref == ref)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def filter_detail(ref: str | None, action: str | None, page: int) -> str | None:
    parts = [f"ref={ref}" if ref else "", f"action={action}" if action else "", f"page={page}" if page > 1 else ""]
    return " ".join(p for p in parts if p) or None


@bp.route("/audit", endpoint="audit")
@writes_on_get  # looking at the audit trail is itself audited
@admin_only
def audit_trail():
    school_id = current_user.school_id
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = action_choices(school_id)
    if (form.action.data or "") not in {value for value, _label in form.action.choices}:
        abort(400)  # not something the page offers: a tampered link
    valid = form.validate()
    ref = form.ref_value if valid else None
    action = form.action.data or None
    page = max(request.args.get("page", 1, type=page_number) or 1, 1)
    events = (
        db.paginate(events_query(school_id, ref, action), page=page, per_page=PAGE_SIZE, error_out=False, count=True)
        if valid
        else None
    )
    audit.record("audit_viewed", detail=filter_detail(ref, action, page))
    db.session.commit()
    return render_template(
        "admin/audit.html",
        form=form,
        events=events,
        action_label=action_label,
        filters={"ref": ref, "action": action},
    ), (200 if valid else 422)
