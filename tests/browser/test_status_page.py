"""The admin's alert status page in a real browser, in both languages: axe-core finds nothing
serious, the warning is reachable from the navigation by keyboard."""

import pyotp
import pytest

from app import notify
from app.extensions import db
from app.models import Role
from conftest import PASSWORD, Factory
from test_outbox import new_report
from tests.browser.conftest import go, submit_and_audit


@pytest.fixture
def live_app(app_factory, tmp_path):
    return app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")


def test_status_page_warns_an_admin_of_a_mail_outage(page, live_app):
    factory = Factory(live_app)
    school = factory.school("ALPHA", name="Alpha Middle School", locale="en")
    admin = factory.user(school, Role.SCHOOL_ADMIN, email="admin@alpha.example")
    with live_app.app_context():
        notify.queue_report_alerts(new_report(school.id, urgent=True), "urgent")
        db.session.commit()
        assert notify.deliver() == (0, 1)  # nothing listens on the test MAIL_PORT: the server is down

    go(page, "/login/staff")
    page.locator("#email").fill(admin.email)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())
    page.locator("#otp-code").fill(pyotp.TOTP(admin.totp_secret).now())
    submit_and_audit(page, lambda: page.get_by_role("button", name="Continue").click())

    link = page.get_by_role("link", name="Alert status")
    link.focus()
    submit_and_audit(page, lambda: page.keyboard.press("Enter"))
    assert page.locator("#status-trouble").is_visible()
    assert page.locator("#outbox-urgent").inner_text() == "1"
    assert "ConnectionRefusedError" in page.locator("#outbox-error").inner_text()

    go(page, "/admin/status?lang=ko")
    assert page.get_by_role("heading", level=1).inner_text() == "알림 상태"
