"""The counselor inbox: who sees which report (and 404 for everyone else), what needs attention
first, filters, unread markers, the count in the navigation, and a fixed number of queries."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ReportView, Role
from counsel_helpers import (
    audit_actions,
    call,
    case_urls,
    count_queries,
    get_report,
    make_report,
    refs_in,
    reporter_writes,
    text,
)

# --- who sees what -----------------------------------------------------------------------------


def test_each_person_sees_exactly_the_reports_routed_to_them(counsel_world, as_user):
    r = counsel_world.r
    everything = [r.ai, r.bullying, r.urgent, r.assigned]
    expected = {
        "admin": everything,
        "kim": everything,
        "lee": [r.bullying, r.urgent, r.assigned],
        "park": [r.bullying, r.urgent],
    }
    for who, visible in expected.items():
        client = as_user(getattr(counsel_world, who))
        assert refs_in(text(client.get("/counsel/")), *everything) == visible, who
        for report in everything:
            assert client.get(f"/counsel/reports/{report.id}").status_code == (200 if report in visible else 404)


def test_a_counselor_not_routed_gets_404_on_every_case_url(app, counsel_world, as_user):
    client = as_user(counsel_world.park)
    for method, url in case_urls(counsel_world.r.ai.id) + case_urls(999_999):
        assert call(client, method, url).status_code == 404, url
    assert audit_actions(app, counsel_world.r.ai) == []


@pytest.mark.parametrize(
    "who,code", [("other-counselor", 404), ("other-admin", 404), ("teacher", 403), ("student", 403)]
)
def test_other_schools_and_other_roles_never_reach_a_case(app, factory, counsel_world, as_user, who, code):
    beta = factory.school("BETA")
    user = {
        "other-counselor": lambda: factory.user(beta, Role.COUNSELOR),
        "other-admin": lambda: factory.user(beta, Role.SCHOOL_ADMIN),
        "teacher": lambda: factory.user(counsel_world.kim.school, Role.TEACHER),
        "student": lambda: factory.user(counsel_world.kim.school, Role.STUDENT),
    }[who]()
    client = as_user(user)
    for method, url in case_urls(counsel_world.r.urgent.id):
        assert call(client, method, url).status_code == code, url
    inbox = client.get("/counsel/")
    assert inbox.status_code == (200 if code == 404 else 403)
    assert counsel_world.r.urgent.ref not in text(inbox)
    assert ('href="/counsel/"' in text(client.get("/account/"))) == (code == 404)  # the nav item: staff only
    assert (
        get_report(app, counsel_world.r.urgent).acknowledged_at is None
        and audit_actions(app, counsel_world.r.urgent) == []
    )


# --- the inbox ---------------------------------------------------------------------------------


def test_urgent_unacknowledged_first_then_latest_activity(app, counsel_world, as_user):
    r = counsel_world.r
    client = as_user(counsel_world.admin)
    page = text(client.get("/counsel/"))
    assert re.findall(r">(R-\w{4})</a></th>", page) == [r.urgent.ref, r.assigned.ref, r.bullying.ref, r.ai.ref]
    assert "Not acknowledged" in page and "Urgent" in page
    reporter_writes(app, r.ai)
    client.post(f"/counsel/reports/{r.urgent.id}/acknowledge")
    page = text(client.get("/counsel/"))
    assert re.findall(r">(R-\w{4})</a></th>", page)[:2] == [r.urgent.ref, r.ai.ref]  # both newest activity now
    assert "Not acknowledged" not in page


def test_filters_narrow_the_list_and_nonsense_is_ignored(counsel_world, as_user):
    r = counsel_world.r
    client = as_user(counsel_world.kim)
    client.post(f"/counsel/reports/{r.bullying.id}/assign", data={"assign-assignee": str(counsel_world.kim.id)})

    def listed(query):
        response = client.get("/counsel/?" + query)
        assert response.status_code == 200, query
        return refs_in(text(response), r.ai, r.bullying, r.urgent, r.assigned)

    assert listed("category=ai_image") == [r.ai, r.assigned]
    assert listed("urgency=urgent") == [r.urgent]
    assert listed("urgency=not_urgent") == [r.ai, r.bullying, r.assigned]
    assert listed("assignee=me") == [r.bullying]
    assert listed(f"assignee={counsel_world.lee.id}") == [r.assigned]
    assert listed("assignee=unassigned") == [r.ai, r.urgent]
    assert listed("status=new&category=ai_image") == [r.ai, r.assigned]
    assert listed("status=closed") == []
    assert listed("status=open") == [r.ai, r.bullying, r.urgent, r.assigned]
    everything = [r.ai, r.bullying, r.urgent, r.assigned]
    for nonsense in [
        "status=lost",
        "category=<script>",
        "urgency=maybe",
        "assignee=999999",
        "assignee=-1",
        "assignee=%00",
        "page=abc",
        "page=-4",
        "status=open&page=0",
    ]:
        assert listed(nonsense) == everything, nonsense
    assert listed("page=99999999999999999999") == []  # past the end: an empty page, not an error


def test_unread_and_reporter_message_markers(app, counsel_world, as_user):
    r = counsel_world.r
    client = as_user(counsel_world.park)

    def row_of(report):
        page = text(client.get("/counsel/"))
        return re.search(rf'<tr[^>]*data-report="{report.id}">.*?</tr>', page, re.S).group(0)

    assert "Unread" in row_of(r.bullying) and "New message from the reporter" not in row_of(r.bullying)
    client.get(f"/counsel/reports/{r.bullying.id}")
    assert "Unread" not in row_of(r.bullying)
    reporter_writes(app, r.bullying)
    assert "Unread" in row_of(r.bullying) and "New message from the reporter" in row_of(r.bullying)
    client.get(f"/counsel/reports/{r.bullying.id}")
    assert "Unread" not in row_of(r.bullying) and "New message from the reporter" not in row_of(r.bullying)
    as_user(counsel_world.kim).post(
        f"/counsel/reports/{r.bullying.id}/notes", data={"note-body": "Called the class teacher"}
    )
    assert "Unread" in row_of(r.bullying)  # someone else's action is news
    with app.app_context():
        view = db.session.scalar(
            select(ReportView).where(ReportView.report_id == r.bullying.id, ReportView.user_id == counsel_world.park.id)
        )
        assert view is not None  # one row per person and report, updated in place


def test_nav_counts_reports_needing_attention(app, counsel_world, as_user):
    def count(client, url="/account/"):
        match = re.search(r'id="reports-attention">(\d+)<', text(client.get(url)))
        return int(match.group(1)) if match else 0

    park = as_user(counsel_world.park)
    assert count(park) == 2 and 'href="/counsel/"' in text(park.get("/account/"))
    with count_queries(app) as statements:
        park.get("/counsel/")
    assert sum("count(reports.id)" in s for s in statements) <= 1  # at most one query per page (cached a short while)
    park.get(f"/counsel/reports/{counsel_world.r.bullying.id}")
    assert count(park) == 1
    park.get(f"/counsel/reports/{counsel_world.r.urgent.id}")
    assert count(park) == 1  # read, but urgent and nobody acknowledged it
    park.post(f"/counsel/reports/{counsel_world.r.urgent.id}/acknowledge")
    assert count(park) == 0
    assert count(as_user(counsel_world.admin)) == 4  # the admin opened nothing


def test_inbox_runs_the_same_number_of_queries_for_3_and_30_reports(app, factory, school, as_user):
    counselor = factory.user(school, Role.COUNSELOR)
    client = as_user(counselor)
    app.config["NAV_COUNT_SECONDS"] = 0  # every page counts the navigation badge afresh, as after a write
    other = factory.user(school, Role.COUNSELOR)

    def queries_for_inbox():
        with count_queries(app) as statements:
            assert client.get("/counsel/").status_code == 200
        return len(statements)

    for n in range(3):
        make_report(app, school, "danger" if n == 0 else "bullying", ago=n, assignee_id=other.id)
    reporter_writes(app, SimpleNamespace(id=1))
    few = queries_for_inbox()
    for n in range(27):
        make_report(app, school, ["ai_image", "bullying", "danger"][n % 3], ago=n, assignee_id=[None, other.id][n % 2])
    many = queries_for_inbox()
    assert text(client.get("/counsel/")).count("</a></th>") == 30
    assert few == many, (few, many)
