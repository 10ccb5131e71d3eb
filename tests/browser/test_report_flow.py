"""A logged-out person on a phone files a report in Korean with the keyboard only; the school's
counselors, and only they, get an email without the report's words."""

import pytest

from app.models import Role
from conftest import Factory
from tests.browser.conftest import Audited


@pytest.fixture
def live_app(app_factory, tmp_path, smtp_server):
    return app_factory(
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}",
        MAIL_PORT=smtp_server.port,
        OUTBOX_DELIVER_AFTER_REQUEST=True,
    )


@pytest.fixture
def schools(live_app):
    factory = Factory(live_app)
    alpha = factory.school("ALPHA", name="한빛중학교", locale="ko")
    beta = factory.school("BETA", name="Beta Middle School")
    return {
        "alpha_counselor": factory.user(alpha, Role.COUNSELOR, email="counselor@alpha.example"),
        "beta_counselor": factory.user(beta, Role.COUNSELOR, email="counselor@beta.example"),
    }


def tab_to(page, predicate_js: str, limit: int = 60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"Tab never reached: {predicate_js}")


def test_phone_keyboard_only_report_in_korean(browser, live_server, schools, smtp_server):
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 360, "height": 740},
        locale="ko-KR",
        extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    audit = Audited(page)
    page.goto("/")
    tab_to(page, "document.activeElement.getAttribute('href') === '/report'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    tab_to(page, "document.activeElement.id === 'school'")
    page.keyboard.type("한빛")
    tab_to(page, "document.activeElement.name === 'category'")
    # Radio group: arrows move the choice; the first option is the AI-made image.
    page.keyboard.press("Space")
    assert page.locator('input[name="category"][value="ai_image"]').is_checked()
    tab_to(page, "document.activeElement.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit()
    assert "한빛중학교" in page.locator(".report-summary").inner_text()

    tab_to(page, "document.activeElement.name === 'affected'")
    page.keyboard.press("Space")  # 나 (me)
    tab_to(page, "document.activeElement.id === 'what'")
    page.keyboard.type("단톡방에 제 얼굴로 만든 합성 사진이 돌고 있어요. SecretWordXYZ")
    tab_to(page, "document.activeElement.id === 'where'")
    page.keyboard.type("카카오톡 오픈채팅 '2학년 모임'")
    tab_to(page, "document.activeElement.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit()
    receipt = page.locator("#receipt-code").inner_text()
    assert len(receipt.replace(" ", "")) == 16
    assert page.get_by_text("이 코드를 지금 저장하세요. 내 신고로 다시 돌아올 수 있는 유일한 방법이에요.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    [mail] = smtp_server.wait_for(1, timeout=5)
    assert mail.rcpt_tos == ["counselor@alpha.example"]
    assert "SecretWordXYZ" not in mail.raw.decode("utf-8", "replace")
    assert "합성 사진" not in mail.body
    context.close()
    assert not audit.problems, audit.problems


def test_quick_exit_leaves_and_back_does_not_return(browser, live_server, schools):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    # The neutral site is outside this machine's reach; intercept it so the test stays offline.
    page.route("https://www.google.com/**", lambda route: route.fulfill(status=200, body="<title>Search</title>ok"))
    page.goto("/help")
    page.goto("/report")
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.com/**")
    page.go_back()
    assert "/report" not in page.url  # replace(): the report page is not in history
    context.close()


def test_quick_exit_from_the_follow_up_closes_it_on_the_server(browser, live_app, live_server, schools):
    import time

    from app.extensions import db
    from app.models import Report, School
    from app.reports import crypto as reports_crypto

    receipt = "1234567812345678"
    with live_app.app_context():
        school = db.session.scalar(db.select(School).where(School.code == "BETA"))
        report = Report(
            school_id=school.id,
            receipt_hash=reports_crypto.keyed_hash(receipt),
            submission_hash="b" * 64,
            category="other",
            affected="me",
            consent_parents="no",
            consent_police="no",
            what_enc=reports_crypto.encrypt("words"),
        )
        report.assign_ref()
        db.session.add(report)
        db.session.commit()
        report_id = report.id
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.route("https://www.google.com/**", lambda route: route.fulfill(status=200, body="<title>Search</title>ok"))
    page.goto("/report/follow-up")
    page.fill("#code", receipt)
    page.keyboard.press("Enter")
    page.wait_for_selector("form[data-followup-leave]")
    page.wait_for_load_state("load")  # report.js is deferred: Esc does nothing until it has run
    [copied] = [c for c in context.cookies() if c["name"] == "dari_followup"]
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.com/**")
    for _ in range(150):  # the beacon is sent as the page goes; give a busy machine time
        with live_app.app_context():
            if db.session.get(Report, report_id).followup_version == 1:
                break
        time.sleep(0.1)
    with live_app.app_context():
        assert db.session.get(Report, report_id).followup_version == 1
    context.add_cookies([copied])  # a copy taken before the exit...
    page.goto(f"{live_server}/report/follow-up")
    assert page.locator("#code").count() == 1  # ...no longer opens the report
    context.close()
