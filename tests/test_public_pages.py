"""Pages the same for every visitor who is not logged in are kept whole (app/page_cache.py), and
their forms need no token: what a visitor sees must still be theirs."""

import pytest

from app.models import Role
from conftest import PASSWORD, csrf_token, file_report, login, receipt_of, send_report, start_report


def text(response) -> str:
    return response.get_data(as_text=True)


def test_each_language_gets_its_own_copy(client):
    assert 'lang="en"' in text(client.get("/"))
    korean = client.application.test_client()
    assert 'lang="ko"' in text(korean.get("/", headers={"Accept-Language": "ko"}))
    assert 'lang="en"' in text(client.get("/"))


def test_a_message_for_one_visitor_is_shown_and_not_kept_for_others(app, factory, client):
    client.get("/")  # the landing page is now kept
    login(client, factory.user(factory.school(), Role.TEACHER))
    page = text(client.post("/logout", follow_redirects=True))
    assert "You have logged out." in page
    assert "You have logged out." not in text(app.test_client().get("/"))
    assert "You have logged out." not in text(client.get("/"))


def test_a_logged_in_user_never_gets_the_kept_page(factory, client, as_user):
    client.get("/")
    teacher = as_user(factory.user(factory.school(), Role.TEACHER, display_name="Ms Kept"))
    page = text(teacher.get("/"))
    assert "Ms Kept" in page and "/logout" in page
    assert teacher.get("/").headers["Cache-Control"] == "no-store"


def test_the_report_page_keeps_each_schools_prefill_apart(factory, client):
    alpha, beta = factory.school("ALPHA", "Alpha Middle School"), factory.school("BETA", "Beta High School")
    assert 'value="Alpha Middle School"' in text(client.get(f"/report?school={alpha.id}"))
    assert 'value="Beta High School"' in text(client.get(f"/report?school={beta.id}"))
    assert "Alpha Middle School" not in text(client.get("/report"))


def test_a_kept_page_is_rendered_again_after_its_time(app, factory, client):
    school = factory.school("ALPHA", "Alpha Middle School")
    url = f"/report?school={school.id}"
    assert "Alpha Middle School" in text(client.get(url))
    from app.extensions import db
    from app.models import School

    with app.app_context():
        db.session.get(School, school.id).name = "Alpha Girls' Middle School"
        db.session.commit()
    assert "Girls" not in text(client.get(url))  # kept for PUBLIC_PAGE_SECONDS
    app.config["PUBLIC_PAGE_SECONDS"] = 0
    assert "Alpha Girls&#39; Middle School" in text(client.get(url))


@pytest.fixture
def csrf_client(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True).test_client()


def test_public_pages_carry_no_form_token(csrf_client):
    for url in ("/", "/help", "/report"):
        assert "csrf_token" not in text(csrf_client.get(url)), url


def test_a_visitor_switches_language_without_a_token(csrf_client):
    response = csrf_client.post("/language", data={"lang": "ko", "next": "/help"})
    assert response.status_code == 302 and response.headers["Location"] == "/help"
    assert 'lang="ko"' in text(csrf_client.get("/help"))
    response = csrf_client.post("/report/language", data={"lang": "ko", "next": "/report"})
    assert response.status_code == 302
    assert 'lang="ko"' in text(csrf_client.get("/report"))


def test_a_logged_in_users_saved_language_needs_the_token(csrf_client):
    from app.extensions import db
    from app.models import User
    from conftest import Factory

    app = csrf_client.application
    factory = Factory(app)
    teacher = factory.user(factory.school(), Role.TEACHER)
    token = csrf_token(text(csrf_client.get("/login/staff")))
    csrf_client.post("/login/staff", data={"csrf_token": token, "email": teacher.email, "password": PASSWORD})
    page = text(csrf_client.get("/"))
    assert "/logout" in page
    assert csrf_client.post("/language", data={"lang": "ko"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, teacher.id).locale != "ko"
    assert csrf_client.post("/language", data={"lang": "ko", "csrf_token": csrf_token(page)}).status_code == 302
    with app.app_context():
        assert db.session.get(User, teacher.id).locale == "ko"


def test_a_report_is_sent_with_csrf_on_and_its_last_step_needs_the_token(csrf_client):
    from conftest import Factory

    Factory(csrf_client.application).school("ALPHA")
    first = start_report(csrf_client)
    assert first.status_code == 200  # no token needed to say which school and what kind of thing
    page = text(first)
    refused = send_report(csrf_client, page)
    assert refused.status_code == 400
    assert "receipt-code" not in text(refused)
    sent = send_report(csrf_client, page, csrf_token=csrf_token(page))
    assert sent.status_code == 200 and receipt_of(sent)


def test_reports_still_go_through_with_the_start_page_kept(client, factory):
    factory.school("ALPHA")
    client.get("/report")
    assert receipt_of(file_report(client))
