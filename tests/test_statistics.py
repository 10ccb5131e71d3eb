"""School-admin statistics (small numbers suppressed) and the read-only audit trail."""

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.admin.statistics import month_starts, reports_per_month
from app.extensions import db
from app.models import AuditEvent, Report, Role, School
from app.models.base import utcnow
from app.reports import crypto as reports_crypto

SEOUL = ZoneInfo("Asia/Seoul")


def make_report(app, school, created, category="bullying", acknowledged=None, closed=None, status=None, receipt=None):
    """A report row built by hand, dates set explicitly. Returns (id, ref, receipt)."""
    receipt = receipt or reports_crypto.new_receipt()
    with app.app_context():
        report = Report(
            school_id=school.id,
            receipt_hash=reports_crypto.keyed_hash(receipt),
            submission_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            category=category,
            affected="friend",
            urgent=False,
            wants=[],
            consent_parents="yes",
            consent_police="no",
            what_enc=reports_crypto.encrypt("what happened"),
            where_enc=reports_crypto.encrypt("a chat"),
            when_enc=reports_crypto.encrypt("yesterday"),
            created_at=created,
            last_activity_at=created,
            acknowledged_at=acknowledged,
            closed_at=closed,
            status=status or ("closed" if closed else "acknowledged" if acknowledged else "new"),
        )
        report.assign_ref()
        db.session.add(report)
        db.session.commit()
        return report.id, report.ref, receipt


def text(response):
    return response.get_data(as_text=True)


def table_rows(page: str, table_id: str) -> dict[str, str]:
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)
    return dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', body))


def _month(day) -> str:
    return day.strftime("%B %Y")


