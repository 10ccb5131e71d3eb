"""The "Reports" item in the navigation, with how many reports need this person's attention."""

import time

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from app.counsel import bp
from app.counsel.inbox import seen_join, unread_condition, urgent_unacknowledged
from app.counsel.visibility import visible_condition
from app.extensions import db
from app.models import Report, ReportView, Role, User
from app.transactions import may_write

REPORT_ROLES = (Role.COUNSELOR, Role.SCHOOL_ADMIN)


def needing_attention(user: User) -> int:
    """Visible reports that are unread for `user`, or urgent and not yet acknowledged: one query."""
    return (
        db.session.scalar(
            select(func.count(Report.id))
            .select_from(Report)
            .outerjoin(ReportView, seen_join(user))
            .where(
                visible_condition(user), Report.purged_at.is_(None), or_(unread_condition(), urgent_unacknowledged())
            )
        )
        or 0
    )


def _count_for_nav() -> int | None:
    """Counted at most once per request, and only when a page's navigation asks for it."""
    if not current_user.is_authenticated or current_user.role not in REPORT_ROLES:
        return None
    if "counsel_attention" not in g:
        g.counsel_attention = _cached_count(current_user)
    return g.counsel_attention


def _cached_count(user: User) -> int | None:
    """The count is the same on every page a counselor clicks through, so each worker keeps it for
    NAV_COUNT_SECONDS per person. A request of theirs that may write (opening a report, any action)
    forgets it, so what they just did shows at once; others' changes show within that time."""
    counts = current_app.extensions.setdefault("dari_nav_counts", {})
    now = time.monotonic()
    cached = counts.get(user.id)
    if cached is not None and cached[0] > now and not may_write():
        return cached[1]
    try:
        count = needing_attention(user)
    except SQLAlchemyError:  # a badge must never break the page (e.g. the error page itself)
        db.session.rollback()
        current_app.logger.error("counsel: reports count for the navigation failed")
        return None
    counts[user.id] = (now + current_app.config.get("NAV_COUNT_SECONDS", 30), count)
    return count


@bp.after_app_request
def _forget_after_writing(response):
    """After a request of theirs that may have changed what needs attention (a POST that redirects
    shows no navigation), the next page counts afresh."""
    if may_write() and current_user.is_authenticated and current_user.role in REPORT_ROLES:
        current_app.extensions.get("dari_nav_counts", {}).pop(current_user.id, None)
    return response


@bp.app_context_processor
def reports_nav():
    return {"reports_needing_attention": _count_for_nav, "report_roles": REPORT_ROLES}
