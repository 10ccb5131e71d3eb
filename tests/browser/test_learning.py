"""A student takes a lesson and a quiz in a real browser: mouse for the lesson, keyboard only for a quiz."""

import pytest

from app.models import Role
from conftest import PASSWORD, Factory
from tests.browser.conftest import go, submit_and_audit


@pytest.fixture
def student(live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA")
    return factory.user(school, Role.STUDENT, display_name="Minji")


def log_in(page, student):
    go(page, "/login")
    page.locator("#school_code").fill("ALPHA")  # by id: the same in both languages
    page.locator("#username").fill(student.username)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())


def test_lesson_step_by_step_with_scenario_and_reflection(page, student):
    log_in(page, student)
    submit_and_audit(page, lambda: page.get_by_role("link", name="Learn", exact=True).click())
    submit_and_audit(page, lambda: page.get_by_role("link", name="Sample consent").click())
    submit_and_audit(page, lambda: page.get_by_role("link", name="Start the lesson").click())
    assert page.get_by_text("Step 1 of 3").is_visible()

    # With JavaScript the feedback appears at once, without leaving the page.
    url = page.url
    page.get_by_label("Say nothing.").check()
    page.get_by_role("button", name="See what happens").click()
    assert page.get_by_text("Silence is not consent.").is_visible()
    assert not page.get_by_text("That is your right.").is_visible()
    assert page.url == url

    submit_and_audit(page, lambda: page.get_by_role("button", name="Next").click())
    page.get_by_label("When has someone asked you first?").fill("At my cousin's wedding.")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Save my answer").click())
    assert page.get_by_text("Saved. Only you can see this answer.").is_visible()
    assert page.get_by_label("When has someone asked you first?").input_value() == "At my cousin's wedding."

    submit_and_audit(page, lambda: page.get_by_role("button", name="Next").click())
    submit_and_audit(page, lambda: page.get_by_role("button", name="Finish the lesson").click())
    assert page.get_by_text("You finished the lesson").is_visible()


def test_quiz_by_keyboard_only_in_korean(page, student):
    page.context.set_extra_http_headers({"Accept-Language": "ko"})
    log_in(page, student)
    go(page, "/learn/sample-consent/quiz")

    def tab_to(element_id: str, limit: int = 40):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    # Radio groups: Tab enters the group, arrow keys choose; checkboxes toggle with Space.
    tab_to(page.locator('input[name="q-photo-vs-post"]').first.get_attribute("id"))
    for _ in range(3):  # options are shuffled: arrow to the right one, then Space selects it
        if page.evaluate("document.activeElement.value") == "disagree":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator("#q-photo-vs-post-disagree").is_checked()

    for option in ("reversible", "specific"):
        tab_to(f"q-parts-of-consent-{option}")
        page.keyboard.press("Space")
    tab_to("q-silence-true")
    page.keyboard.press("ArrowDown")  # moves to "false" and selects it
    assert page.locator("#q-silence-false").is_checked()

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "답안 제출하기"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.audit()
    assert page.get_by_role("heading", name="내 점수: 100%").is_visible()
    assert page.get_by_text("통과했어요.").is_visible()


def test_unanswered_quiz_moves_focus_to_the_problem_list(page, student):
    log_in(page, student)
    go(page, "/learn/sample-help/quiz")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Hand in my answers").click())
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_role("link", name="Question 1").is_visible()


def test_sensitive_lesson_content_note_on_a_phone(page, student):
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, student)
    go(page, "/learn/sample-help")
    assert page.get_by_role("note").is_visible()
    assert page.get_by_role("link", name="Not now — step away").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_easy_read_version_from_the_module_page_on_a_phone_in_korean(page, student):
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.set_extra_http_headers({"Accept-Language": "ko"})
    log_in(page, student)
    go(page, "/learn/sample-help")
    submit_and_audit(page, lambda: page.get_by_role("link", name="쉬운 글로 보기").click())
    assert page.get_by_role("heading", name="누구 잘못이에요?").is_visible()
    assert page.get_by_role("note").is_visible()  # the lesson's content note
    assert page.get_by_role("complementary", name="도움받을 수 있는 곳").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
