"""Load benchmark (not a test): many reporters at once through the real two-step /report form,
against Dari under gunicorn (gunicorn.conf.py, several workers, Redis rate limits, behind a
simulated proxy), on SQLite and on PostgreSQL, with a real SMTP server receiving the alerts.

    .venv/bin/python scripts/bench_reports.py [--db sqlite|postgresql|both] [--reporters 50]
        [--seconds 30] [--workers 4] [--json]

Each report comes from its own client address (X-Forwarded-For, as nginx would send it), so the
rate limit sees many reporters, as at a real school. Afterwards it counts what a user would care
about: reports submitted, stored, receipts shown and whether each opens its report, alerts sent and
received (once each, by Message-ID), errors by HTTP status, and latency.
Needs Redis on 127.0.0.1:6379 and, for PostgreSQL, a server at --pg-url."""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from contextlib import ExitStack
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_common import free_port, fresh_postgres  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

SMTP_COUNSELORS = 2


def environment(url: str, port: int, smtp_port: int, workers: int, instance: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DARI_CONFIG": "development",  # production refuses SQLite; every production setting is given here
        "FLASK_APP": "wsgi",
        "DATABASE_URL": url,
        "DARI_INSTANCE_DIR": instance,
        "SECRET_KEY": "bench-" + "s" * 40,
        "REPORT_KEYS": Fernet.generate_key().decode(),
        "RECEIPT_SECRET": "bench-receipt-secret",
        "RATELIMIT_STORAGE_URI": redis_url,
        # Redis keeps counts between runs: each run counts its own reporters from zero.
        "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}-",
        "TRUSTED_PROXY_COUNT": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_LOGLEVEL": "warning",
    }


def prepare(env: dict) -> int:
    """Migrate the database and make one school with counselors; returns the school's id."""
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-m", "flask", "schools", "create", "--name", "Bench Middle School", "--code", "BENCH"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for n in range(SMTP_COUNSELORS):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "users",
                "create",
                "--school",
                "BENCH",
                "--role",
                "counselor",
                "--email",
                f"counselor{n}@bench.example",
                "--name",
                f"Counselor {n}",
                "--password",
                "bench-counselor-pass",
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        school_id = conn.execute(text("SELECT id FROM schools WHERE code = 'BENCH'")).scalar_one()
    engine.dispose()
    return school_id


class Browser:
    """One reporter's browser: a kept-alive connection, cookies, and the address the proxy names."""

    def __init__(self, port: int):
        self.port = port
        self.conn = HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.address = "127.0.0.1"

    def reset(self, address: str) -> None:
        self.cookies, self.address = {}, address

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method: str, fields: dict | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(fields, doseq=True) if fields is not None else None
        headers = {"X-Forwarded-For": self.address}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        self.conn.request(method, "/report", body=body, headers=headers)
        response = self.conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, page, time.perf_counter() - started


def hidden(page: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page) or re.search(
        rf'value="([^"]+)"[^>]*name="{name}"', page
    )
    return match.group(1) if match else None


