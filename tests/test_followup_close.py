"""Leaving the follow-up (the button, or quick exit's beacon) ends it on the server: a copy of
the cookie taken before cannot re-open the report."""

import re
from pathlib import Path

import pytest

from conftest import csrf_token, report_receipt
from test_followup import ANSWERS, URL, open_with, text


@pytest.fixture
def school(factory):
    return factory.school("ALPHA")


def test_quick_exit_then_reopen_with_a_copied_cookie_shows_the_code_form(app, client, school):
    receipt = report_receipt(client, **ANSWERS)
    open_with(client, receipt)
    page = text(client.get(URL))
    assert "Received — waiting" in page and "data-followup-leave" in page
    copied = client.get_cookie("dari_followup", path=URL).value

    # What quick exit's beacon sends: the close form's fields, as multipart form data.
    assert (
        client.post(
            f"{URL}/leave", data={"csrf_token": "ignored-in-tests"}, content_type="multipart/form-data"
        ).status_code
        == 303
    )

    other = app.test_client()  # someone who copied the cookie, or the browser's back button
    other.set_cookie("dari_followup", copied, path=URL)
    reopened = text(other.get(URL))
    assert 'name="code"' in reopened and "Received — waiting" not in reopened
    assert other.post(f"{URL}/message", data={"body": "hello"}).status_code == 403
    assert open_with(app.test_client(), receipt).status_code == 303  # the code still works


def test_the_quick_exit_script_sends_the_close_form_as_a_beacon():
    script = (Path(__file__).parent.parent / "static/js/report.js").read_text()
    assert "sendBeacon" in script and "form[data-followup-leave]" in script


def test_the_beacon_needs_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    from conftest import Factory

    Factory(app).school("ALPHA")
    client = app.test_client()
    assert "csrf_token" not in text(client.get("/report"))  # the first step needs none: it changes nothing
    page = text(client.post("/report", data={"stage": "start", "school": "ALPHA", "category": "ai_image"}))
    fields = dict(re.findall(r'name="(school_id|category|submission|csrf_token)"[^>]*value="([^"]*)"', page))
    fields.update(
        {k: v for v, k in re.findall(r'value="([^"]*)"[^>]*name="(school_id|category|submission|csrf_token)"', page)}
    )
    sent = text(
        client.post(
            "/report",
            data={
                "stage": "details",
                **fields,
                "affected": "me",
                "what": "words",
                "consent_parents": "no",
                "consent_police": "no",
            },
        )
    )
    receipt = re.search(r'id="receipt-code">([\d ]+)<', sent).group(1)
    code_page = text(client.get(URL))
    client.post(URL, data={"code": receipt, "csrf_token": csrf_token(code_page)})
    page = text(client.get(URL))
    assert client.post(f"{URL}/leave").status_code == 400  # a cross-site beacon has no token
    assert "Received — waiting" in text(client.get(URL))
    assert client.post(f"{URL}/leave", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert 'name="code"' in text(client.get(URL))
