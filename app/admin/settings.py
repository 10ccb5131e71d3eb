"""A school admin's report settings: the emergency contact shown to reporters, how long an urgent
report may wait, how long closed cases are kept, and which counselors receive each category."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from app.admin import bp
from app.admin.routes import admin_only
from app.admin.settings_forms import (
    CATEGORY_LABELS,
    DEFAULT_RETENTION_DAYS,
    ROUTED_CATEGORIES,
    ReportSettingsForm,
    field_name,
    parse_routing,
)
from app.extensions import db
from app.models import Category, Role, RoutingRule, School, User


def school_counselors(school_id: int) -> list[User]:
    """Every counselor of the school, turned-off accounts included (the page says which)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.school_id == school_id, User.role == Role.COUNSELOR)
            .order_by(User.display_name, User.id)
        )
    )


def stored_routing(school_id: int) -> dict[str, set[int]]:
    routing: dict[str, set[int]] = {c.value: set() for c in Category}
    rows = db.session.execute(
        select(RoutingRule.category, RoutingRule.user_id).where(RoutingRule.school_id == school_id)
    )
    for category, user_id in rows:
        routing.setdefault(category, set()).add(user_id)
    return routing


def replace_routing(school_id: int, routing: dict[str, set[int]]) -> None:
    """Swap the school's rules for `routing`, in the caller's transaction."""
    db.session.execute(delete(RoutingRule).where(RoutingRule.school_id == school_id))
    db.session.add_all(
        RoutingRule(school_id=school_id, category=category, user_id=user_id)
        for category, user_ids in routing.items()
        for user_id in sorted(user_ids)
    )


@bp.route("/report-settings", methods=["GET", "POST"])
@admin_only
def report_settings():
    school = db.session.get_one(School, current_user.school_id)
    counselors = school_counselors(school.id)
    active_ids = {c.id for c in counselors if c.active}
    form = ReportSettingsForm(obj=school)
    if request.method == "POST":
        # Tampered routing is a 400 before anything is validated or written.
        routing = parse_routing(request.form, active_ids)
        if form.validate_on_submit():
            school.emergency_contact = form.emergency_contact.data
            school.urgent_ack_minutes = form.urgent_ack_minutes.data
            school.retention_days = form.retention_days.data
            replace_routing(school.id, routing)
            db.session.commit()
            flash(_("Report settings saved."), "success")
            return redirect(url_for("admin.report_settings"))
    else:
        routing = stored_routing(school.id)
    categories = [(c.value, field_name(c.value), CATEGORY_LABELS[c]) for c in ROUTED_CATEGORIES]
    return render_template(
        "admin/settings.html",
        form=form,
        school=school,
        counselors=counselors,
        active_counselors=[c for c in counselors if c.active],
        categories=categories,
        routing=routing,
        danger=Category.DANGER.value,
        default_ack_minutes=current_app.config["URGENT_ACK_MINUTES"],
        default_retention_days=DEFAULT_RETENTION_DAYS,
    ), (422 if form.errors else 200)
