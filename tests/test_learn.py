"""A student works through lessons and quizzes; staff preview them."""

import re

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import LessonProgress, QuizAnswer, QuizAttempt, ReflectionAnswer, Role
from conftest import SAMPLE_QUIZ_RIGHT as CORRECT, login, open_quiz


def text(response) -> str:
    return response.get_data(as_text=True)


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- catalogue and lessons ---------------------------------------------------------------------


def test_catalogue_lists_modules_in_order_with_status(student_client):
    page = text(student_client.get("/learn/"))
    assert page.index("Sample consent") < page.index("Sample getting help")
    assert "10 min" in page and "Grades 6-9" in page and "Not started" in page
    assert "Sensitive topic" in page
    assert "Continue where you left off" not in page


def test_progress_is_saved_per_step_and_resumes_on_another_device(app, student_client, student):
    student_client.post("/learn/sample-consent/step/1")
    page = text(student_client.get("/learn/"))
    assert "In progress: step 2 of 3" in page
    assert "Continue where you left off" in page and "/learn/sample-consent/step/2" in page
    other_device = app.test_client()
    login(other_device, student)
    assert "Continue at step 2" in text(other_device.get("/learn/sample-consent"))


def test_step_page_shows_position_and_navigation(student_client):
    page = text(student_client.get("/learn/sample-consent/step/2"))
    assert "Step 2 of 3" in page
    assert 'href="/learn/sample-consent/step/1"' in page  # back
    assert ">Next<" in page


def test_finishing_the_last_step_completes_the_lesson(app, student_client, student):
    for n in (1, 2):
        student_client.post(f"/learn/sample-consent/step/{n}")
    response = student_client.post("/learn/sample-consent/step/3", follow_redirects=True)
    assert "You finished the lesson" in text(response)
    assert "Take the quiz" in text(response)
    assert "Lesson done" in text(student_client.get("/learn/"))
    with app.app_context():
        progress = db.session.scalar(select(LessonProgress))
        assert progress.completed_at is not None and progress.steps_done == 3


@pytest.mark.parametrize(
    "url",
    [
        "/learn/nope",
        "/learn/sample-consent/step/0",
        "/learn/sample-consent/step/4",
        "/learn/nope/step/1",
        "/learn/nope/quiz",
    ],
)
def test_unknown_modules_and_steps_are_404(student_client, url):
    assert student_client.get(url).status_code == 404


def test_sensitive_lesson_opens_with_a_content_note_and_a_way_out(student_client):
    module_page = text(student_client.get("/learn/sample-help"))
    assert "Content note" in module_page and "This sample talks about images shared without consent." in module_page
    assert "Not now — step away" in module_page and 'href="/help"' in module_page
    step_one = text(student_client.get("/learn/sample-help/step/1"))
    assert "Content note" in step_one
    assert "Get help now" in step_one


def test_callout_lists_help_lines_for_the_language(student_client):
    korean = text(student_client.get("/learn/sample-help/step/1", headers={"Accept-Language": "ko"}))
    callout = korean.split('class="block callout-block"', 1)[1].split("</aside>", 1)[0]
    assert "지금 이런 일을 겪고 있다면" in callout and "02-735-8994" in callout and "1366" in callout


def test_scenario_feedback_works_without_javascript(student_client):
    plain = text(student_client.get("/learn/sample-consent/step/1"))
    assert re.search(r'data-feedback-for="say-no" hidden>That is your right.', plain)
    chosen = text(student_client.get("/learn/sample-consent/step/1?s-photo-at-lunch=say-no"))
    assert re.search(r'data-feedback-for="say-no">That is your right.', chosen)
    assert re.search(r'value="say-no" checked', chosen)
    assert re.search(r'data-feedback-for="say-nothing" hidden>', chosen)


def test_reflection_is_saved_and_private(app, student_client, factory, school, as_user):
    response = student_client.post("/learn/sample-consent/reflect/my-line", data={"text": "  My friend asked first.  "})
    assert response.headers["Location"].endswith("/learn/sample-consent/step/2#reflect-my-line")
    assert "My friend asked first." in text(student_client.get("/learn/sample-consent/step/2"))
    classmate = as_user(factory.user(school, Role.STUDENT))
    assert "My friend asked first." not in text(classmate.get("/learn/sample-consent/step/2"))
    student_client.post("/learn/sample-consent/reflect/my-line", data={"text": "Changed my mind."})
    assert count(app, ReflectionAnswer) == 1
    student_client.post("/learn/sample-consent/reflect/my-line", data={"text": ""})
    assert count(app, ReflectionAnswer) == 0


