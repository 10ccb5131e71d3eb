"""Benchmark (not a test): Dari's pages against a bare Flask page, both under gunicorn on loopback.

    .venv/bin/python scripts/bench.py [--duration 3] [--connections 16] [--rounds 1] [--db postgresql]

Seeds the big demo school (plus one class of 40 students with all 8 modules, a student, a teacher
and a counselor with two-factor on) into a fresh SQLite file, serves Dari (`wsgi:app`) and the
bare page (`scripts/bench_bare.py`) with the same gunicorn settings (gunicorn.conf.py, as in
production, with 2 sync workers), logs in through the real
forms, then loads each page with wrk (or a small Python load generator where wrk is missing),
measuring the bare page right before and after each Dari page: the ratio is the page's req/s over
the mean of those two. A second yardstick, the bare page for a logged-in user
(`scripts/bench_bare_login.py`: Flask-Login and one SQLAlchemy query, nothing else), is measured the
same way in every round, and each logged-in page's ratio is also given against it. Queries per
request are counted in-process on the same database.
Prints a Markdown table (the README's "Performance" section shows the latest)."""

import argparse
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

from bench_common import free_port, fresh_postgres

ROOT = Path(__file__).resolve().parent.parent
UA = "dari-bench/1"
# Sent with every request; --db postgresql adds a proxy's X-Forwarded-For, the same for every request
# (session protection ties a login to the client's address).
HEADERS = {"User-Agent": UA}
CLIENT = "198.51.100.7"  # a documentation address (RFC 5737)
WORKERS = 2
TEACHER, STUDENT, COUNSELOR = "bench-teacher@big.dari.kr", "s5001", "counselor@demo.dari.kr"
PASSWORD = "bench-pass-2026"  # noqa: S105 - the benchmark's own throwaway accounts
# What each page must reach, as a ratio to the bare page (issue 16), and its p99 ceiling in ms.
TARGETS = {
    "landing (anonymous)": (0.80, 50),
    "/report GET": (0.80, 50),
    "student home": (0.50, 50),
    "lesson step": (0.60, 50),
    "quiz": (0.50, 50),
    "counselor inbox": (0.40, 50),
    "class dashboard 40 x 8": (0.30, 100),
    "item analysis": (0.30, 50),
    "CSV export": (0.30, 50),
}
# The second yardstick (bench_bare_login.py): the bare page for a logged-in user, and nothing else.
FLOOR = "bare logged-in page"


@dataclass
class Run:
    rps: float
    p50: float
    p99: float
    errors: int


def seed(app) -> dict:
    """The big demo, a 40 x 8 class, and accounts whose passwords and codes the script knows."""
    import random

    import pyotp
    from sqlalchemy import select

    from app.content import library
    from app.demo import _demo_reports
    from app.demo.big import BIG_SCHOOL, add_students, seed_class
    from app.extensions import db
    from app.models import Role, School, User
    from app.models.base import utcnow
    from app.passwords import hash_password

    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo", "--big"])
        assert result.exit_code == 0, result.output
        big = db.session.scalar(select(School).where(School.code == BIG_SCHOOL[1]))
        teacher = User(school_id=big.id, role=Role.TEACHER, email=TEACHER, display_name="Bench Teacher")
        teacher.set_password(PASSWORD)
        db.session.add(teacher)
        db.session.flush()
        rng = random.Random(16)
        students = add_students(big.id, 40, hash_password(PASSWORD), rng, start=5001)
        modules = library().modules
        class_id = seed_class(big.id, "3-9", 12, teacher.id, students, modules, rng, utcnow())
        counselor = db.session.scalar(select(User).where(User.email == COUNSELOR))
        counselor.totp_secret, counselor.totp_enabled_at = pyotp.random_base32(), utcnow()
        counselor.set_password(PASSWORD)
        db.session.commit()
        _demo_reports(counselor.school)
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would soon after a school's data arrives: plans from real statistics.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        return {"class_id": class_id, "module": modules[0].id, "totp": counselor.totp_secret, "student_id": students[0]}


