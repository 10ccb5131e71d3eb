"""The "Reports" item in the navigation, with how many reports need this person's attention."""

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from app.counsel.inbox import seen_join, unread_condition, urgent_unacknowledged
from app.counsel.visibility import visible_condition
from app.extensions import db
from app.models import Report, ReportView, Role, User
from app.nav_counts import per_person

REPORT_ROLES = (Role.COUNSELOR, Role.SCHOOL_ADMIN)


def needing_attention(user: User) -> int:
    """Visible reports that are unread for `user`, or urgent and not yet acknowledged: one query."""
    return (
        db.session.scalar(
            select(func.count(Report.id))
            .select_from(Report)
            .outerjoin(ReportView, seen_join(user.id))
            .where(
                visible_condition(user), Report.purged_at.is_(None), or_(unread_condition(), urgent_unacknowledged())
            )
        )
        or 0
    )


def count_for_nav() -> int | None:
    """Counted at most once per request, and only when a page's navigation asks for it."""
    if not current_user.is_authenticated or current_user.role not in REPORT_ROLES:
        return None
    if "counsel_attention" not in g:
        g.counsel_attention = per_person("reports", _count)
    return g.counsel_attention


def _count() -> int | None:
    try:
        return needing_attention(current_user)
    except SQLAlchemyError:  # a badge must never break the page (e.g. the error page itself)
        db.session.rollback()
        current_app.logger.error("counsel: reports count for the navigation failed")
        return None
