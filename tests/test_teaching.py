"""Teaching with Dari: a new teacher's guided start, cautious item analysis, students' to-do list and
retrying missed questions, printables and slides, dates in the reader's language, heading order."""

import itertools
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Assignment, QuizAttempt, Role
from app.models.base import utcnow
from conftest import SAMPLE_QUIZ_RIGHT, Factory, login, open_quiz
from tests.test_dashboard import assign, attempt, lesson, make_class, plain, text


@pytest.fixture
def school(factory):
    return factory.school()


@pytest.fixture
def teacher(factory, school):
    return factory.user(school, Role.TEACHER, display_name="Ms Kang")


def heading_levels(page: str) -> list[int]:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return [int(n) for n in re.findall(r"<h([1-6])[\s>]", main)]


def assert_no_heading_jumps(page: str) -> None:
    levels = heading_levels(page)
    assert levels and levels[0] == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}: {levels}"


# --- guided start -----------------------------------------------------------------------------------


def checklist(page: str) -> list[tuple[str, str]]:
    section = page.split('class="card getting-started"')[1].split("</section>")[0]
    return re.findall(
        r'<li class="(is-done|is-todo)[^"]*">.*?(?:<a[^>]*>|<span class="step-label">)([^<]+)<', section, re.S
    )


def test_new_teacher_sees_a_checklist_that_ticks_itself(app, as_user, factory, school, teacher):
    client = as_user(teacher)
    page = text(client.get("/"))
    assert checklist(page) == [
        ("is-todo", "Create a class"),
        ("is-todo", "Add your students"),
        ("is-todo", "Print their login cards"),
        ("is-todo", "Assign a module"),
        ("is-todo", "See the class dashboard"),
    ]
    assert '<a class="button small primary" href="/classes/new">Create a class</a>' in page

    response = client.post("/classes/new", data={"name": "2-3", "school_year": "2026", "locale": "ko"})
    class_id = int(response.headers["Location"].split("/classes/")[1].split("/")[0])
    assert response.headers["Location"].endswith(f"/classes/{class_id}/roster/add")  # straight to students
    assert [s for s, _ in checklist(text(client.get("/")))] == ["is-done"] + ["is-todo"] * 4

    cards = text(client.post(f"/classes/{class_id}/roster/add", data={"names": "Kim\nLee"}))
    assert "Print the cards" in cards and "Next: assign a module" in cards
    assert [s for s, _ in checklist(text(client.get("/")))] == ["is-done"] * 3 + ["is-todo"] * 2
    assert "Your students have their login cards." in text(client.get(f"/classes/{class_id}"))

    # The cards page assigns to the whole class in one submit.
    response = client.post(
        f"/classes/{class_id}/assignments", data={"modules": "sample-consent", "audience": "class", "due_date": ""}
    )
    assert response.status_code == 302
    page = text(client.get("/"))
    assert [s for s, _ in checklist(page)] == ["is-done"] * 4 + ["is-todo"]
    assert "Ticks itself when a student starts an assigned module." in page
    assert "Your students have their login cards." not in text(client.get(f"/classes/{class_id}"))

    with app.app_context():
        from app.models import Enrollment, User

        student_id = db.session.scalar(
            db.select(Enrollment.user_id)
            .join(User, User.id == Enrollment.user_id)
            .where(User.role == Role.STUDENT)
            .limit(1)
        )
    lesson(app, type("S", (), {"id": student_id}), "sample-consent")
    assert "getting-started" not in text(client.get("/"))  # all done: the checklist goes away


def test_checklist_in_korean_and_not_for_students(as_user, factory, school, teacher):
    page = text(as_user(teacher).get("/?lang=ko"))
    assert "시작하기" in page and "반 만들기" in page
    assert "getting-started" not in text(as_user(factory.user(school, Role.STUDENT)).get("/"))


def test_cards_page_offers_only_modules_not_yet_assigned(app, as_user, school, teacher):
    class_id = make_class(app, school, [teacher])
    assign(app, class_id, "sample-consent")
    cards = text(as_user(teacher).post(f"/classes/{class_id}/roster/add", data={"names": "Kim"}))
    quick = cards.split('class="card quick-assign"')[1].split("</section>")[0]
    assert 'value="sample-help"' in quick and 'value="sample-consent"' not in quick


# --- item analysis minimum -------------------------------------------------------------------------


@pytest.fixture
def few_answers(app, factory, school, teacher):
    kids = [factory.user(school, Role.STUDENT) for _ in range(2)]
    class_id = make_class(app, school, [teacher, *kids])
    assign(app, class_id, "sample-consent")
    attempt(app, kids[0], 1, {"photo-vs-post": "agree"})
    attempt(app, kids[1], 1, {"photo-vs-post": "agree"})
    return class_id, kids


