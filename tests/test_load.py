"""The deployment stack as the compose file runs it — gunicorn with gunicorn.conf.py, several workers,
Redis rate limits, a proxy's X-Forwarded-For, PostgreSQL (when the suite runs on it) — driven by the
load benchmark at a small size: every report stored, every receipt opens its report, every alert
sent once. The benchmark's full-size figures are in the README; nothing here is timed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEST_DATABASE_URL
from test_deployment import redis_or_skip

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run_bench(*args: str, env: dict | None = None) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "scripts/bench_reports.py",
            "--reporters",
            "4",
            "--seconds",
            "3",
            "--workers",
            "2",
            "--json",
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(result: dict) -> None:
    assert result["errors"] == {}, result
    assert result["submitted"] > 0
    assert result["stored"] == result["receipts"] == result["receipts_open_their_report"] == result["submitted"]
    assert result["lost"] == 0
    assert result["alerts_sent"] == result["alerts_expected"] == result["emails_received"]
    assert result["duplicate_emails"] == 0


def test_reports_under_gunicorn_with_redis():
    """On the suite's database: SQLite here, PostgreSQL when TEST_DATABASE_URL points at it."""
    redis_or_skip()
    if TEST_DATABASE_URL:
        check(run_bench("--db", "postgresql", "--pg-url", TEST_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"))
    else:
        check(run_bench("--db", "sqlite"))


def test_no_report_is_lost_while_workers_are_recycled():
    """Workers forked from the preloaded app and recycled every few requests (GUNICORN_MAX_REQUESTS)
    while reports come in: every one stored, every alert sent once."""
    redis_or_skip()
    recycling = {"GUNICORN_MAX_REQUESTS": "10"}
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
        check(run_bench("--db", "postgresql", "--pg-url", url, env=recycling))
    else:
        check(run_bench("--db", "sqlite", env=recycling))