def test_overlong_reflection_keeps_the_text_and_says_why(app, student_client):
    long_text = "word " * 500
    response = student_client.post("/learn/sample-consent/reflect/my-line", data={"text": long_text})
    assert response.status_code == 422
    assert "Please keep it under 2000 characters." in text(response)
    assert long_text.strip()[:100] in text(response)
    assert count(app, ReflectionAnswer) == 0


def test_reflection_for_an_unknown_block_is_404(student_client):
    assert student_client.post("/learn/sample-consent/reflect/not-a-block", data={"text": "x"}).status_code == 404


def test_lesson_page_runs_a_fixed_small_number_of_queries(app, student_client):
    student_client.post("/learn/sample-consent/reflect/my-line", data={"text": "x"})
    statements, seen = [], set()
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for n in (1, 2, 3, 3):
            before = len(statements)
            assert student_client.get(f"/learn/sample-consent/step/{n}").status_code == 200
            # Moving records the position (a write transaction of its own); rereading only reads.
            limit = 4 if f"step/{n}" in seen else 9  # (incl. the menu's to-do count)
            seen.add(f"step/{n}")
            assert len(statements) - before <= limit, statements[before:]
            if limit == 4:
                assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in statements[before:])
    finally:
        event.remove(engine, "before_cursor_execute", listener)


# --- quizzes -----------------------------------------------------------------------------------


def test_quiz_page_holds_no_answers(student_client):
    page, _ = open_quiz(student_client)
    for secret in ("correct", "Right.", "Consent is specific.", "Consent to one thing is not consent to another."):
        assert secret not in page
    assert "Choose all that apply." in page


def test_option_order_is_kept_for_an_attempt_and_shuffled_between_attempts(app, student_client):
    page, attempt = open_quiz(student_client)
    again, same_attempt = open_quiz(student_client)
    assert attempt == same_attempt

    def order(html):
        return re.findall(r'name="q-photo-vs-post" value="([a-z-]+)"', html)

    assert order(page) == order(again)
    orders = {tuple(order(page))}
    for _ in range(15):
        student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT})
        page, attempt = open_quiz(student_client)
        orders.add(tuple(order(page)))
    assert len(orders) > 1


def test_all_correct_scores_100_and_shows_explanations(app, student_client):
    _, attempt = open_quiz(student_client)
    response = student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT})
    result = text(student_client.get(response.headers["Location"]))
    assert "Your result: 100%" in result and "3 of 3 right." in result and "You passed." in result
    assert "Consent to one thing is not consent to another." in result  # explanation
    with app.app_context():
        stored = db.session.scalar(select(QuizAttempt))
        assert (stored.score, stored.passed, stored.number) == (100, True, 1)
        assert {a.item_id: a.correct for a in stored.answers} == {
            "photo-vs-post": True,
            "parts-of-consent": True,
            "silence": True,
        }


def test_wrong_answers_show_what_was_chosen_and_why(student_client):
    _, attempt = open_quiz(student_client)
    answers = {**CORRECT, "q-parts-of-consent": ["reversible"], "q-silence": "true"}
    location = student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **answers}).headers[
        "Location"
    ]
    result = text(student_client.get(location))
    assert "Your result: 33%" in result and "The pass mark is 80%" in result
    assert "Silence is not consent." in result  # feedback of the chosen wrong option
    assert result.count("your answer") == 3  # one chosen option per question


def test_retakes_keep_history_with_best_and_latest(student_client):
    for answers in ({**CORRECT, "q-silence": "true"}, CORRECT, {**CORRECT, "q-photo-vs-post": "agree"}):
        _, attempt = open_quiz(student_client)
        student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **answers})
    page = text(student_client.get("/learn/sample-consent"))
    assert "Best score: 100% · Latest: 67%" in page
    assert "Attempt 1" in page and "Attempt 3" in page
    assert "Best quiz score: 100% (passed)" in text(student_client.get("/learn/"))


