"""Filing a report when the deployment is not a quiet laptop: a locked database, two copies of the
same form at once, a reference already taken, a reverse proxy, several workers sharing one limit.
Failures here are real: another connection holds the lock, the database raises the IntegrityError."""

import threading
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, Report, Role, School
from app.reports import service
from conftest import (
    REPORT_WHAT as WHAT,
    Factory,
    WriteLock,
    receipt_of,
    report_hidden_fields,
    send_report as send,
    start_report as start,
)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def filing_app(app_factory, db_url):
    app = app_factory(SQLALCHEMY_DATABASE_URI=db_url, DB_LOCK_TIMEOUT_MS=150, RATELIMIT_ENABLED=False)
    factory = Factory(app)
    school = factory.school("ALPHA", name="Alpha Middle School")
    factory.user(school, Role.COUNSELOR)
    return app


def counts(app) -> tuple[int, int]:
    with app.app_context():
        reports = db.session.scalar(select(func.count()).select_from(Report))
        alerts = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        db.session.rollback()
        return reports, alerts


# --- a locked database --------------------------------------------------------------------------
def test_a_report_waits_for_a_briefly_locked_database_instead_of_failing(app_factory, db_url):
    app = app_factory(SQLALCHEMY_DATABASE_URI=db_url, DB_LOCK_TIMEOUT_MS=10_000, RATELIMIT_ENABLED=False)
    Factory(app).school("ALPHA")
    client = app.test_client()
    page = text(start(client))
    lock = WriteLock(db_url)
    threading.Timer(0.3, lock.release).start()
    response = send(client, page)
    assert response.status_code == 200, text(response)
    assert receipt_of(response)
    assert counts(app)[0] == 1


def test_a_database_locked_past_every_retry_says_not_sent_stores_nothing_and_keeps_the_text(filing_app, db_url):
    client = filing_app.test_client()
    page = text(start(client))
    lock = WriteLock(db_url)
    try:
        refused = send(client, page)
    finally:
        lock.release()
    assert refused.status_code == 503
    assert "Your report was NOT sent" in text(refused) and WHAT in text(refused)
    assert 'id="receipt-code"' not in text(refused)
    assert counts(filing_app) == (0, 0)

    # What the reporter sees is still the form with the same token: sending again files it once.
    again = send(client, text(refused))
    assert again.status_code == 200 and receipt_of(again)
    assert counts(filing_app) == (1, 1)


# --- the same form twice ------------------------------------------------------------------------
def test_two_copies_of_the_same_form_at_once_file_one_report_and_both_get_its_receipt(filing_app, db_url):
    page = text(start(filing_app.test_client()))
    results: list = [None, None]
    lock = WriteLock(db_url)  # both copies get past "already filed?" and queue behind the lock

    def submit(i):
        results[i] = send(filing_app.test_client(), page)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    if not db_url.startswith("sqlite"):
        deadline = time.monotonic() + 20
        while lock.waiting_on_it() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    else:
        time.sleep(0.1)
    lock.release()
    for thread in threads:
        thread.join(30)
    assert [r.status_code for r in results] == [200, 200], [text(r)[:300] for r in results]
    assert receipt_of(results[0]) == receipt_of(results[1])
    assert counts(filing_app) == (1, 1)


def test_the_database_not_a_check_decides_a_repeat(filing_app):
    """Filing the same form twice past the "already filed?" check: the unique constraint refuses the
    copy, and the copy is answered with the first one's receipt."""
    client = filing_app.test_client()
    page = text(start(client))
    with filing_app.test_request_context("/report", method="POST", data=_form_data(page)):
        from app.reports.forms import DetailsForm

        form = DetailsForm()
        school = db.session.get(School, int(form.school_id.data))
        first = service.file_report(school, form)
        second = service.file_report(school, form)
    assert not first.repeat and second.repeat
    assert (second.report_id, second.receipt) == (first.report_id, first.receipt)
    assert second.outbox_ids == []
    assert counts(filing_app) == (1, 1)


def test_a_reference_taken_meanwhile_is_drawn_again(filing_app, monkeypatch):
    client = filing_app.test_client()
    taken = send(client, text(start(client)))
    with filing_app.app_context():
        taken_ref = db.session.scalar(select(Report.ref))
    draws = iter([taken_ref, "R-ZZ22"])
    monkeypatch.setattr(service, "new_ref", lambda: next(draws))
    response = send(client, text(start(client)))
    assert taken.status_code == response.status_code == 200
    with filing_app.app_context():
        assert sorted(db.session.scalars(select(Report.ref))) == sorted([taken_ref, "R-ZZ22"])


def _form_data(page: str) -> dict:
    return {
        "stage": "details",
        **report_hidden_fields(page),
        "affected": "me",
        "what": WHAT,
        "consent_parents": "no",
        "consent_police": "no",
        "website": "",
    }
