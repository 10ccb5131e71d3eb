"""Many reports at once against a served app: every one stored, every receipt opens its report."""

import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Report
from app.reports import crypto as reports_crypto
from conftest import TEST_DATABASE_URL, Factory, receipt_of, report_hidden_fields

REPORTS, THREADS = 200, 20


def post(base: str, data: dict) -> str:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    with urllib.request.urlopen(urllib.request.Request(base + "/report", data=body), timeout=30) as response:
        return response.read().decode()


def file_one(base: str, n: int) -> str:
    """The two steps of the real form, over HTTP, as one of many browsers at once."""
    page = post(base, {"stage": "start", "school": "ALPHA", "category": "bullying"})
    done = post(
        base,
        {
            "stage": "details",
            **report_hidden_fields(page),
            "affected": "me",
            "what": f"report number {n}",
            "consent_parents": "no",
            "consent_police": "no",
        },
    )
    return receipt_of(done).replace(" ", "")


# Load-style: many threads against a served app; `make test` runs it, `make test-fast` leaves it out.
@pytest.mark.slow
def test_200_reports_from_20_threads(app_factory, tmp_path):
    from werkzeug.serving import make_server

    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'concurrent.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    Factory(app).school("ALPHA")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with ThreadPoolExecutor(THREADS) as pool:
            receipts = list(pool.map(lambda n: file_one(base, n), range(REPORTS)))
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert len(set(receipts)) == REPORTS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == REPORTS
        texts = set()
        for receipt in receipts:
            report = db.session.scalar(select(Report).where(Report.receipt_hash == reports_crypto.keyed_hash(receipt)))
            texts.add(reports_crypto.decrypt(report.what_enc))
    assert texts == {f"report number {n}" for n in range(REPORTS)}


def test_sqlite_files_run_in_wal_mode_with_a_busy_timeout(app_factory, tmp_path):
    """Readers never block the writer and a busy writer waits instead of failing."""
    from sqlalchemy import text

    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'wal.db'}")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
