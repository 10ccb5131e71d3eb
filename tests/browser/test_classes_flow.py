"""End to end: a teacher with an empty account sets up a class, a student learns, the teacher sees it."""

from datetime import date, timedelta

import pytest

from app.models import Role
from conftest import PASSWORD, Factory
from tests.browser.conftest import Audited, go, submit_and_audit


@pytest.fixture
def teacher(live_app):
    factory = Factory(live_app)
    return factory.user(factory.school("ALPHA", locale="en"), Role.TEACHER, display_name="Mr Lee")


def staff_login(page, user):
    go(page, "/login/staff")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())


def test_teacher_sets_up_a_class_and_sees_what_was_learned(page, browser, live_server, teacher):
    staff_login(page, teacher)
    submit_and_audit(page, lambda: page.get_by_role("link", name="Classes", exact=True).click())
    submit_and_audit(page, lambda: page.get_by_role("link", name="New class").click())
    page.get_by_label("Class name").fill("2-3")
    page.get_by_label("Grade (optional)").fill("8")
    page.get_by_label("Language of login cards").select_option("ko")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Save class").click())
    assert page.get_by_role("heading", name="Add students to 2-3").is_visible()  # a new class goes straight here
    page.get_by_label("Students' names, one per line").fill("김민지\n이준호")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Create accounts and print login cards").click())
    cards = page.locator(".login-card")
    assert cards.count() == 2 and "다리 로그인 카드" in cards.first.inner_text()
    codes = cards.first.locator("code").all_inner_texts()
    school_code, username, password = codes
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and cards.first.is_visible()  # the print view is just cards
    page.emulate_media(media="screen")

    submit_and_audit(page, lambda: page.get_by_role("link", name="Back to the class").click())
    submit_and_audit(page, lambda: page.get_by_role("link", name="Assignments").click())
    page.locator("#module-sample-consent").check()
    page.locator("#due_date").fill((date.today() + timedelta(days=7)).isoformat())
    page.locator("#due_time").fill("09:00")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Assign").click())
    assert page.get_by_text("Assigned: Sample consent.").is_visible()

    # The student logs in with the card, in Korean, and takes the quiz with one mistake.
    student = browser.new_context(base_url=live_server, locale="ko-KR", extra_http_headers={"Accept-Language": "ko"})
    spage = student.new_page()
    saudit = Audited(spage)
    spage.goto("/login")
    spage.locator("#school_code").fill(school_code)
    spage.locator("#username").fill(username)
    spage.locator("#password").fill(password)
    with spage.expect_navigation():
        spage.locator("#submit").click()
    spage.goto("/learn/")
    saudit()
    assert spage.get_by_role("heading", name="내 과제").is_visible() and "동의 예시" in spage.content()
    spage.goto("/learn/sample-consent/quiz")
    saudit()
    spage.locator("#q-photo-vs-post-agree").check()
    spage.locator("#q-parts-of-consent-reversible").check()
    spage.locator("#q-parts-of-consent-specific").check()
    spage.locator("#q-silence-false").check()
    with spage.expect_navigation():
        spage.locator('button[name="submit"]').click()
    assert "67%" in spage.content()
    saudit()
    student.close()
    assert not saudit.problems, saudit.problems

    submit_and_audit(page, lambda: page.get_by_role("link", name="2-3").first.click())
    submit_and_audit(page, lambda: page.get_by_role("link", name="Progress").click())
    table = page.locator("table").first.inner_text()
    assert "김민지" in table and "이준호" in table and "67%" in table
    submit_and_audit(page, lambda: page.get_by_role("link", name="Sample consent").first.click())
    # One student's answers are too few to name a most-missed question or a misconception.
    assert "Too few answers yet to name a most-missed question" in page.locator(".too-few").inner_text()
    assert page.locator(".most-missed").count() == 0

    # The same dashboard reads in Korean for a teacher who prefers it.
    submit_and_audit(page, lambda: page.get_by_role("button", name="한국어").click())
    assert page.locator("html").get_attribute("lang") == "ko"
    assert "아직 답이 너무 적어서" in page.content() and "가장 많이 틀린 문항:" not in page.content()
