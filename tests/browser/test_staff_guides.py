"""A teacher finds the staff guides from the menu, and the incident flowchart prints on one A4 page."""

import re

import pytest

from app.models import Role
from config import BASE_DIR
from conftest import PASSWORD, Factory
from tests.browser.conftest import go, submit_and_audit


@pytest.fixture
def live_app(app_factory, tmp_path):
    return app_factory(
        WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}", CONTENT_ROOT=str(BASE_DIR)
    )


@pytest.fixture
def teacher(live_app):
    factory = Factory(live_app)
    return factory.user(factory.school("ALPHA"), Role.TEACHER)


def printed_pages(page) -> int:
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.parametrize(
    "lang, menu, title",
    [
        ("en", "Staff guides", "Incident flowchart"),
        ("ko", "교직원 안내서", "사안 발생 시 처리 흐름도"),
    ],
)
def test_the_incident_flowchart_is_one_printed_page(page, teacher, lang, menu, title):
    page.context.set_extra_http_headers({"Accept-Language": lang})
    go(page, "/login/staff")
    page.locator("#email").fill(teacher.email)
    page.locator("#password").fill(PASSWORD)
    submit_and_audit(page, lambda: page.locator("#submit").click())
    submit_and_audit(page, lambda: page.get_by_role("link", name=menu, exact=True).click())
    submit_and_audit(page, lambda: page.get_by_role("link", name=title).click())
    assert page.get_by_role("heading", level=1, name=title).is_visible()
    assert page.locator(".staff-guide .guide > ol > li").count() == 9
    assert printed_pages(page) == 1