def in_month(day, hours=36) -> datetime:
    """A moment inside the school-time month starting on `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=SEOUL).astimezone(UTC) + timedelta(hours=hours)


@pytest.fixture
def data_set(app, school, other_school):
    """Ten reports at ALPHA (7 last month, 3 this month; 6 bullying, 3 AI image, 1 sextortion;
    4 closed; 5 acknowledged after 10 min, 20 min, 30 min, 2 h, 3 days) and 20 at BRAVO."""
    months = month_starts(utcnow(), SEOUL)
    last, this = months[-2], months[-1]
    waits = [timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=30), timedelta(hours=2), timedelta(days=3)]
    categories = ["bullying"] * 6 + ["ai_image"] * 3 + ["sextortion"]
    for n, category in enumerate(categories):
        created = in_month(last if n < 7 else this, hours=24 + n)
        acked = created + waits[n] if n < len(waits) else None
        closed = created + timedelta(days=4) if n in (0, 1, 7, 8) else None
        make_report(app, school, created, category, acknowledged=acked, closed=closed)
    for n in range(20):
        created = in_month(this, hours=30 + n)
        make_report(app, other_school, created, "sextortion", acknowledged=created + timedelta(days=9), closed=created)
    return months


def test_statistics_show_the_numbers_and_hide_small_ones(admin_client, data_set):
    response = admin_client.get("/admin/statistics")
    page = text(response)
    assert response.status_code == 200
    months = table_rows(page, "per-month")
    assert list(months) == [_month(day) for day in data_set]
    assert months[_month(data_set[-2])] == "7"
    assert months[_month(data_set[-1])] == "fewer than 5"  # 3 (BRAVO's 20 never count)
    assert months[_month(data_set[-3])] == "0"
    categories = table_rows(page, "per-category")
    assert categories["Bullying or harassment online"] == "6"
    assert categories["AI-made or edited sexual image"] == "fewer than 5"
    assert categories["Threats or blackmail (sextortion)"] == "fewer than 5"  # 1 here, 20 at BRAVO
    assert categories["Something else"] == "0"
    assert re.search(r'id="median-ack">30 minutes<', page)
    assert re.search(r'id="closed-share">40%<', page)
    assert "any count from 1 to 4 reads “fewer than 5”" in page
    assert '<th scope="col">' in page and "<caption" in page


def test_median_and_share_need_five_reports(app, admin_client, school):
    now = utcnow()
    for n in range(4):
        make_report(
            app,
            school,
            now - timedelta(days=2, hours=n),
            acknowledged=now - timedelta(days=1),
            closed=now - timedelta(hours=1),
        )
    page = text(admin_client.get("/admin/statistics"))
    assert re.search(r'id="median-ack">not enough reports to show<', page)
    assert re.search(r'id="closed-share">not enough reports to show<', page)
    assert table_rows(page, "per-category")["Bullying or harassment online"] == "fewer than 5"
    make_report(app, school, now - timedelta(days=3), acknowledged=now - timedelta(days=1))
    page = text(admin_client.get("/admin/statistics"))
    assert re.search(r'id="median-ack">26 hours<', page)  # waits 24, 25, 26, 27, 48 h
    assert re.search(r'id="closed-share">80%<', page)
    assert table_rows(page, "per-category")["Bullying or harassment online"] == "5"


def test_empty_school_shows_zeros(admin_client):
    page = text(admin_client.get("/admin/statistics"))
    assert set(table_rows(page, "per-month").values()) == {"0"}
    assert set(table_rows(page, "per-category").values()) == {"0"}
    assert "not enough reports to show" in page
    korean = admin_client.get("/admin/statistics?lang=ko")
    assert korean.status_code == 200 and "년" in text(korean)


def test_months_follow_the_school_time_zone(app, school):
    # 16:30 UTC on 29 February is already 1 March in Seoul.
    make_report(app, school, datetime(2024, 2, 29, 16, 30, tzinfo=UTC))
    make_report(app, school, datetime(2024, 2, 29, 14, 30, tzinfo=UTC))
    make_report(app, school, datetime(2023, 3, 31, 14, 0, tzinfo=UTC))  # 23:00 31 March: too old
    with app.app_context():
        counts = dict(reports_per_month(db.session.get(School, school.id), datetime(2024, 3, 20, tzinfo=UTC)))
    assert len(counts) == 12 and min(counts).isoformat() == "2023-04-01"
    assert counts[max(counts)] == 1 and sum(counts.values()) == 2


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.TEACHER, Role.STUDENT])
def test_statistics_and_audit_are_for_school_admins_only(factory, school, as_user, role):
    client = as_user(factory.user(school, role))
    assert client.get("/admin/statistics").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/admin/statistics", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_links_for_school_admins(admin_client):
    page = text(admin_client.get("/admin/statistics"))
    assert re.search(r'href="/admin/statistics" aria-current="page">Statistics<', page)
    assert 'href="/admin/audit">Audit trail<' in page
    assert not re.search(r'href="/admin/" aria-current', page)


# --- the audit trail ---------------------------------------------------------------------------


def add_events(app, school, count, action="view", ref="R-AAAA", actor_name="Ms Kim", start=None):
    start = start or datetime(2024, 5, 1, tzinfo=UTC)
    with app.app_context():
        db.session.add_all(
            AuditEvent(
                school_id=school.id,
                report_ref=ref,
                actor_name=actor_name,
                action=action,
                detail=f"line {n}",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(count)
        )
        db.session.commit()


def audit_rows(page: str) -> list[list[str]]:
    body = re.search(r'<table id="audit-table">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [
        re.findall(r"<t[hd][^>]*>(?:<time[^>]*>)?([^<]*)", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_audit_lists_the_schools_events_newest_first(app, admin_client, school, other_school):
    add_events(app, school, 2, action="note", ref="R-AAAA", actor_name="Ms Kim")
    add_events(
        app,
        school,
        1,
        action="purged",
        ref="R-BBBB",
        actor_name="system",
        start=datetime(2024, 6, 1, 0, 30, tzinfo=UTC),
    )
    add_events(app, other_school, 3, action="message", ref="R-CCCC", actor_name="Mr Other")
    response = admin_client.get("/admin/audit")
    page = text(response)
    assert response.status_code == 200 and "This trail cannot be edited." in page
    rows = audit_rows(page)
    assert [r[3] for r in rows] == ["R-BBBB", "R-AAAA", "R-AAAA"]
    assert rows[0][:3] == ["Jun 1, 2024 09:30", "Dari (automatic)", "Deleted the case text after the retention period"]
    assert rows[1][1:] == ["Ms Kim", "Added an internal note", "R-AAAA", "line 1"]
    assert "Mr Other" not in page and "R-CCCC" not in page


def test_audit_filters(app, admin_client, school):
    add_events(app, school, 3, action="note", ref="R-AAAA")
    add_events(app, school, 2, action="message", ref="R-AAAA")
    add_events(app, school, 4, action="note", ref="R-BBBB")
    assert len(audit_rows(text(admin_client.get("/admin/audit?ref=r-aaaa")))) == 5
    assert len(audit_rows(text(admin_client.get("/admin/audit?ref=AAAA&action=note")))) == 3
    assert len(audit_rows(text(admin_client.get("/admin/audit?action=note")))) == 7
    page = text(admin_client.get("/admin/audit?ref=R-ZZZZ"))
    assert 'id="audit-empty"' in page and "Nothing matches these filters." in page


def test_bad_audit_filters_are_named_or_refused(admin_client):
    response = admin_client.get("/admin/audit?ref=R-7K%3CQ")
    page = text(response)
    assert response.status_code == 422 and "A report reference looks like R-7KQ2." in page
    assert 'value="R-7K&lt;Q"' in page  # what was typed is kept
    response = admin_client.get("/admin/audit?ref=r-bad!")
    assert response.status_code == 422 and 'value="r-bad!"' in text(response)
    response = admin_client.get("/admin/audit?ref=" + "R" * 40)
    assert response.status_code == 422 and "at most 12 characters" in text(response)
    assert admin_client.get("/admin/audit?action=drop_table").status_code == 400
    assert admin_client.get("/admin/audit?page=zzz").status_code == 200


def test_audit_pages_of_fifty(app, admin_client, school):
    add_events(app, school, 120)
    first = text(admin_client.get("/admin/audit"))
    assert len(audit_rows(first)) == 50 and "Page 1 of 3" in first and "line 119" in first
    assert 'href="/admin/audit?page=2"' in first
    last = text(admin_client.get("/admin/audit?page=3&action=view"))
    rows = audit_rows(last)
    assert len(rows) == 20 and rows[-1][-1] == "line 0" and 'href="/admin/audit?page=2&amp;action=view"' in last


def test_audit_has_no_edit_or_delete_routes(app, admin_client, school):
    add_events(app, school, 1)
    with app.app_context():
        event_id = db.session.scalar(select(AuditEvent.id))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin_client, method)("/admin/audit").status_code == 405
    assert app.test_client().post("/admin/audit").status_code == 405
    for url in (f"/admin/audit/{event_id}", f"/admin/audit/{event_id}/delete", f"/admin/audit/{event_id}/edit"):
        assert admin_client.post(url).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_viewing_the_audit_trail_is_recorded(app, factory, school, as_user):
    admin_user = factory.user(school, Role.SCHOOL_ADMIN, display_name="Principal Lee")
    client = as_user(admin_user)
    client.get("/admin/audit?ref=R-AAAA")
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_viewed"))
        assert event.school_id == school.id and event.actor_id == admin_user.id
        assert event.actor_name == "Principal Lee" and event.detail == "ref=R-AAAA"
    page = text(client.get("/admin/audit"))
    assert "Looked at the audit trail" in page and "Principal Lee" in page