class Browser:
    """A person with a cookie jar, logging in through the real forms."""

    def __init__(self, base: str):
        self.base, self.jar = base, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = list(HEADERS.items())

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path) as response:
            return response.geturl().removeprefix(self.base), response.read().decode()

    def submit(self, path: str, fields: dict, page: str | None = None) -> str:
        """Post a form with the CSRF token from `page` (or from a fresh GET of `path`)."""
        if page is None:
            _, page = self.get(path)
        tokens = dict(re.findall(r'name="((?:\w+-)?csrf_token)"[^>]*value="([^"]+)"', page))
        data = {**fields, **tokens}
        with self.opener.open(self.base + path, urlencode(data).encode()) as response:
            return response.read().decode()

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def log_in(base: str, seeded: dict) -> dict[str, Browser]:
    import pyotp

    people = {
        "anonymous": Browser(base),
        "student": Browser(base),
        "teacher": Browser(base),
        "counselor": Browser(base),
    }
    people["student"].submit("/login", {"school_code": "BIG", "username": STUDENT, "password": PASSWORD})
    people["teacher"].submit("/login/staff", {"email": TEACHER, "password": PASSWORD})
    page = people["counselor"].submit("/login/staff", {"email": COUNSELOR, "password": PASSWORD})
    code = pyotp.TOTP(seeded["totp"]).now()
    people["counselor"].submit("/login/verify", {"otp-code": code, "otp-submit": "Continue"}, page)
    return people


def pages(seeded: dict) -> list[tuple[str, str, str]]:
    c, m = seeded["class_id"], seeded["module"]
    return [
        ("landing (anonymous)", "anonymous", "/"),
        ("/report GET", "anonymous", "/report"),
        ("student home", "student", "/"),
        ("lesson step", "student", f"/learn/{m}/step/2"),
        ("quiz", "student", f"/learn/{m}/quiz"),
        ("counselor inbox", "counselor", "/counsel/"),
        ("class dashboard 40 x 8", "teacher", f"/classes/{c}/dashboard"),
        ("item analysis", "teacher", f"/classes/{c}/modules/{m}/items"),
        ("CSV export", "teacher", f"/classes/{c}/dashboard.csv"),
    ]


