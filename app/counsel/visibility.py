"""Which reports a staff member may see: the one place that decides it.

School admins see every report of their school. A counselor sees the reports routed to them:
urgent ones, those of a category whose routing rules name them, those of a category with no rule
(every counselor), and any assigned to them. Everyone else sees none (404)."""

from flask import abort
from flask_login import current_user
from sqlalchemy import Integer, and_, bindparam, exists, or_, select

from app.extensions import db
from app.models import Report, Role, RoutingRule, User
from app.prepared import prepared
from app.security import role_required

staff_for_reports = role_required(Role.COUNSELOR, Role.SCHOOL_ADMIN)


def visible_condition(user: User):
    """A WHERE clause selecting the reports `user` may see (school scoping included)."""
    return visibility(user.role, user.id, user.school_id)


def visibility(role: str, user_id, school_id):
    """The same for a role, with the person's id and school as values or as bound parameters (for a
    statement built once, see app.counsel.inbox)."""
    same_school = Report.school_id == school_id
    if role == Role.SCHOOL_ADMIN:
        return same_school
    if role != Role.COUNSELOR:
        return Report.id.is_(None)  # nothing
    rule_for_category = and_(RoutingRule.school_id == Report.school_id, RoutingRule.category == Report.category)
    named = exists().where(rule_for_category, RoutingRule.user_id == user_id)
    no_rule = ~exists().where(rule_for_category)
    return and_(same_school, or_(Report.urgent.is_(True), named, no_rule, Report.assignee_id == user_id))


def visible_reports():
    return select(Report).where(visible_condition(current_user))


def report_or_404(report_id: int) -> Report:
    """A report the current user may see, or 404 — the same answer whether it exists or not."""
    report = db.session.scalar(select(Report).where(Report.id == report_id, visible_condition(current_user)))
    if report is None or report.purged_at is not None:
        abort(404)
    return report


def counselors_of(school_id: int) -> list:
    """The school's active counselors by name: (id, display_name) rows, not whole accounts."""
    return list(db.session.execute(_counselors_statement(), {"school_id": school_id}))


@prepared()
def _counselors_statement():
    """Built once: the inbox's filter asks on every page (building it cost more than running it)."""
    return (
        select(User.id, User.display_name)
        .where(User.school_id == bindparam("school_id", type_=Integer), User.role == Role.COUNSELOR)
        .where(User.active.is_(True))
        .order_by(User.display_name)
    )
