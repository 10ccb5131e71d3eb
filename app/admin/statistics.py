"""A school admin's report statistics: reports per month and per category, how fast reports are
acknowledged, and how many are closed. Small numbers are never shown: any count from 1 to 4 reads
"fewer than 5", and a median or a percentage needs at least 5 reports behind it, so no report and
no reporter can be singled out. Purged reports still count: their rows (without text) stay."""

import statistics as pystats
from dataclasses import dataclass
from datetime import UTC, date, datetime

from babel.dates import format_skeleton
from flask import render_template
from flask_babel import format_percent, get_locale, gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import and_, case, func, select

from app.admin import bp
from app.admin.routes import admin_only
from app.admin.settings_forms import CATEGORY_LABELS
from app.extensions import db
from app.models import Category, Report, School, Status
from app.models.base import utcnow

THRESHOLD = 5  # counts below this (but above 0) are not shown
MONTHS = 12


def shown_count(count: int) -> str:
    """A count as the page shows it: 0, "fewer than 5", or the number itself."""
    if 0 < count < THRESHOLD:
        return _("fewer than %(num)d", num=THRESHOLD)
    return str(count)


def month_starts(now: datetime, tz, months: int = MONTHS) -> list[date]:
    """The first day of each of the last `months` months in the school's time zone, oldest first;
    the last one is the current month."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    starts = []
    for _n in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _utc_start(day: date, tz) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def reports_per_month(school: School, now: datetime) -> list[tuple[date, int]]:
    """(first day of month, count) for the last 12 months, months taken in the school's time zone.
    Months are bucketed in SQL with a CASE over UTC bounds, so it works the same on every database."""
    tz = school.tz
    starts = month_starts(now, tz)
    bounds = [_utc_start(day, tz) for day in starts]
    next_month = date(starts[-1].year + starts[-1].month // 12, starts[-1].month % 12 + 1, 1)
    bounds.append(_utc_start(next_month, tz))
    bucket = case(
        *((and_(Report.created_at >= bounds[i], Report.created_at < bounds[i + 1]), i) for i in range(len(starts))),
        else_=None,
    ).label("bucket")
    rows = db.session.execute(
        select(bucket, func.count(Report.id))
        .where(Report.school_id == school.id, Report.created_at >= bounds[0], Report.created_at < bounds[-1])
        .group_by(bucket)
    )
    counts = {index: count for index, count in rows if index is not None}
    return [(day, counts.get(i, 0)) for i, day in enumerate(starts)]


def reports_per_category(school_id: int) -> dict[str, tuple[int, int]]:
    """{category: (reports, closed reports)} over all time, every category present (0 if none)."""
    closed = func.sum(case((Report.status == Status.CLOSED.value, 1), else_=0))
    rows = db.session.execute(
        select(Report.category, func.count(Report.id), closed)
        .where(Report.school_id == school_id)
        .group_by(Report.category)
    )
    counts = {c.value: (0, 0) for c in Category}
    for category, total, closed_total in rows:
        counts[category] = (total, int(closed_total or 0))
    return counts


def acknowledge_seconds(school_id: int) -> list[float]:
    """How long each acknowledged report waited, in seconds: one query, the median is taken here."""
    rows = db.session.execute(
        select(Report.created_at, Report.acknowledged_at).where(
            Report.school_id == school_id, Report.acknowledged_at.is_not(None)
        )
    )
    return [max((acked - created).total_seconds(), 0.0) for created, acked in rows if acked is not None]


def describe_duration(seconds: float) -> str:
    """A waiting time in words: minutes under an hour, hours and minutes under two days, else days
    and hours."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        text = ngettext("%(num)d hour", "%(num)d hours", hours)
        return text + (" " + ngettext("%(num)d minute", "%(num)d minutes", minutes) if minutes else "")
    days, hours = divmod(hours, 24)
    text = ngettext("%(num)d day", "%(num)d days", days)
    return text + (" " + ngettext("%(num)d hour", "%(num)d hours", hours) if hours else "")


@dataclass(frozen=True)
class Summary:
    """Everything the page shows, already suppressed: strings, or None for "not enough reports"."""

    months: list[tuple[str, str]]
    categories: list[tuple[str, str]]
    median_ack: str | None
    closed_share: str | None


def summarize(school: School, now: datetime | None = None) -> Summary:
    now = now or utcnow()
    locale = get_locale()
    months = [
        (format_skeleton("yMMMM", day, locale=locale), shown_count(count))
        for day, count in reports_per_month(school, now)
    ]
    per_category = reports_per_category(school.id)
    categories = [(str(CATEGORY_LABELS[c]), shown_count(per_category[c.value][0])) for c in Category]
    total = sum(count for count, _closed in per_category.values())
    closed = sum(closed for _count, closed in per_category.values())
    waits = acknowledge_seconds(school.id)
    return Summary(
        months=months,
        categories=categories,
        median_ack=describe_duration(pystats.median(waits)) if len(waits) >= THRESHOLD else None,
        closed_share=format_percent(closed / total) if total >= THRESHOLD else None,
    )


@bp.route("/statistics")
@admin_only
def statistics():
    school = db.session.get_one(School, current_user.school_id)
    return render_template("admin/statistics.html", school=school, summary=summarize(school), threshold=THRESHOLD)
