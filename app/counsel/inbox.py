"""The counselor's inbox: the reports this person may see, urgent unacknowledged ones first.

One query for the rows (unread and "reporter wrote" markers and the assignee's name included) and
one for the counselors in the filter, whatever the number of reports."""

from dataclasses import dataclass
from datetime import datetime

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import Integer, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from app.counsel import bp
from app.counsel.forms import STATUS_LABELS
from app.counsel.visibility import counselors_of, staff_for_reports, visibility
from app.extensions import db
from app.ids import page_number
from app.models import CaseMessage, Report, ReportView, Role, User
from app.models.report import Category, Status
from app.prepared import prepared
from app.reports.forms import CATEGORY_LABELS

PAGE_SIZE = 50
URGENCY = ("urgent", "not_urgent")


@dataclass
class InboxRow:
    report: Report
    assignee_name: str | None
    unread: bool
    reporter_wrote: bool


def seen_join(user_id):
    """ON clause joining the person's own ReportView row (if any) to Report; the id is a value or
    a bound parameter."""
    return and_(ReportView.report_id == Report.id, ReportView.user_id == user_id)


def unread_condition():
    return or_(ReportView.id.is_(None), ReportView.seen_at < Report.last_activity_at)


def urgent_unacknowledged():
    return and_(Report.urgent.is_(True), Report.acknowledged_at.is_(None))


def parse_filters(args, people_ids: set[int]) -> dict[str, str]:
    """The filters that make sense; anything else in the query string is ignored."""
    chosen = {}
    status = args.get("status", "")
    if status == "open" or status in {s.value for s in Status}:
        chosen["status"] = status
    if args.get("category", "") in {c.value for c in Category}:
        chosen["category"] = args["category"]
    if args.get("urgency", "") in URGENCY:
        chosen["urgency"] = args["urgency"]
    assignee = args.get("assignee", "")
    if assignee in ("me", "unassigned") or (assignee.isdigit() and int(assignee) in people_ids):
        chosen["assignee"] = assignee
    return chosen


def _conditions(chosen: dict[str, str], user: User) -> list:
    where = []
    status = chosen.get("status")
    if status == "open":
        where.append(Report.status != Status.CLOSED)
    elif status:
        where.append(Report.status == status)
    if "category" in chosen:
        where.append(Report.category == chosen["category"])
    if "urgency" in chosen:
        where.append(Report.urgent.is_(chosen["urgency"] == "urgent"))
    assignee = chosen.get("assignee")
    if assignee == "me":
        where.append(Report.assignee_id == user.id)
    elif assignee == "unassigned":
        where.append(Report.assignee_id.is_(None))
    elif assignee:
        where.append(Report.assignee_id == int(assignee))
    return where


@prepared((Role.COUNSELOR,), (Role.SCHOOL_ADMIN,))
def _rows_statement(role: str):
    """The inbox query for a role, built once with the person as bound parameters: building it took
    longer than running it. Filters and the page are added per request."""
    user_id, school_id = bindparam("user_id", type_=Integer), bindparam("school_id", type_=Integer)
    assignee = aliased(User)
    reporter_last = (
        select(func.max(CaseMessage.created_at))
        .where(CaseMessage.report_id == Report.id, CaseMessage.from_reporter.is_(True))
        .correlate(Report)
        .scalar_subquery()
    )
    return (
        select(Report, ReportView.seen_at, reporter_last.label("reporter_last"), assignee.display_name)
        .outerjoin(ReportView, seen_join(user_id))
        .outerjoin(assignee, assignee.id == Report.assignee_id)
        .where(visibility(role, user_id, school_id), Report.purged_at.is_(None))
        .order_by(case((urgent_unacknowledged(), 0), else_=1), Report.last_activity_at.desc(), Report.id.desc())
    )


def inbox_rows(user: User, chosen: dict[str, str], page: int = 1) -> tuple[list[InboxRow], bool]:
    """One page of rows, and whether there is a next page."""
    stmt = (
        _rows_statement(user.role).where(*_conditions(chosen, user)).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    )
    rows = [
        InboxRow(report, name, _unread(seen_at, report.last_activity_at), _newer(last, seen_at))
        for report, seen_at, last, name in db.session.execute(stmt, {"user_id": user.id, "school_id": user.school_id})
    ]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _unread(seen_at: datetime | None, activity: datetime) -> bool:
    return seen_at is None or seen_at < activity


def _newer(reporter_last: datetime | None, seen_at: datetime | None) -> bool:
    return reporter_last is not None and (seen_at is None or reporter_last > seen_at)


def _people(user: User) -> list[tuple[int, str]]:
    """Who the assignee filter offers: the school's active counselors (and an admin themself)."""
    people = [(u.id, u.display_name) for u in counselors_of(user.school_id)]
    if user.role != Role.COUNSELOR:
        people.append((user.id, user.display_name))
    return people


@bp.route("/")
@staff_for_reports
def inbox():
    people = _people(current_user)
    chosen = parse_filters(request.args, {pid for pid, _ in people})
    page = request.args.get("page", 1, type=page_number) or 1
    page = min(max(page, 1), 10_000)
    rows, has_next = inbox_rows(current_user, chosen, page)
    return render_template(
        "counsel/inbox.html",
        rows=rows,
        chosen=chosen,
        people=people,
        page=page,
        has_next=has_next,
        status_labels=STATUS_LABELS,
        category_labels=CATEGORY_LABELS,
        statuses=list(Status),
        categories=list(Category),
    )
