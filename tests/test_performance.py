"""Pages that must stay fast: reading never takes the write lock, query counts do not grow with the
class, templates are compiled once. scripts/bench.py measures the speed itself."""

import pytest
from sqlalchemy import event, insert

from app.demo.big import add_students
from app.extensions import db
from app.models import Classroom, Enrollment, Role
from conftest import HeldWriteLock, login


def count_queries(app, client, url: str) -> int:
    """SQL statements one GET runs (transaction control is sent to the driver and not counted)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


@pytest.fixture
def file_app(app_factory, tmp_path):
    # A file database on every run (also under TEST_DATABASE_URL): the lock is SQLite's.
    return app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'locks.db'}", DB_LOCK_TIMEOUT_MS=300)


@pytest.fixture
def student(file_app):
    from conftest import Factory

    factory = Factory(file_app)
    return factory.user(factory.school("LOCKS"), Role.STUDENT)


def test_rereading_a_lesson_step_or_a_quiz_works_while_another_writer_holds_the_lock(file_app, student):
    client = file_app.test_client()
    login(client, student)
    assert client.get("/learn/sample-consent/step/2").status_code == 200  # the position moves: written
    assert client.get("/learn/sample-consent/quiz").status_code == 200  # the attempt starts: written
    # A page that took the write lock would wait out the busy timeout, retry, and fail.
    with HeldWriteLock(file_app):
        step = client.get("/learn/sample-consent/step/2")
        quiz = client.get("/learn/sample-consent/quiz")
        catalogue = client.get("/learn/")
    assert step.status_code == quiz.status_code == catalogue.status_code == 200
    assert "Step 2 of 3" in step.get_data(as_text=True)
    assert "/learn/sample-consent/step/2" in catalogue.get_data(as_text=True)  # resume still points there


def test_moving_to_another_step_is_remembered_for_resuming(file_app, student):
    client = file_app.test_client()
    login(client, student)
    client.get("/learn/sample-consent/step/1")
    client.get("/learn/sample-consent/step/3")  # jumped ahead from the step list
    page = file_app.test_client()
    login(page, student)
    assert "/learn/sample-consent/step/3" in page.get("/learn/").get_data(as_text=True)


def test_student_pages_run_the_same_queries_whatever_the_class_size(app, factory, as_user):
    school = factory.school("SIZES")
    student = factory.user(school, Role.STUDENT)
    with app.app_context():
        classroom = Classroom(school_id=school.id, name="1-1", grade=7, school_year="2026")
        db.session.add(classroom)
        db.session.flush()
        class_id = classroom.id
        db.session.add(Enrollment(classroom_id=class_id, user_id=student.id))
        db.session.commit()
    client = as_user(student)
    urls = ["/", "/learn/", "/learn/sample-consent/step/1", "/learn/sample-consent/quiz"]
    for url in urls:
        client.get(url)  # the first visit records the position and starts the attempt

    def classmates(count: int, start: int) -> None:
        import random

        with app.app_context():
            ids = add_students(school.id, count, "not-a-real-hash", random.Random(start), start=start)
            db.session.execute(insert(Enrollment), [{"classroom_id": class_id, "user_id": i} for i in ids])
            db.session.commit()

    classmates(2, 100)
    few = [count_queries(app, client, url) for url in urls]
    classmates(40, 200)
    assert [count_queries(app, client, url) for url in urls] == few


def test_the_home_page_looks_up_a_students_assignments_once_even_when_the_menu_count_is_stale(app, factory, as_user):
    """The menu (rendered first) and the list both need them; a stale count must not mean twice."""
    school = factory.school("ONCE")
    student = factory.user(school, Role.STUDENT)
    client = as_user(student)
    client.get("/")
    with_count_kept = count_queries(app, client, "/")
    app.extensions["dari_nav_counts"].clear()  # as after 30 s, or in a worker the student never used
    assert count_queries(app, client, "/") == with_count_kept


def test_templates_are_compiled_once_outside_development(app):
    assert not app.debug and not app.jinja_env.auto_reload