def count_queries(app, cookie: str, path: str, logged_in: bool) -> tuple[int, float]:
    """SQL statements one request runs, in-process on the same database (after one warm-up), and
    the CPU milliseconds a request takes in-process (steadier than wall time on a busy machine)."""
    from sqlalchemy import event

    from app.extensions import db

    client = app.test_client()
    for pair in filter(None, cookie.split("; ")):
        client.set_cookie(*pair.split("=", 1))  # a Cookie header would be dropped by the test client
    headers = HEADERS
    statements = []
    with app.app_context():
        engine = db.engine
    client.get(path, headers=headers)

    def listener(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (path, response.status_code)
    assert not logged_in or b"/logout" in response.data or path.endswith(".csv"), f"{path}: not logged in"
    return len(statements), cpu_ms(client, path, headers)


def cpu_ms(client, path: str, headers: dict | None = None, requests: int = 30) -> float:
    started = time.process_time()
    for _ in range(requests):
        client.get(path, headers=headers or {})
    return (time.process_time() - started) * 1000 / requests


def serve(argv: list[str], env: dict, port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "gunicorn.conf.py"),  # production's settings (preloading, recycling) for both
        "-w",
        str(WORKERS),
        "-k",
        "sync",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *argv,
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return server
        except urllib.error.HTTPError:  # answering (the logged-in yardstick refuses a visitor)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"server did not start: {' '.join(cmd)}") from None
            time.sleep(0.1)
    raise SystemExit("server did not answer in 30 s")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def load_wrk(url: str, cookie: str, seconds: float, connections: int) -> Run:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in HEADERS.items():
        cmd += ["-H", f"{name}: {value}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "99" not in latency:
        raise SystemExit(f"could not read wrk's output for {url}:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        print(f"  wrk: socket errors {socket_errors.group(1)} on {url}", file=sys.stderr)
    return Run(
        float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        _ms(latency["50"]),
        _ms(latency["99"]),
        int(errors.group(1)) if errors else 0,
    )


def load_python(url: str, cookie: str, seconds: float, connections: int) -> Run:
    """Where wrk is missing: threads each looping on one keep-alive connection."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    headers = {**HEADERS, **({"Cookie": cookie} if cookie else {})}
    times: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.perf_counter() < stop:
            start = time.perf_counter()
            conn.request("GET", parts.path, headers=headers)
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - start) * 1000)
            errors[0] += response.status >= 400

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q = statistics.quantiles(times, n=100)
    return Run(len(times) / seconds, statistics.median(times), q[98], errors[0])


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="measure every page this many times")
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="postgresql: as a school deploys Dari, on a fresh PostgreSQL database (on --pg-url's server), "
        "with rate limits in Redis (--redis-url) and one trusted proxy in front",
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--only", metavar="NAMES", help="only the pages whose names contain one of these (comma-separated)"
    )
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        help="instead, profile PAGE (a name from the table) in-process "
        "with pyinstrument (requirements-dev) and print where the time goes",
    )
    return parser.parse_args()


def environment(args: argparse.Namespace, tmp: str, cleanup: ExitStack) -> dict:
    env = {
        **os.environ,
        "DARI_CONFIG": "development",
        "DARI_INSTANCE_DIR": tmp,
        "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "PYTHONPATH": str(ROOT),
    }
    if args.db == "postgresql":
        env["DATABASE_URL"] = cleanup.enter_context(fresh_postgres(args.pg_url, f"dari_pages_{os.getpid()}"))
        env["RATELIMIT_STORAGE_URI"] = args.redis_url
        env["RATELIMIT_KEY_PREFIX"] = f"bench-pages-{os.getpid()}-"
        env["TRUSTED_PROXY_COUNT"] = "1"
        HEADERS["X-Forwarded-For"] = CLIENT
    return env


def seeded_app():
    """Dari in-process, on the benchmark's database, seeded."""
    from flask import render_template

    from app import create_app

    app = create_app()
    # In the in-process copy only (gunicorn serves its own): the floor every page stands on, without
    # and with the site's header, menu and footer.
    app.add_url_rule("/_bench/empty", "bench_empty", lambda: "ok")
    chrome = app.jinja_env.from_string('{% extends "base.html" %}{% block content %}{% endblock %}')
    app.add_url_rule("/_bench/chrome", "bench_chrome", lambda: render_template(chrome))
    seeded = seed(app)
    gc.collect()
    gc.freeze()  # as wsgi.py does in every worker: in-process CPU figures without full collections
    return app, seeded


def main() -> None:
    args = arguments()
    load = load_wrk if shutil.which("wrk") else load_python
    with tempfile.TemporaryDirectory(prefix="dari-bench-") as tmp, ExitStack() as cleanup:
        env = environment(args, tmp, cleanup)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        started = time.perf_counter()
        app, seeded = seeded_app()
        print(
            f"{args.db}, seeded in {time.perf_counter() - started:.0f} s; {WORKERS} sync gunicorn workers each, "
            f"{load.__name__.removeprefix('load_')} with {args.connections} connections, {args.duration:g} s a run"
        )
        here = ["--chdir", str(ROOT / "scripts")]
        commands = {"bare": [*here, "bench_bare:app"], "floor": [*here, "bench_bare_login:app"], "dari": ["wsgi:app"]}
        urls = {}
        for name, argv in commands.items():
            port = free_port()
            cleanup.callback(stop, serve(argv, env, port))
            urls[name] = f"http://127.0.0.1:{port}"
        run(app, seeded, load, args, urls)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)


def profile(app, people: dict, seeded: dict, wanted: str, requests: int = 100) -> None:
    from pyinstrument import Profiler

    name, who, path = next(p for p in pages(seeded) if p[0].startswith(wanted))
    client = app.test_client()
    for pair in filter(None, people[who].cookie().split("; ")):
        client.set_cookie(*pair.split("=", 1))
    client.get(path, headers=HEADERS)
    with Profiler(interval=0.0005) as profiler:
        for _ in range(requests):
            client.get(path, headers=HEADERS)
    print(f"{name}: {requests} requests")
    profiler.print(show_all=False)


def floor_page(base: str, seeded: dict) -> tuple[Browser, float]:
    """The bare logged-in page (bench_bare_login.py) for the benchmark's student: their cookie, and
    the page's CPU in-process."""
    from bench_bare_login import app as floor_app

    student = Browser(base)
    student.opener.open(f"{base}/login/{seeded['student_id']}", b"").read()
    client = floor_app.test_client()
    client.post(f"/login/{seeded['student_id']}")
    client.get("/")
    return student, cpu_ms(client, "/", requests=300)


def run(app, seeded: dict, load, args, urls: dict[str, str]) -> None:
    base, bare_url = urls["dari"], urls["bare"] + "/"
    people = log_in(base, seeded)
    if args.profile:
        return profile(app, people, seeded, args.profile)
    results: dict[str, list[tuple[Run, float]]] = {}
    queries = {}
    chosen = [p for p in pages(seeded) if not args.only or any(part in p[0] for part in args.only.split(","))]
    for name, who, path in chosen:
        landed, _ = people[who].get(path)  # logged in for real: not sent to the login page
        assert landed == path, f"{name}: {path} led to {landed}"
        queries[name] = count_queries(app, people[who].cookie(), path, who != "anonymous")
        load(base + path, people[who].cookie(), 1, args.connections)  # warm up both workers
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_bare import app as bare_app

    bare_client = bare_app.test_client()
    bare_client.get("/")
    queries["bare"] = (0, cpu_ms(bare_client, "/", requests=300))
    for who in ("anonymous", "student"):
        queries[f"empty {who}"] = count_queries(app, people[who].cookie(), "/_bench/empty", False)
    queries["chrome student"] = count_queries(app, people["student"].cookie(), "/_bench/chrome", True)
    floor, floor_cpu = floor_page(urls["floor"], seeded)
    queries[FLOOR] = (1, floor_cpu)
    load(bare_url, "", 1, args.connections)
    load(urls["floor"] + "/", floor.cookie(), 1, args.connections)
    bare_before = load(bare_url, "", args.duration, args.connections)
    measured = [(FLOOR, urls["floor"] + "/", floor.cookie())]
    measured += [(name, base + path, people[who].cookie()) for name, who, path in chosen]
    for _ in range(args.rounds):
        for name, url, cookie in measured:
            page = load(url, cookie, args.duration, args.connections)
            bare_after = load(bare_url, "", args.duration, args.connections)
            results.setdefault(name, []).append((page, (bare_before.rps + bare_after.rps) / 2))
            bare_before = bare_after
    print_table(results, queries, {name for name, who, _ in chosen if who != "anonymous"})


def print_table(results: dict, queries: dict, logged_in: set[str]) -> None:
    """A row per page; a logged-in page's ratio is also given against the bare logged-in page measured
    in the same round (its ratio to bare divided by the yardstick's)."""
    print(
        "\n| page | req/s | bare req/s | ratio to bare | target | to a bare logged-in page | p50 | p99 "
        "| SQL per request | CPU ms in-process |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    floors = [page.rps / bare for page, bare in results[FLOOR]]
    missed = []
    for name, runs in results.items():
        ratios = [page.rps / bare for page, bare in runs]
        page = max(runs, key=lambda r: r[0].rps / r[1])[0]
        ratio, (target, ceiling) = statistics.median(ratios), TARGETS.get(name, (0.0, 50))
        spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""
        to_floor = "(the yardstick)" if name == FLOOR else "—"
        if name in logged_in:
            to_floor = f"{statistics.median(r / f for r, f in zip(ratios, floors, strict=True)):.2f}"
        errors = sum(p.errors for p, _ in runs)
        p99 = statistics.median(p.p99 for p, _ in runs)
        if name in TARGETS and (ratio < target or p99 >= ceiling or errors):
            missed.append(name)
        print(
            f"| {name} | {statistics.median(p.rps for p, _ in runs):.0f} | {statistics.median(b for _, b in runs):.0f} "
            f"| {ratio:.2f}{spread} | {f'≥ {target:.2f}' if name in TARGETS else '—'} | {to_floor} "
            f"| {page.p50:.1f} ms | {p99:.1f} ms (< {ceiling}) | {queries[name][0]} | {queries[name][1]:.2f} |"
            + (f" {errors} errors" if errors else "")
        )
    print(floor_costs(queries, statistics.median(b for runs in results.values() for _, b in runs)))
    print("\nevery page meets its target" if not missed else f"\nbelow target: {', '.join(missed)}")


def floor_costs(queries: dict, bare_rps: float) -> str:
    """What every page stands on, in CPU in-process. Outside the app, each request also costs what
    the bare page takes per worker under load beyond its own CPU (gunicorn, the sockets, wrk on the
    same cores); from that, the best ratio a page with only Dari's header, menu and footer can reach."""
    bare, empty, chrome = queries["bare"][1], queries["empty student"][1], queries["chrome student"][1]
    per_request = WORKERS * 1000 / bare_rps
    outside = max(per_request - bare, 0.0)
    return (
        f"\n(CPU in-process: the bare page {bare:.2f} ms, the bare logged-in page {queries[FLOOR][1]:.2f} ms. "
        f"Under load the bare page takes {per_request:.2f} ms per request and worker, so {outside:.2f} ms of "
        f"each request is spent outside the app. In Dari a response of two letters takes "
        f"{queries['empty anonymous'][1]:.2f} ms for a visitor and {empty:.2f} ms for a logged-in student "
        f"({queries['empty student'][0]} SQL: loading the user), and a page with only the site's header, menu "
        f"and footer {chrome:.2f} ms, so no logged-in Dari page can pass a ratio of about "
        f"{per_request / (outside + chrome):.2f} to bare)"
    )


if __name__ == "__main__":
    main()