class Reporters:
    def __init__(self, port: int, school_id: int):
        self.port, self.school_id = port, school_id
        self.lock = threading.Lock()
        self.submitted = 0
        self.receipts: list[str] = []
        self.statuses: Counter = Counter()
        self.latencies: list[float] = []
        self.serial = 0

    def _address(self) -> str:
        with self.lock:
            self.serial += 1
            n = self.serial
        return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255 or 1}"  # one reporter, one address

    def _record(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)

    def one_report(self, browser: Browser, n: int) -> None:
        """What a person does: open /report, say which school and what kind, then the details."""
        browser.reset(self._address())
        status, page, seconds = browser.request("GET")
        self._record(status, seconds)
        if status != 200:
            return
        status, page, seconds = browser.request(
            "POST",
            {"csrf_token": hidden(page, "csrf_token"), "stage": "start", "school": "BENCH", "category": "bullying"},
        )
        self._record(status, seconds)
        token = hidden(page, "submission")
        if status != 200 or token is None:
            return
        with self.lock:
            self.submitted += 1
        status, page, seconds = browser.request(
            "POST",
            {
                "csrf_token": hidden(page, "csrf_token"),
                "stage": "details",
                "school_id": self.school_id,
                "category": "bullying",
                "submission": token,
                "affected": "me",
                "what": f"benchmark report {n}",
                "consent_parents": "no",
                "consent_police": "no",
            },
        )
        self._record(status, seconds)
        receipt = re.search(r'id="receipt-code">([\d ]+)<', page)
        if status == 200 and receipt:
            with self.lock:
                self.receipts.append(receipt.group(1).replace(" ", ""))

    def run(self, reporters: int, seconds: float) -> float:
        deadline = time.monotonic() + seconds

        def loop(worker: int) -> None:
            browser, n = Browser(self.port), 0
            while time.monotonic() < deadline:
                try:
                    self.one_report(browser, worker * 1_000_000 + n)
                except OSError:
                    self._record(-1, 0.0)  # connection refused or reset: an error a user would see
                    browser.reconnect()
                n += 1
            browser.conn.close()

        started = time.monotonic()
        threads = [threading.Thread(target=loop, args=(i,)) for i in range(reporters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def wait_for_server(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def outcome(env: dict, receipts: list[str], smtp) -> dict:
    """What was stored and sent, read back from the database and the mail server."""
    import hashlib
    import hmac

    engine = create_engine(env["DATABASE_URL"])
    secret = env["RECEIPT_SECRET"].encode()
    with engine.connect() as conn:
        from app.models import OutboxMessage, Report

        stored = conn.execute(select(func.count()).select_from(Report.__table__)).scalar_one()
        hashes = set(conn.execute(select(Report.__table__.c.receipt_hash)).scalars())
        deadline = time.monotonic() + 120
        while True:  # the workers' senders deliver right after each report; give them time to finish
            waiting = conn.execute(
                select(func.count())
                .select_from(OutboxMessage.__table__)
                .where(OutboxMessage.__table__.c.sent_at.is_(None))
            ).scalar_one()
            conn.rollback()
            if waiting == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        alerts = conn.execute(select(func.count()).select_from(OutboxMessage.__table__)).scalar_one()
        sent = conn.execute(
            select(func.count())
            .select_from(OutboxMessage.__table__)
            .where(OutboxMessage.__table__.c.sent_at.is_not(None))
        ).scalar_one()
    engine.dispose()
    received = list(smtp.messages)
    ids = [m.message["Message-ID"] for m in received]
    opened = sum(1 for r in receipts if hmac.new(secret, r.encode(), hashlib.sha256).hexdigest() in hashes)
    return {
        "stored": stored,
        "receipts_open_their_report": opened,
        "alerts_queued": alerts,
        "alerts_sent": sent,
        "emails_received": len(received),
        "duplicate_emails": len(ids) - len(set(ids)),
        "alerts_expected": stored * SMTP_COUNSELORS,
    }


def bench(kind: str, args) -> dict:
    from smtp_server import SMTPServer  # tests/smtp_server.py: aiosmtpd collecting what it receives

    with tempfile.TemporaryDirectory() as instance, ExitStack() as cleanup:
        if kind == "sqlite":
            url = f"sqlite:///{instance}/bench.db"
        else:
            url = cleanup.enter_context(fresh_postgres(args.pg_url, f"dari_bench_{os.getpid()}"))
        smtp = SMTPServer()
        smtp.start()
        port = free_port()
        env = environment(url, port, smtp.port, args.workers, instance, args.redis_url)
        try:
            school_id = prepare(env)
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                wait_for_server(port, server)
                reporters = Reporters(port, school_id)
                elapsed = reporters.run(args.reporters, args.seconds)
                result = outcome(env, reporters.receipts, smtp)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(60)
        finally:
            smtp.stop()
    requests = sum(reporters.statuses.values())
    latencies = sorted(reporters.latencies)
    errors = {str(code): n for code, n in reporters.statuses.items() if code != 200}
    return {
        "database": kind,
        "reporters": args.reporters,
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "submitted": reporters.submitted,
        "receipts": len(reporters.receipts),
        **result,
        "lost": reporters.submitted - result["receipts_open_their_report"],
        "errors": errors,
        "requests": requests,
        "req_per_s": round(requests / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", action="store_true", help="one JSON line per database")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failed = False
    for kind in kinds:
        result = bench(kind, args)
        failed |= bool(
            result["errors"]
            or result["lost"]
            or result["duplicate_emails"]
            or result["alerts_sent"] != result["alerts_expected"]
        )
        if args.json:
            print(json.dumps(result), flush=True)
            continue
        print(f"{kind}: {result['reporters']} reporters x {result['seconds']} s, {result['workers']} gunicorn workers")
        for key in (
            "submitted",
            "stored",
            "receipts",
            "receipts_open_their_report",
            "lost",
            "alerts_expected",
            "alerts_sent",
            "emails_received",
            "duplicate_emails",
            "errors",
            "requests",
            "req_per_s",
            "p50_ms",
            "p99_ms",
        ):
            print(f"  {key:28} {result[key]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