def test_item_analysis_does_not_name_a_misconception_from_too_few_answers(as_user, teacher, few_answers):
    class_id, _kids = few_answers
    client = as_user(teacher)
    page = text(client.get(f"/classes/{class_id}/modules/sample-consent/items"))
    assert "Most missed" not in page and "Likely misconception" not in page
    assert "Too few answers yet to name a most-missed question: Dari waits until 5 students have answered" in page
    assert "Too few answers yet" in plain(page.split('id="q-photo-vs-post"')[1].split("</tr>")[0])
    assert "0% (0 of 2)" in page  # the numbers themselves are still shown
    korean = text(client.get(f"/classes/{class_id}/modules/sample-consent/items?lang=ko"))
    assert "아직 답이 너무 적어요" in korean and "가장 많이 틀린 문항:" not in korean


def test_item_analysis_names_the_most_missed_once_enough_answered(app, as_user, teacher, few_answers):
    class_id, _kids = few_answers
    app.config["ITEM_ANALYSIS_MIN_ANSWERS"] = 2
    page = text(as_user(teacher).get(f"/classes/{class_id}/modules/sample-consent/items"))
    assert "Most missed: Agreeing to a photo means agreeing to posting it." in plain(page)
    assert "Too few answers yet" not in page


# --- students ----------------------------------------------------------------------------------------


def test_student_to_do_list_shows_new_overdue_minutes_and_progress(app, as_user, factory, school, teacher):
    student = factory.user(school, Role.STUDENT)
    first = make_class(app, school, [teacher, student], name="Homeroom")
    second = make_class(app, school, [teacher, student], name="Ethics")
    late = assign(app, first, "sample-consent", due_in_days=-1)
    assign(app, second, "sample-help", due_in_days=3)
    with app.app_context():
        db.session.get(Assignment, late).created_at = utcnow() - timedelta(days=30)
        db.session.commit()
    lesson(app, student, "sample-consent", current_step=2, steps_done=1)
    client = as_user(student)
    page = text(client.get("/"))
    assert "2 modules to do across your classes." in page and "1 is overdue." in page
    consent = plain(page.split('id="bar-sample-consent"')[0].rsplit("<li", 1)[1])
    assert "Overdue" in consent and "New" not in consent and "Homeroom" in consent and "About" in consent
    assert re.search(r'<progress class="module-bar" max="3" value="1" aria-labelledby="bar-sample-consent">', page)
    helping = page.split('id="bar-sample-help"')[0].rsplit("<li", 1)[1]
    assert "New" in plain(helping) and "Ethics" in helping
    nav = page.split('class="main-nav"')[1].split("</nav>")[0]
    assert "To do" in nav and "2 modules to do, 1 overdue" in plain(nav)
    korean = text(client.get("/?lang=ko"))
    assert "할 일" in korean and "기한 지남" in korean


@pytest.fixture
def missed(app, factory, school):
    student = factory.user(school, Role.STUDENT)
    attempt(app, student, 1, {"photo-vs-post": "agree", "silence": "true"})
    with app.app_context():
        attempt_id = db.session.scalar(db.select(QuizAttempt.id).where(QuizAttempt.user_id == student.id))
    return student, attempt_id


def test_retry_the_questions_you_missed(app, as_user, missed):
    student, attempt_id = missed
    client = as_user(student)
    result = text(client.get(f"/learn/sample-consent/quiz/attempts/{attempt_id}"))
    assert "Retry the 2 questions you missed" in result
    url = f"/learn/sample-consent/quiz/attempts/{attempt_id}/retry"
    page = text(client.get(url))
    assert 'name="q-photo-vs-post"' in page and 'name="q-silence"' in page and 'name="q-parts-of-consent"' not in page
    assert "does not change your score" in page

    half = client.post(url, data={"q-photo-vs-post": "disagree"})
    assert half.status_code == 422 and "Choose an answer." in text(half)
    assert 'value="disagree" checked' in text(half)  # what was chosen is kept

    checked = text(client.post(url, data={"q-photo-vs-post": "disagree", "q-silence": "true"}))
    assert "1 of 2 right this time." in checked and "Why:" in checked
    with app.app_context():  # practice is not an attempt
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == student.id)
            )
            == 1
        )


def test_retry_refuses_tampering_and_other_students_attempts(as_user, factory, school, missed):
    student, attempt_id = missed
    url = f"/learn/sample-consent/quiz/attempts/{attempt_id}/retry"
    assert as_user(student).post(url, data={"q-photo-vs-post": "nonsense", "q-silence": "true"}).status_code == 400
    assert as_user(student).post(url, data={"q-parts-of-consent": "reversible"}).status_code == 400
    assert as_user(factory.user(school, Role.STUDENT)).get(url).status_code == 404
    assert as_user(student).get(f"/learn/sample-help/quiz/attempts/{attempt_id}/retry").status_code == 404


# --- printables and slides ------------------------------------------------------------------------


def test_handout_has_key_ideas_scenario_and_help_lines_in_the_chosen_language(as_user, teacher):
    client = as_user(teacher)
    page = text(client.get("/learn/sample-consent/handout"))
    printable = page.split('<article class="printable"')[1]
    assert (
        "Key ideas" in printable
        and "The scenario: what would you do?" in printable
        and "Where to get help" in printable
    )
    assert "/report" in printable and 'href="/learn/sample-consent/handout?lang=ko"' in page
    assert "print.css" in page
    korean = text(client.get("/learn/sample-consent/handout?lang=ko"))
    assert 'lang="ko"' in korean.split('<article class="printable"')[1][:20] and "1366" in korean and "핵심" in korean
    assert_no_heading_jumps(page)