def test_unanswered_questions_are_named_and_answers_kept(app, student_client):
    _, attempt = open_quiz(student_client)
    response = student_client.post(
        "/learn/sample-consent/quiz", data={"attempt": attempt, "q-photo-vs-post": "disagree"}
    )
    page = text(response)
    assert response.status_code == 422
    assert "Some questions have no answer yet" in page and 'href="#q-silence"' in page
    assert re.search(r'value="disagree" checked', page)
    assert count(app, QuizAnswer) == 0 and count(app, QuizAttempt, QuizAttempt.submitted_at.is_not(None)) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"q-not-a-question": "x"},
        {"q-silence": "maybe"},
        {"q-photo-vs-post": ["disagree", "agree"]},
        {"q-parts-of-consent": ["reversible", "reversible", "specific"]},
        {"attempt": "999"},
        {"attempt": "not-a-number"},
        {"attempt": None},
        {"extra": "field"},
    ],
    ids=[
        "unknown-question",
        "unknown-option",
        "two-answers-to-single",
        "duplicate-option",
        "unknown-attempt",
        "bad-attempt",
        "missing-attempt",
        "unknown-field",
    ],
)
def test_tampered_submissions_are_400_and_record_nothing(app, student_client, change):
    _, attempt = open_quiz(student_client)
    data = {"attempt": attempt, **CORRECT, **change}
    data = {k: v for k, v in data.items() if v is not None}
    response = student_client.post("/learn/sample-consent/quiz", data=data)
    assert response.status_code == 400
    assert "Nothing was saved" in text(response)
    assert count(app, QuizAnswer) == 0


def test_answers_to_another_quiz_or_another_students_attempt_are_refused(app, student_client, factory, school, as_user):
    _, help_attempt = open_quiz(student_client, "sample-help")
    response = student_client.post("/learn/sample-consent/quiz", data={"attempt": help_attempt, **CORRECT})
    assert response.status_code == 400
    classmate = as_user(factory.user(school, Role.STUDENT))
    _, theirs = open_quiz(classmate)
    assert student_client.post("/learn/sample-consent/quiz", data={"attempt": theirs, **CORRECT}).status_code == 400
    assert count(app, QuizAnswer) == 0


def test_handing_in_twice_does_not_count_twice(app, student_client):
    _, attempt = open_quiz(student_client)
    first = student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT})
    second = student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT})
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app, QuizAttempt, QuizAttempt.submitted_at.is_not(None)) == 1


def test_a_result_is_only_for_its_student(student_client, factory, school, as_user):
    _, attempt = open_quiz(student_client)
    location = student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT}).headers[
        "Location"
    ]
    assert as_user(factory.user(school, Role.STUDENT)).get(location).status_code == 404
    assert as_user(factory.user(school, Role.TEACHER)).get(location).status_code == 404
    assert student_client.get(location.replace("sample-consent", "sample-help")).status_code == 404


def test_korean_quiz_and_english_quiz_share_item_ids(app, student_client, factory, school, as_user):
    page, attempt = open_quiz(student_client, **{"Accept-Language": "ko"})
    assert "사진 찍기에 동의하면 게시에도 동의한 거예요." in page and "맞아요" in page  # true/false text
    student_client.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT})
    english_student = as_user(factory.user(school, Role.STUDENT))
    _, attempt = open_quiz(english_student)
    english_student.post("/learn/sample-consent/quiz", data={"attempt": attempt, **CORRECT, "q-silence": "true"})
    with app.app_context():
        # One grouped query gives per-item statistics across both languages.
        rows = db.session.execute(
            select(QuizAnswer.item_id, func.count(), func.sum(func.cast(QuizAnswer.correct, db.Integer)))
            .group_by(QuizAnswer.item_id)
            .order_by(QuizAnswer.item_id)
        ).all()
        locales = set(db.session.scalars(select(QuizAttempt.locale)))
    assert locales == {"ko", "en"}
    assert [tuple(r) for r in rows] == [("parts-of-consent", 2, 2), ("photo-vs-post", 2, 2), ("silence", 2, 1)]


# --- staff -------------------------------------------------------------------------------------


def test_staff_preview_shows_every_step_and_the_answers(factory, school, as_user):
    teacher = as_user(factory.user(school, Role.TEACHER))
    page = text(teacher.get("/learn/sample-consent/preview"))
    assert "Step 1 of 3" in page and "Step 3 of 3" in page
    assert page.count("correct answer") == 4  # 1 + 2 + 1 correct options
    assert "Consent is specific." in page  # option feedback
    guide = text(teacher.get("/learn/sample-consent/guide"))
    assert "Ten minutes. Ask: what does asking first look like?" in guide
    assert "교사용 안내" in text(teacher.get("/learn/sample-consent/guide", headers={"Accept-Language": "ko"}))


def test_students_cannot_preview_or_read_guides(student_client):
    assert student_client.get("/learn/sample-consent/preview").status_code == 403
    assert student_client.get("/learn/sample-consent/guide").status_code == 403
