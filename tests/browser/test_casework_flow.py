"""End to end: a report goes in; a counselor is alerted, acknowledges, writes to the reporter, records a
removal request and closes the case; the reporter reads the reply with the receipt code and answers."""

import pyotp
import pytest

from app.models import Role
from conftest import PASSWORD, Factory
from tests.browser.conftest import Audited, go, submit_and_audit


@pytest.fixture
def live_app(app_factory, tmp_path, smtp_server):
    return app_factory(
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}",
        MAIL_PORT=smtp_server.port,
        OUTBOX_DELIVER_AFTER_REQUEST=True,
    )


@pytest.fixture
def counselor(live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA", name="Alpha Middle School", locale="en")
    return factory.user(school, Role.COUNSELOR, email="counselor@alpha.example", display_name="Ms Kim")


def file_report_in_korean(browser, live_server) -> str:
    context = browser.new_context(base_url=live_server, extra_http_headers={"Accept-Language": "ko"})
    page = context.new_page()
    audit = Audited(page)
    page.goto("/report")
    page.locator("#school").fill("ALPHA")
    page.locator('input[name="category"][value="sextortion"]').check()
    with page.expect_navigation():
        page.locator("#submit").click()
    page.locator('input[name="affected"][value="me"]').check()
    page.locator("#what").fill("누가 사진을 더 보내지 않으면 퍼뜨리겠다고 해요. OrangeFox 계정이에요.")
    page.locator("#where").fill("인스타그램 DM")
    with page.expect_navigation():
        page.locator("#submit").click()
    audit()
    receipt = page.locator("#receipt-code").inner_text()
    context.close()
    assert not audit.problems, audit.problems
    return receipt


def test_case_from_report_to_closure_with_two_way_follow_up(page, browser, live_server, counselor, smtp_server):
    receipt = file_report_in_korean(browser, live_server)
    [alert] = smtp_server.wait_for(1)
    assert alert.rcpt_tos == ["counselor@alpha.example"] and "OrangeFox" not in alert.body

    go(page, "/login/staff")
    page.locator("#email").fill(counselor.email)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())
    page.locator("#otp-code").fill(pyotp.TOTP(counselor.totp_secret).now())
    submit_and_audit(page, lambda: page.get_by_role("button", name="Continue").click())

    assert page.locator("#reports-attention").text_content().split()[0] == "1"  # the count in the navigation
    go(page, "/counsel/")
    submit_and_audit(page, lambda: page.locator("a[href^='/counsel/reports/']").first.click())
    assert "OrangeFox" in page.content()  # decrypted for the counselor
    assert "What the person who reported asked for" in page.content()
    submit_and_audit(page, lambda: page.get_by_role("button", name="Acknowledge").click())
    assert "Acknowledged" in page.content()

    page.locator("#message-body").fill(
        "Thank you for telling us. You are not in trouble. Please do not reply "
        "to that account; we are asking Instagram to remove it."
    )
    submit_and_audit(page, lambda: page.get_by_role("button", name="Send message").click())

    submit_and_audit(page, lambda: page.get_by_role("link", name="Record a removal request").click())
    page.locator("#platform").fill("Instagram")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Save").click())
    assert "Instagram" in page.locator("#actions").inner_text()

    # The reporter comes back with the receipt code, in Korean, reads the reply and answers.
    reporter = browser.new_context(base_url=live_server, extra_http_headers={"Accept-Language": "ko"})
    rpage = reporter.new_page()
    raudit = Audited(rpage)
    rpage.goto("/report/follow-up")
    rpage.locator("#code").fill(receipt)
    with rpage.expect_navigation():
        rpage.locator("#submit").click()
    raudit()
    content = rpage.content()
    assert "You are not in trouble" in content and "Instagram" in content
    assert "Ms Kim" not in content  # counselors stay unnamed
    rpage.locator("#body").fill("감사합니다. 계정 이름은 OrangeFox_2 로 바뀌었어요.")
    with rpage.expect_navigation():
        rpage.locator('form[action$="/message"] [type="submit"]').click()
    raudit()
    reporter.close()
    assert not raudit.problems, raudit.problems
    smtp_server.wait_for(2)  # the counselor is told a new message is waiting

    page.reload()
    page.audit()
    assert "OrangeFox_2" in page.content()
    page.locator("#status-status").select_option("closed")
    page.locator("#status-outcome").select_option("content_removed")
    submit_and_audit(page, lambda: page.get_by_role("button", name="Change status").click())
    assert "Closed" in page.content()
