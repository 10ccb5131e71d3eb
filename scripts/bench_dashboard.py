"""Benchmark (not a test): how long the class dashboard takes for one class of 40 students with
all 8 curriculum modules assigned, on a SQLite file database.

    .venv/bin/python scripts/bench_dashboard.py [-n 50]

Prints the median and 95th-percentile time per request and the number of SQL queries each runs."""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.content import library  # noqa: E402
from app.demo_big import add_students, seed_class  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Role, School, User  # noqa: E402
from app.models.base import utcnow  # noqa: E402
from app.passwords import hash_password  # noqa: E402
from config import TestConfig  # noqa: E402

EMAIL, PASSWORD, STUDENTS = "teacher@bench.example", "bench-teacher-pass", 40


def build_app(database: Path):
    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
        CONTENT_ROOT = str(ROOT)  # the real curriculum

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
    return app


def seed(app) -> int:
    with app.app_context():
        school = School(name="Bench High School", code="BENCH", default_locale="ko")
        db.session.add(school)
        db.session.flush()
        teacher = User(school_id=school.id, role=Role.TEACHER, email=EMAIL, display_name="Bench Teacher")
        teacher.set_password(PASSWORD)
        db.session.add(teacher)
        db.session.flush()
        rng = random.Random(7)
        students = add_students(school.id, STUDENTS, hash_password("bench-student-pass"), rng)
        modules = library().modules
        class_id = seed_class(school.id, "1-1", 10, teacher.id, students, modules, rng, utcnow())
        db.session.commit()
        print(f"seeded 1 class: {STUDENTS} students x {len(modules)} modules")
        return class_id


def measure(app, client, url: str, runs: int) -> tuple[list[float], int]:
    with app.app_context():
        engine = db.engine
    statements = []

    def listener(*args):
        statements.append(args[2])

    for _ in range(5):  # warm up: templates compiled, connections pooled
        assert client.get(url).status_code == 200
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times, len(statements)


def report(name: str, times: list[float], queries: int) -> None:
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"{name:<16} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   {queries} queries/request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "bench.db")
        class_id = seed(app)
        client = app.test_client()
        response = client.post("/login/staff", data={"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 302, "teacher login failed"
        with app.app_context():
            first_module = library().modules[0].id
        print(f"{args.runs} GETs each after 5 warm-ups:")
        report("dashboard", *measure(app, client, f"/classes/{class_id}/dashboard", args.runs))
        report("dashboard.csv", *measure(app, client, f"/classes/{class_id}/dashboard.csv", args.runs))
        report("item analysis", *measure(app, client, f"/classes/{class_id}/modules/{first_module}/items", args.runs))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
