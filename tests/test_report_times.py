"""A database dump must not line a logged-in student's login up with their "anonymous" report:
report-side times are coarse, login times are kept to the minute, and the report pages never
open the account session (so nothing there can tie the two together)."""

from datetime import datetime, timedelta

import pytest
from db_dump import dump_rows
from sqlalchemy import update

from app import notify
from app.extensions import db
from app.models import Role, School, User
from app.models.base import utcnow
from conftest import REPORTER as CLIENT, Factory, login, report_receipt
from smtp_server import smtp_server  # noqa: F401  (fixture)
from test_followup import ANSWERS, URL, open_with


@pytest.fixture
def mail_app(app_factory, smtp_server):  # noqa: F811
    return app_factory(MAIL_PORT=smtp_server.port)


def _logged_in_student(app):
    factory = Factory(app)
    school = factory.school("ALPHA")
    student = factory.user(school, Role.STUDENT)
    factory.user(school, Role.COUNSELOR)  # receives the alerts
    with app.app_context():  # the school and the accounts existed long before today
        yesterday = utcnow() - timedelta(days=1)
        db.session.execute(update(School).values(created_at=yesterday))
        db.session.execute(update(User).values(created_at=yesterday))
        db.session.execute(update(User).where(User.totp_enabled_at.is_not(None)).values(totp_enabled_at=yesterday))
        db.session.commit()
    client = app.test_client()
    client.environ_base.update(CLIENT)
    login(client, student, app)
    return client, student


def test_a_dump_does_not_line_a_students_login_up_with_their_report(mail_app, smtp_server):  # noqa: F811
    client, _student = _logged_in_student(mail_app)
    logged_in_at = utcnow()
    receipt = report_receipt(client, **ANSWERS)
    open_with(client, receipt)
    client.post(f"{URL}/message", data={"body": "Also in PurpleOwl2"})
    with mail_app.app_context():
        assert notify.deliver()[0] >= 1  # the alert went out, so its sent time is stored too
    precise = [
        (table, column, value)
        for table, row in dump_rows(mail_app)
        for column, value in row.items()
        if isinstance(value, datetime)
        and (value.second or value.microsecond)
        and abs(value.replace(tzinfo=None) - logged_in_at.replace(tzinfo=None)) < timedelta(minutes=5)
    ]
    assert precise == [], f"times that line up with the login to the second: {precise}"


def test_report_creation_is_stored_to_the_hour(app, client):
    Factory(app).school("ALPHA")
    report_receipt(client, **ANSWERS)
    with app.app_context():
        [report] = [r for t, r in dump_rows(app) if t == "reports"]
        assert report["created_at"].minute == 0 and report["created_at"].second == 0
        assert report["last_activity_at"] == report["created_at"]


def test_report_pages_never_open_or_refresh_the_account_session(app):
    client, student = _logged_in_student(app)
    account_cookie = client.get_cookie("session").value
    for response in (
        client.get("/report"),
        client.get("/report?school=1"),
        client.post("/report", data={"stage": "start", "school": "ALPHA", "category": "other"}),
        client.get(URL),
        client.post("/report/language", data={"lang": "ko", "next": "/report"}),
    ):
        cookies = response.headers.getlist("Set-Cookie")
        assert not any(c.startswith("session=") for c in cookies), cookies
        assert student.display_name not in response.get_data(as_text=True)
    assert client.get_cookie("session").value == account_cookie
    assert client.get("/account/").status_code == 200  # still logged in on the main site
    assert 'lang="ko"' in client.get("/report").get_data(as_text=True)  # the report pages' own choice
    assert 'lang="en"' in client.get("/account/").get_data(as_text=True)  # did not touch the account's


def test_the_report_language_switch_goes_only_to_report_pages(client):
    response = client.post("/report/language", data={"lang": "ko", "next": "//evil.example/report"})
    assert response.headers["Location"] == "/report"
    response = client.post("/report/language", data={"lang": "ko", "next": "/report/follow-up"})
    assert response.headers["Location"] == "/report/follow-up"
