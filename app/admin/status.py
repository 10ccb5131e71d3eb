"""A school admin's view of whether alerts reach people: the school's own outbox (what waits,
since when, why) and when the instance's periodic jobs last ran, so a stopped mail server or a
missing cron shows here before a report goes unnoticed. Another school's alerts never show."""

from flask import render_template
from flask_babel import format_timedelta
from flask_login import current_user

from app.admin import bp
from app.admin.routes import admin_only
from app.models.base import utcnow
from app.ops import state
from app.ops.outbox_state import outbox_state


@bp.route("/status")
@admin_only
def status():
    now = utcnow()
    outbox = outbox_state(current_user.school_id)
    age = outbox.age(now)
    jobs = [
        {
            "name": name,
            "last": last,
            "ok": not (outcome or "").startswith("failed"),
            "late": state.is_late(name, last, now),
        }
        for name, (last, outcome) in state.job_runs().items()
    ]
    return render_template(
        "admin/status.html",
        outbox=outbox,
        late=outbox.late(now),
        jobs=jobs,
        age=format_timedelta(age, threshold=1.1) if age is not None else None,
        trouble=outbox.late(now) or any(j["late"] or not j["ok"] for j in jobs),
    )