def test_teacher_guide_prints_and_links_handout_and_slides(as_user, teacher):
    page = text(as_user(teacher).get("/learn/sample-consent/guide"))
    assert "print.css" in page and '<article class="printable"' in page and "data-print" in page
    assert 'href="/learn/sample-consent/handout?lang=en"' in page and 'href="/learn/sample-consent/slides"' in page


def test_slides_show_one_step_per_screen_and_record_nothing(app, as_user, teacher):
    client = as_user(teacher)
    assert client.get("/learn/sample-consent/slides").headers["Location"].endswith("/slides/1")
    first = text(client.get("/learn/sample-consent/slides/1"))
    assert "Slide 1 of 3" in first and 'rel="next" href="/learn/sample-consent/slides/2"' in first
    assert 'class="slides-mode"' in first and "slides.js" in first and 'rel="prev"' not in first
    last = text(client.get("/learn/sample-consent/slides/3"))
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert client.get("/learn/sample-consent/slides/99").headers["Location"].endswith("/slides/3")
    assert_no_heading_jumps(first)
    with app.app_context():
        from app.models import LessonProgress

        assert db.session.scalar(db.select(db.func.count()).select_from(LessonProgress)) == 0


@pytest.mark.parametrize("path", ["handout", "slides/1", "guide"])
def test_printables_are_for_staff_only(as_user, factory, school, path):
    response = as_user(factory.user(school, Role.STUDENT)).get(f"/learn/sample-consent/{path}")
    assert response.status_code in (403, 404)


# --- dates, contexts, headings ---------------------------------------------------------------------


def test_due_dates_read_in_korean_without_english_am_pm(app, as_user, school, teacher, factory):
    student = factory.user(school, Role.STUDENT)
    class_id = make_class(app, school, [teacher, student])
    assign(app, class_id, "sample-consent", due_in_days=3)
    for page in (
        text(as_user(teacher).get(f"/classes/{class_id}/dashboard?lang=ko")),
        text(as_user(student).get("/?lang=ko")),
    ):
        assert re.search(r"마감 \d{4}\. \d{1,2}\. \d{1,2}\. \d{2}:\d{2}", page)
        assert not re.search(r"마감 [^<]*[AP]M", page)


def test_not_yet_has_its_own_words_per_context(app):
    from flask_babel import force_locale, pgettext

    with app.test_request_context(), force_locale("ko"):
        quiz = pgettext("quiz attempt result", "Not yet")
        acknowledged = pgettext("report not acknowledged", "Not yet")
    assert quiz != acknowledged and "통과" in quiz and "통과" not in acknowledged


def test_lesson_steps_and_class_list_keep_heading_order(app, as_user, school, teacher, factory):
    make_class(app, school, [teacher])
    assert_no_heading_jumps(text(as_user(teacher).get("/classes")))
    student = as_user(factory.user(school, Role.STUDENT))
    for number in (1, 2, 3):
        assert_no_heading_jumps(text(student.get(f"/learn/sample-consent/step/{number}")))


def test_the_menu_count_is_kept_between_pages_and_drops_at_once_in_every_worker_when_the_student_finishes(
    app_factory, db_url
):
    """Two workers on one database: the count is kept per worker, and what the student does in one
    worker shows in the other on the next page."""
    one, other = app_factory(SQLALCHEMY_DATABASE_URI=db_url), app_factory(SQLALCHEMY_DATABASE_URI=db_url)
    factory = Factory(one)
    school = factory.school()
    teacher, student = factory.user(school, Role.TEACHER), factory.user(school, Role.STUDENT)
    class_id = make_class(one, school, [teacher, student])
    assign(one, class_id, "sample-consent")
    lesson(one, student, "sample-consent", current_step=3, steps_done=3, done=True)  # the quiz is left
    in_one = one.test_client()
    login(in_one, student, one, follow=False)

    def menu(client):
        page = text(client.get("/learn/sample-consent/step/1"))
        return plain(page.split('class="main-nav"')[1].split("</nav>")[0])

    assert "1 module to do" in menu(in_one)
    assign(one, class_id, "sample-help")  # the teacher's change shows within NAV_COUNT_SECONDS
    assert "1 module to do" in menu(in_one)
    one.config["NAV_COUNT_SECONDS"] = 0
    assert "2 modules to do" in menu(in_one)
    one.config["NAV_COUNT_SECONDS"] = 30
    assert "2 modules to do" in menu(in_one)

    in_other = other.test_client()
    in_other.set_cookie("session", in_one.get_cookie("session").value)
    _, number = open_quiz(in_other)
    assert in_other.post("/learn/sample-consent/quiz", data={"attempt": number, **SAMPLE_QUIZ_RIGHT}).status_code == 302
    in_one.set_cookie("session", in_other.get_cookie("session").value)  # the browser's next page
    assert "1 module to do" in menu(in_one)  # passed: sample-consent is done, in the first worker too
