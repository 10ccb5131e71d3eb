"""The class dashboard in a real browser, in English and Korean: axe-core finds no violations at
all (not only serious ones), the bars and the score distribution are drawn, and the sort links are
reached and followed with the keyboard alone."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.models import Role
from conftest import PASSWORD, Factory
from tests.test_dashboard import assign, attempt, lesson, make_class

WORDS = {
    "en": {"overdue": "Overdue", "legend": "How to read the table", "none": "No score yet"},
    "ko": {"overdue": "기한 지남", "legend": "표 보는 법", "none": "아직 점수 없음"},
}


@pytest.fixture
def dashboard_class(live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA", locale="en")
    teacher = factory.user(school, Role.TEACHER, display_name="Ms Kang")
    kids = [factory.user(school, Role.STUDENT, display_name=n) for n in ("Ahn Jiwoo", "Choi Yuna", "Kim Minji")]
    class_id = make_class(live_app, school, [teacher, *kids], name="2-3")
    assign(live_app, class_id, "sample-consent", due_in_days=-2)
    assign(live_app, class_id, "sample-help", due_in_days=5, excused=[kids[2]])
    lesson(live_app, kids[0], "sample-consent", current_step=3, steps_done=3, done=True)
    attempt(live_app, kids[0], 1)
    lesson(live_app, kids[1], "sample-consent", current_step=2, steps_done=1)
    return teacher, class_id


def axe_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v.get('impact')}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def tab_to(page, href_part: str, limit: int = 80) -> None:
    """Press Tab until the focused element is the link whose href contains `href_part`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if href_part in (page.evaluate("document.activeElement.getAttribute('href') || ''")):
            return
    raise AssertionError(f"no link to {href_part} within {limit} presses of Tab")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_dashboard_reads_at_a_glance_and_sorts_by_keyboard(browser, live_server, dashboard_class, lang):
    teacher, class_id = dashboard_class
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1100, "height": 900}, extra_http_headers={"Accept-Language": lang}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login/staff")
    page.locator("#email").fill(teacher.email)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#submit").click()
    page.goto(f"/classes/{class_id}/dashboard")
    assert page.locator("html").get_attribute("lang") == lang
    words = WORDS[lang]
    assert page.get_by_role("heading", name=words["legend"]).is_visible()
    assert page.locator("tbody svg.bar").count() == 3 and page.locator("tfoot .bands li").count() == 8
    assert words["none"] in page.locator("tfoot").inner_text()
    assert not axe_violations(page), axe_violations(page)

    # Keyboard only: Tab to the overdue column's sort link and follow it with Enter.
    page.locator("body").focus()
    tab_to(page, "sort=overdue")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    header = page.get_by_role("columnheader", name=words["overdue"])
    assert header.get_attribute("aria-sort") == "descending"
    names = page.locator("tbody th a").all_inner_texts()
    assert names == ["Choi Yuna", "Kim Minji", "Ahn Jiwoo"]  # one overdue each, then none; by name among equals
    tab_to(page, "sort=sample-help")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=sample-help" in page.url
    assert page.locator("tbody tr").last.locator("th a").inner_text() == "Kim Minji"  # excused: last
    assert not axe_violations(page), axe_violations(page)
    context.close()
