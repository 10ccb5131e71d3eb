"""Log in as each role, switch language, and log in with the keyboard alone."""

import pyotp
import pytest

from app.models import Role
from conftest import PASSWORD, Factory
from tests.browser.conftest import go, submit_and_audit


@pytest.fixture
def people(live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA", name="Alpha Middle School")
    return {
        Role.STUDENT: factory.user(school, Role.STUDENT, display_name="Minji"),
        Role.TEACHER: factory.user(school, Role.TEACHER, display_name="Mr Lee"),
        Role.COUNSELOR: factory.user(school, Role.COUNSELOR, display_name="Ms Kim"),
        Role.SCHOOL_ADMIN: factory.user(school, Role.SCHOOL_ADMIN, display_name="Ms Park", totp=False),
    }


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN])
def test_each_role_logs_in_and_out(page, people, role):
    user = people[role]
    if role == Role.STUDENT:
        go(page, "/login")
        page.get_by_label("School code").fill("alpha")
        page.get_by_label("Username").fill(user.username)
    else:
        go(page, "/login/staff")
        page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.get_by_role("button", name="Log in").click())

    if role == Role.COUNSELOR:
        page.get_by_label("Code", exact=True).fill(pyotp.TOTP(user.totp_secret).now())
        submit_and_audit(page, lambda: page.get_by_role("button", name="Continue").click())
    if role == Role.SCHOOL_ADMIN:  # first login: enrol an authenticator
        secret = page.locator("#totp-secret").inner_text()
        page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
        submit_and_audit(page, lambda: page.get_by_role("button", name="Continue").click())
        assert page.locator("#recovery-codes li").count() == 10
        submit_and_audit(page, lambda: page.get_by_role("link", name="I have saved them").click())

    assert page.get_by_role("heading", name=f"Hello, {user.display_name}").is_visible()
    page.locator("summary", has_text="Get help now").click()
    assert page.get_by_text("Take It Down").first.is_visible()
    page.audit.seen.clear()
    page.audit()  # the open help panel is audited too
    submit_and_audit(page, lambda: page.get_by_role("button", name="Log out").click())
    assert page.get_by_text("You have logged out.").is_visible()


def test_wrong_password_shows_the_problem_and_keeps_the_input(page, people):
    go(page, "/login")
    page.get_by_label("School code").fill("ALPHA")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("wrong-password")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Log in").click())
    alert = page.get_by_role("alert")
    assert "do not match" in alert.inner_text()
    assert page.get_by_label("Username").input_value() == "someone"
    assert page.evaluate("document.activeElement.id") == "error-summary"


def test_switch_language_to_korean_and_back(page, people):
    go(page, "/")
    submit_and_audit(page, lambda: page.get_by_role("button", name="한국어").click())
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("summary", has_text="지금 도움받기").is_visible()
    submit_and_audit(page, lambda: page.get_by_role("button", name="English").click())
    assert page.locator("html").get_attribute("lang") == "en"


def test_keyboard_only_student_login_in_korean(page, people):
    page.context.set_extra_http_headers({"Accept-Language": "ko-KR,ko;q=0.9"})
    go(page, "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "본문으로 바로가기"  # the skip link comes first
    page.keyboard.press("Enter")
    # From the main landmark, Tab reaches the form fields in order.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "school_code":
            break
    assert page.evaluate("document.activeElement.id") == "school_code"
    page.keyboard.type("ALPHA")
    page.keyboard.press("Tab")
    page.keyboard.type(people[Role.STUDENT].username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.audit()
    assert page.get_by_role("heading", name="Minji 님, 안녕하세요").is_visible()


def test_layout_works_on_a_small_phone(page, people):
    page.set_viewport_size({"width": 320, "height": 640})
    go(page, "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"page scrolls sideways at 320px ({width}px wide)"
    page.locator("summary", has_text="Get help now").click()
    box = page.locator(".help-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
