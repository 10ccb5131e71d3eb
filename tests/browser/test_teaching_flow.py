"""Teaching in a real browser: a new teacher from the invite link to a first assigned module in at
most eight actions; a student's to-do list and retrying missed questions on a phone in Korean; the
handout's print view and the slides' arrow keys. axe-core audits every page reached."""

import os
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Invite, Role
from conftest import PASSWORD, Factory
from tests.browser.conftest import Audited, go, submit_and_audit
from tests.test_dashboard import assign, attempt, lesson, make_class

MAX_ACTIONS = 8
DOCS = Path(__file__).resolve().parents[2] / "docs"


class Actions:
    """Counts what the user does: each navigation, click and submit (typing into a field is not one)."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def go(self, path):
        self.count += 1
        self.log.append(f"open {path}")
        go(self.page, path)

    def click(self, locator, what, navigates=True):
        self.count += 1
        self.log.append(what)
        if navigates:
            submit_and_audit(self.page, locator.click)
        else:
            locator.click()


@pytest.fixture
def invite_link(live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA", locale="en")
    admin = factory.user(school, Role.SCHOOL_ADMIN)
    with live_app.app_context():
        invite, token = Invite.issue(school.id, Role.TEACHER, "new.teacher@alpha.example", admin.id, 72)
        db.session.add(invite)
        db.session.commit()
    return f"/invite/{token}"


def test_new_teacher_assigns_a_first_module_in_eight_actions(page, invite_link):
    page.add_init_script("window.print = function () { window.__printed = true; };")  # no dialog headless
    act = Actions(page)
    act.go(invite_link)
    page.get_by_label("Your name as colleagues and students will see it").fill("Ms Kang")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the new password again").fill(PASSWORD)
    act.click(page.get_by_role("button", name="Create my account"), "create the account")
    page.locator("#email").fill("new.teacher@alpha.example")
    page.locator("#password").fill(PASSWORD)
    act.click(page.locator("#submit"), "log in")

    assert page.get_by_role("heading", name="Getting started").is_visible()
    act.click(page.get_by_role("link", name="Create a class"), "checklist: create a class")
    page.get_by_label("Class name").fill("1-2")
    act.click(page.get_by_role("button", name="Save class"), "save the class")
    page.get_by_label("Students' names, one per line").fill("Kim Minji\nLee Junho\nPark Seoyeon")
    act.click(page.get_by_role("button", name="Create accounts and print login cards"), "add students")
    assert page.locator(".login-card").count() == 3
    act.click(page.get_by_role("button", name="Print the cards"), "print the cards", navigates=False)
    assert page.evaluate("window.__printed") is True
    page.get_by_label("Module for the whole class").select_option("sample-consent")
    act.click(page.get_by_role("button", name="Assign", exact=True), "assign")
    assert page.get_by_text("Assigned: Sample consent.").is_visible()
    assert act.count <= MAX_ACTIONS, f"{act.count} actions: {act.log}"

    go(page, "/")
    steps = page.locator(".start-steps li")
    assert [steps.nth(n).get_attribute("class").split()[0] for n in range(5)] == ["is-done"] * 4 + ["is-todo"]


@pytest.fixture
def world(live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA", locale="ko")
    teacher = factory.user(school, Role.TEACHER, display_name="강선생")
    students = [factory.user(school, Role.STUDENT, display_name=n) for n in ("김민지", "이준호", "박서연")]
    class_id = make_class(live_app, school, [teacher, *students], name="2-3")
    assign(live_app, class_id, "sample-consent", due_in_days=-1)
    assign(live_app, class_id, "sample-help", due_in_days=4)
    lesson(live_app, students[0], "sample-consent", current_step=2, steps_done=1)
    attempt(live_app, students[1], 1, {"photo-vs-post": "agree"})
    lesson(live_app, students[1], "sample-consent", current_step=3, steps_done=3, done=True)
    return live_app, teacher, students, class_id


def test_student_on_a_phone_in_korean_sees_a_to_do_list_and_retries_missed_questions(browser, live_server, world):
    _app, _teacher, students, _class_id = world
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 360, "height": 780},
        locale="ko-KR",
        extra_http_headers={"Accept-Language": "ko"},
    )
    page = context.new_page()
    audit = Audited(page)
    page.audit = audit
    go(page, "/login")
    page.locator("#school_code").fill("ALPHA")
    page.locator("#username").fill(students[0].username)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())
    todo = page.locator("#to-do")
    assert "할 모듈이 2개" in todo.inner_text() and "1개는 기한이 지났어요" in todo.inner_text()
    assert page.locator("progress.module-bar").count() == 2 and "약 " in todo.inner_text()
    assert page.locator(".main-nav .nav-count").inner_text().startswith("2")
    context.close()

    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 360, "height": 780},
        locale="ko-KR",
        extra_http_headers={"Accept-Language": "ko"},
    )
    page = context.new_page()
    audit2 = Audited(page)
    page.audit = audit2
    go(page, "/login")
    page.locator("#school_code").fill("ALPHA")
    page.locator("#username").fill(students[1].username)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())
    go(page, "/learn/sample-consent")
    submit_and_audit(page, lambda: page.get_by_role("link", name="1회차").click())
    submit_and_audit(page, lambda: page.get_by_role("link", name="틀린 문제 1개 다시 풀기").click())
    page.locator("#q-photo-vs-post-disagree").check()
    submit_and_audit(page, lambda: page.get_by_role("button", name="답 확인하기").click())
    assert "이번에는 1문제 중 1문제를 맞혔어요." in page.content()
    context.close()
    assert not audit.problems + audit2.problems, audit.problems + audit2.problems


def staff_login(page, user):
    go(page, "/login/staff")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())


def test_handout_prints_alone_and_slides_move_with_arrow_keys(page, world):
    _app, teacher, _students, _class_id = world
    staff_login(page, teacher)
    go(page, "/learn/sample-consent/handout?lang=en")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".print-toolbar").is_hidden()
    assert page.get_by_role("heading", name="Key ideas").is_visible()
    page.emulate_media(media="screen")
    go(page, "/learn/sample-consent/handout?lang=ko")
    assert page.get_by_role("heading", name="핵심 내용").is_visible()

    go(page, "/learn/sample-consent/slides/1")
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")
    assert page.url.endswith("/slides/2")
    page.audit()
    with page.expect_navigation():
        page.keyboard.press("ArrowLeft")
    assert page.url.endswith("/slides/1")
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert page.url.endswith("/learn/sample-consent")
    page.audit()


def test_dashboard_screenshot_for_the_readme(page, live_app, tmp_path):
    """The dashboard as the README shows it. DARI_UPDATE_SCREENSHOTS=1 writes it to docs/dashboard.png
    (English names: the test machine may lack Korean fonts); otherwise the run leaves the tree alone."""
    factory = Factory(live_app)
    school = factory.school("ALPHA", locale="en")
    teacher = factory.user(school, Role.TEACHER, display_name="Ms Kang")
    names = ("Ahn Jiwoo", "Choi Yuna", "Kim Minji", "Lee Junho", "Park Seoyeon", "Yoon Hyunwoo")
    kids = [factory.user(school, Role.STUDENT, display_name=n) for n in names]
    class_id = make_class(live_app, school, [teacher, *kids], name="2-3")
    assign(live_app, class_id, "sample-consent", due_in_days=-2)
    assign(live_app, class_id, "sample-help", due_in_days=5, excused=[kids[5]])  # shows a "not counted" cell
    for n, kid in enumerate(kids[:4]):
        lesson(live_app, kid, "sample-consent", current_step=3, steps_done=3, done=True)
        attempt(live_app, kid, 1, {"photo-vs-post": "agree"} if n % 2 else None)
    lesson(live_app, kids[4], "sample-consent", current_step=2, steps_done=1)
    lesson(live_app, kids[0], "sample-help", current_step=2, steps_done=1)
    staff_login(page, teacher)
    page.set_viewport_size({"width": 1000, "height": 900})
    go(page, f"/classes/{class_id}/dashboard")
    shot = (DOCS if os.environ.get("DARI_UPDATE_SCREENSHOTS") == "1" else tmp_path) / "dashboard.png"
    page.locator("main").screenshot(path=str(shot))
    assert 0 < shot.stat().st_size < 300_000
