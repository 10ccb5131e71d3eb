"""Teachers (and, read-only, school admins) see what a class learned: the progress grid, its CSV,
the quiz item analysis and one student's record."""

import csv
import io
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select

from app.extensions import db
from app.models import (
    Assignment,
    AssignmentStudent,
    Classroom,
    Enrollment,
    Excusal,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    ReflectionAnswer,
    Role,
    School,
    User,
)
from app.models.base import utcnow
from conftest import Factory

RIGHT = {"photo-vs-post": "disagree", "parts-of-consent": "reversible,specific", "silence": "false"}
PASS_MARK = {"sample-consent": 80, "sample-help": 100}


# --- helpers -----------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_cells(page: str, name: str) -> list[str]:
    """The text of each <td> in the row of student `name`."""
    for chunk in page.split("<tr")[1:]:
        chunk = chunk.split("</tr>")[0]
        if f">{name}</a>" in chunk:
            return [plain(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", chunk, re.S)]
    raise AssertionError(f"no row for {name}")


def order_of(page: str, names: list[str]) -> list[str]:
    body = page.split("<tbody>")[1]
    return sorted(names, key=lambda n: body.index(f">{n}</a>"))


def save(app, *objects) -> list:
    with app.app_context():
        db.session.add_all(objects)
        db.session.commit()
        return [getattr(o, "id", None) for o in objects]


def make_class(app, school, members, name="2-3") -> int:
    """A class of `school` with these members enrolled (for modules that seed a class directly)."""
    return Factory(app).classroom(school, *members, name=name)


def assign(app, class_id, module_id, due_in_days=None, chosen=(), excused=()) -> int:
    due = None if due_in_days is None else utcnow() + timedelta(days=due_in_days)
    with app.app_context():
        a = Assignment(classroom_id=class_id, module_id=module_id, due_at=due)
        a.chosen = [AssignmentStudent(user_id=s.id) for s in chosen]
        a.excusals = [Excusal(user_id=s.id) for s in excused]
        db.session.add(a)
        db.session.commit()
        return a.id


def lesson(app, student, module_id, current_step=1, steps_done=0, done=False):
    save(
        app,
        LessonProgress(
            user_id=student.id,
            module_id=module_id,
            current_step=current_step,
            steps_done=steps_done,
            completed_at=utcnow() if done else None,
        ),
    )


def attempt(app, student, number, answers=None, module_id="sample-consent", locale="en", submitted=True):
    """A submitted attempt; `answers` maps question id -> chosen option ids ("a,b"); missing ones are right."""
    answers = {**RIGHT, **(answers or {})} if module_id == "sample-consent" else (answers or {"whose-fault": "false"})
    right = {**RIGHT, "whose-fault": "false"}
    marks = {q: chosen == right[q] for q, chosen in answers.items()}
    score = round(100 * sum(marks.values()) / len(marks))
    a = QuizAttempt(
        user_id=student.id,
        module_id=module_id,
        locale=locale,
        option_order={},
        submitted_at=utcnow() - timedelta(hours=10 - number) if submitted else None,
        number=number if submitted else None,
        correct_count=sum(marks.values()),
        total=len(marks),
        score=score if submitted else None,
        passed=score >= PASS_MARK[module_id] if submitted else None,
    )
    a.answers = [QuizAnswer(item_id=q, chosen=c, correct=marks[q]) for q, c in answers.items()]
    save(app, a)


def count_queries(app, client, url) -> int:
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def grid(app, factory, school, teacher):
    """Five students, each in a different state of two assignments (see the test below)."""
    names = ["Ahn Mina", "Baek Jun", "Choi Yuna", "Do Hyun", "Eom Sora"]
    s = {n.split()[0].lower(): factory.user(school, Role.STUDENT, display_name=n) for n in names}
    class_id = factory.classroom(school, teacher, *s.values())
    assign(app, class_id, "sample-consent", due_in_days=-1, excused=[s["ahn"]])
    assign(app, class_id, "sample-help", due_in_days=1, chosen=[s["eom"], s["baek"]])
    lesson(app, s["do"], "sample-consent", current_step=2, steps_done=1)
    lesson(app, s["choi"], "sample-consent", 3, 3, done=True)
    attempt(app, s["choi"], 1, {"photo-vs-post": "agree", "silence": "true"})  # 33%
    attempt(app, s["choi"], 2, {"photo-vs-post": "agree"})  # 67%, not passed (80 needed)
    lesson(app, s["baek"], "sample-consent", 3, 3, done=True)
    attempt(app, s["baek"], 1)  # 100%
    lesson(app, s["baek"], "sample-help", 2, 2, done=True)
    attempt(app, s["baek"], 1, module_id="sample-help")
    return class_id, s, names


# --- the grid ------------------------------------------------------------------------------------


def test_cells_show_each_status_with_scores_and_overdue_in_words(teacher_client, grid):
    class_id, _s, _names = grid
    page = text(teacher_client.get(f"/classes/{class_id}/dashboard"))
    assert page.index("Sample consent") < page.index("Sample getting help")  # library order
    # After "Modules done" and the overdue count come the modules, in order.
    assert row_cells(page, "Eom Sora")[1:] == ["1", "Not started Overdue", "Not started"]
    assert row_cells(page, "Do Hyun")[1:] == ["1", "In progress (step 2 of 3) Overdue", "Not assigned"]
    assert row_cells(page, "Choi Yuna")[1:] == ["1", "Done Best score 67% Overdue", "Not assigned"]  # quiz not passed
    assert row_cells(page, "Baek Jun")[1:] == ["0", "Done Best score 100%", "Done Best score 100%"]
    assert row_cells(page, "Ahn Mina")[1:] == ["0", "Excused", "Not assigned"]
    assert "is-overdue" in page and "Overdue means the due date has passed" in page
    legend = plain(page.split('class="legend"')[1].split("</dl>")[0])
    for words in ("Done", "In progress", "Not started", "Overdue", "Excused"):
        assert words in legend


def test_totals_count_done_of_assigned_without_excused_students(teacher_client, grid):
    class_id, _s, _names = grid
    page = text(teacher_client.get(f"/classes/{class_id}/dashboard"))
    totals = plain(page.split("<tfoot>")[1].split('<tr class="bands-row"')[0])
    assert totals == (
        "Class totals 2 of 4 done 1 in progress, 3 overdue Average best score 84% "
        "1 of 2 done 0 in progress, 0 overdue Average best score 100%"
    )
    assert row_cells(page, "Baek Jun")[0] == "2 of 2" and row_cells(page, "Ahn Mina")[0] == "0 of 0"


def bar_widths(html: str) -> list[int]:
    return [int(w) for w in re.findall(r'<svg class="bar[^>]*><rect width="(\d+)"', html)]


def test_bars_show_done_of_assigned_per_student_and_per_module(teacher_client, grid):
    class_id, _s, _names = grid
    page = text(teacher_client.get(f"/classes/{class_id}/dashboard"))
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    # Ahn 0 of 0 (excused), Baek 2 of 2, Choi 1 of 1, Do 0 of 1, Eom 0 of 2.
    assert bar_widths(body) == [0, 100, 100, 0, 0]
    totals = page.split("<tfoot>")[1].split('<tr class="bands-row"')[0]
    assert bar_widths(totals) == [50, 50]  # 2 of 4, 1 of 2
    assert 'aria-hidden="true"><rect' in body  # the words beside a bar are what screen readers read


def test_score_distribution_per_module_in_bars_and_words(teacher_client, grid):
    class_id, _s, _names = grid
    page = text(teacher_client.get(f"/classes/{class_id}/dashboard"))
    bands = page.split('class="bands-row"')[1].split("</tfoot>")[0]
    consent, helping = [plain(ul) for ul in re.findall(r'<ul class="bands">(.*?)</ul>', bands, re.S)]
    # Four students count for consent (Ahn is excused): Choi 67, Baek 100, Do and Eom without a score.
    assert consent == "0–59% 0 0 students 60–79% 1 1 student 80–100% 1 1 student No score yet 2 2 students"
    assert helping == "0–59% 0 0 students 60–79% 0 0 students 80–100% 1 1 student No score yet 1 1 student"
    assert bar_widths(bands) == [0, 25, 25, 50, 0, 0, 50, 50]  # share of the students assigned


def test_the_numbers_behind_bars_and_distribution(app, grid):
    from app.classes import progress

    class_id, _s, _names = grid
    with app.app_context():
        board = progress.build_dashboard(class_id)
    consent, helping = board.columns
    assert (consent.assigned, consent.done, consent.in_progress, consent.overdue) == (4, 2, 1, 3)
    assert consent.bands == [0, 1, 1, 2] and consent.average == 84
    assert (helping.assigned, helping.done, helping.in_progress, helping.overdue) == (2, 1, 0, 0)
    assert helping.bands == [0, 0, 1, 1]
    by_name = {row.student.display_name: row for row in board.rows}
    assert [(r.done, r.assigned, r.overdue) for r in by_name.values()] == [
        (0, 0, 0),
        (2, 2, 0),
        (1, 1, 1),
        (0, 1, 1),
        (0, 2, 1),
    ]  # Ahn, Baek, Choi, Do, Eom
    assert progress.percent(1, 3) == 33 and progress.percent(0, 0) == 0


def test_score_bands_have_inclusive_edges(app, grid):
    from app.classes.progress import Column

    column = Column(assignment=None, module=None, assigned=7, scores=[0, 59, 60, 79, 80, 100])
    assert column.bands == [2, 2, 2, 1]


def test_dashboard_reads_in_korean(teacher_client, grid):
    class_id, _s, _names = grid
    page = plain(text(teacher_client.get(f"/classes/{class_id}/dashboard?lang=ko")))
    for words in ("완료", "진행 중", "시작 전", "기한 지남", "1명", "점수 없음"):
        assert words in page, words
    assert "students" not in page and "No score yet" not in page and "in progress" not in page


@pytest.mark.parametrize(
    "sort, expected",
    [
        (None, ["Ahn Mina", "Baek Jun", "Choi Yuna", "Do Hyun", "Eom Sora"]),
        ("name", ["Ahn Mina", "Baek Jun", "Choi Yuna", "Do Hyun", "Eom Sora"]),
        ("progress", ["Ahn Mina", "Do Hyun", "Eom Sora", "Choi Yuna", "Baek Jun"]),  # fewest done first
        ("sample-consent", ["Eom Sora", "Do Hyun", "Choi Yuna", "Baek Jun", "Ahn Mina"]),  # status, then score
        ("sample-help", ["Eom Sora", "Baek Jun", "Ahn Mina", "Choi Yuna", "Do Hyun"]),  # unassigned last
        ("overdue", ["Choi Yuna", "Do Hyun", "Eom Sora", "Ahn Mina", "Baek Jun"]),  # most overdue first
        ("no-such-module", ["Ahn Mina", "Baek Jun", "Choi Yuna", "Do Hyun", "Eom Sora"]),  # tampered: by name
    ],
)
def test_sort_orders(teacher_client, grid, sort, expected):
    class_id, _s, names = grid
    response = teacher_client.get(f"/classes/{class_id}/dashboard" + (f"?sort={sort}" if sort else ""))
    assert response.status_code == 200
    page = text(response)
    assert order_of(page, names) == expected
    active = sort if sort in ("name", "progress", "overdue", "sample-consent", "sample-help") else "name"
    direction = "descending" if active == "overdue" else "ascending"
    assert page.count("aria-sort=") == 1  # exactly one active header, and it is the one in use
    assert f"sort={active}" in page.split(f'aria-sort="{direction}"')[1].split("</th>")[0]


def test_headers_link_to_item_analysis_and_student_detail(teacher_client, grid):
    class_id, s, _names = grid
    page = text(teacher_client.get(f"/classes/{class_id}/dashboard"))
    assert f'href="/classes/{class_id}/modules/sample-consent/items">Sample consent</a>' in page
    assert f'href="/classes/{class_id}/dashboard?sort=sample-help"' in page
    assert f'href="/classes/{class_id}/students/{s["choi"].id}">Choi Yuna</a>' in page
    assert f'href="/classes/{class_id}/dashboard.csv"' in page


def test_empty_class_and_class_without_assignments_say_so(app, teacher_client, school, teacher, factory):
    class_id = factory.classroom(school, teacher, factory.user(school, Role.STUDENT))
    assert "No modules are assigned to this class yet." in text(teacher_client.get(f"/classes/{class_id}/dashboard"))
    empty = factory.classroom(school, teacher, name="Empty")
    assign(app, empty, "sample-consent")
    assert "This class has no students yet." in text(teacher_client.get(f"/classes/{empty}/dashboard"))


# --- item analysis -------------------------------------------------------------------------------


@pytest.fixture
def answered(app, factory, school, teacher):
    """Four students' attempts in both languages, plus noise that must not count."""
    app.config["ITEM_ANALYSIS_MIN_ANSWERS"] = 1  # the minimum has its own tests (test_teaching.py)
    s = [factory.user(school, Role.STUDENT, display_name=f"Kid {n}") for n in range(1, 5)]
    class_id = factory.classroom(school, teacher, *s)
    assign(app, class_id, "sample-consent")
    attempt(app, s[0], 1)
    attempt(
        app,
        s[1],
        1,
        {"photo-vs-post": "depends", "parts-of-consent": "forever,reversible", "silence": "true"},
        locale="ko",
    )
    attempt(app, s[1], 2, {"parts-of-consent": "reversible"}, locale="ko")
    attempt(app, s[2], 1, {"photo-vs-post": "depends", "parts-of-consent": "forever,reversible"})
    attempt(app, s[3], 1, {"photo-vs-post": "agree"}, locale="ko")
    attempt(app, s[3], 2, {"photo-vs-post": "agree"}, locale="ko", submitted=False)  # still open: ignored
    outsider = factory.user(school, Role.STUDENT)  # another class's student
    factory.classroom(school, outsider, name="Other")
    for n in (1, 2, 3):
        attempt(app, outsider, n, {"silence": "true", "photo-vs-post": "agree"})
    return class_id


def item_row(page: str, question_id: str) -> list[str]:
    chunk = page.split(f'id="q-{question_id}"')[1].split("</tr>")[0]
    return [plain(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", chunk, re.S)]


def test_item_analysis_numbers_combine_both_languages(teacher_client, answered):
    page = text(teacher_client.get(f"/classes/{answered}/modules/sample-consent/items"))
    assert "4 students in 2-3 have handed in this quiz." in page
    photo = item_row(page, "photo-vs-post")
    assert photo[:3] == ["25% (1 of 4)", "“Only for friends” chosen 2 times", "5"]
    assert photo[3] == "Explanation : 1"
    parts = item_row(page, "parts-of-consent")  # the multiple-choice combination, in the quiz's option order
    assert parts[:3] == ["50% (2 of 4)", "“Reversible” + “Forever” chosen 2 times", "5"]
    silence = item_row(page, "silence")
    assert silence[:3] == ["75% (3 of 4)", "“True” chosen 1 time", "5"]
    assert page.index("photo-vs-post") < page.index("parts-of-consent") < page.index('id="q-silence"')


def test_most_missed_question_is_highlighted_first_with_a_link_to_its_explanation(teacher_client, answered):
    page = text(teacher_client.get(f"/classes/{answered}/modules/sample-consent/items"))
    callout = page.split('class="callout most-missed"')[1].split("</section>")[0]
    assert "Most missed: Agreeing to a photo means agreeing to posting it." in plain(callout)
    assert "25% answered it correctly at their first attempt." in plain(callout)
    assert 'href="/learn/sample-consent/preview#item-photo-vs-post"' in callout
    assert page.index("most-missed") < page.index("<table")


def test_item_analysis_in_korean_shows_korean_prompts_and_options(teacher_client, answered):
    page = text(teacher_client.get(f"/classes/{answered}/modules/sample-consent/items?lang=ko"))
    assert "사진 찍기에 동의하면 게시에도 동의한 거예요." in page
    assert "“친구라면 괜찮아요”" in page and "“되돌릴 수 있어요” + “영원해요”" in page


def test_item_analysis_without_attempts_and_unknown_module(app, factory, teacher_client, school, teacher):
    class_id = factory.classroom(school, teacher)
    page = text(teacher_client.get(f"/classes/{class_id}/modules/sample-help/items"))
    assert "No attempts yet" in page and "Most missed" not in page
    assert teacher_client.get(f"/classes/{class_id}/modules/no-such-module/items").status_code == 404
    assert teacher_client.get(f"/classes/{class_id}/modules/..%2Fetc/items").status_code == 404


# --- one student ----------------------------------------------------------------------------------


def test_student_detail_shows_progress_and_attempts_but_never_reflections(app, teacher_client, grid):
    class_id, s, _names = grid
    save(
        app,
        ReflectionAnswer(
            user_id=s["choi"].id, module_id="sample-consent", block_id="my-line", text="PRIVATE-REFLECTION-TEXT"
        ),
    )
    page = text(teacher_client.get(f"/classes/{class_id}/students/{s['choi'].id}"))
    assert "Choi Yuna" in page and s["choi"].username in page
    assert "PRIVATE-REFLECTION-TEXT" not in page
    consent = plain(page.split('id="m-sample-consent"')[1].split("</section>")[0])
    assert "Done" in consent and "Overdue" in consent and "Finished" in consent
    assert re.search(r"1 \S.* 33% Not passed 2 \S.* 67% Not passed", consent)
    helping = plain(page.split('id="m-sample-help"')[1].split("</section>")[0])
    assert "Not assigned" in helping and "No due date" not in helping
    do = plain(text(teacher_client.get(f"/classes/{class_id}/students/{s['do'].id}")))
    assert "1 of 3 steps finished" in do and "No quiz attempts yet." in do


def test_student_detail_404_for_someone_not_in_the_class(app, teacher_client, grid, factory, school, teacher):
    class_id, _s, _names = grid
    stranger = factory.user(school, Role.STUDENT)
    assert teacher_client.get(f"/classes/{class_id}/students/{stranger.id}").status_code == 404
    assert teacher_client.get(f"/classes/{class_id}/students/{teacher.id}").status_code == 404  # not a student
    assert teacher_client.get(f"/classes/{class_id}/students/999999").status_code == 404


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_has_bom_korean_text_and_neutralised_formulas(app, teacher_client, factory, school, teacher):
    kim = factory.user(school, Role.STUDENT, display_name="김민지")
    evil = factory.user(school, Role.STUDENT, display_name='=HYPERLINK("http://x.example","click")')
    plus = factory.user(school, Role.STUDENT, display_name="+1 Kid")
    at = factory.user(school, Role.STUDENT, display_name="@SUM(A1)")
    class_id = factory.classroom(school, teacher, kim, evil, plus, at, name="2학년 3반")
    assign(app, class_id, "sample-consent", due_in_days=-2)
    lesson(app, kim, "sample-consent", 3, 3, done=True)
    attempt(app, kim, 1, {"silence": "true"})
    response = teacher_client.get(f"/classes/{class_id}/dashboard.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.isascii() and ".csv" in disposition
    assert response.data.startswith("\ufeff".encode())
    body = response.data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == [
        "Student",
        "Username",
        "Modules done",
        "Modules assigned",
        "Modules overdue",
        "Sample consent: status",
        "Sample consent: best score (%)",
        "Sample consent: overdue",
    ]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["김민지"][2:] == ["1", "1", "1", "Done, overdue", "67", "Yes"]
    assert by_name['\'=HYPERLINK("http://x.example","click")'][5] == "Not started, overdue"
    assert "'+1 Kid" in by_name and "'@SUM(A1)" in by_name
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_carries_the_dashboards_numbers_in_both_languages(teacher_client, grid):
    class_id, _s, _names = grid
    response = teacher_client.get(f"/classes/{class_id}/dashboard.csv")
    rows = {r[0]: r for r in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))}
    assert rows["Student"][5:] == [
        "Sample consent: status",
        "Sample consent: best score (%)",
        "Sample consent: overdue",
        "Sample getting help: status",
        "Sample getting help: best score (%)",
        "Sample getting help: overdue",
    ]
    assert rows["Ahn Mina"][2:] == ["0", "0", "0", "Excused", "", "", "Not assigned", "", ""]  # not counted: no flag
    assert rows["Baek Jun"][2:] == ["2", "2", "0", "Done", "100", "No", "Done", "100", "No"]
    assert rows["Do Hyun"][2:] == [
        "0",
        "1",
        "1",
        "In progress (step 2 of 3), overdue",
        "",
        "Yes",
        "Not assigned",
        "",
        "",
    ]
    assert rows["Eom Sora"][2:5] == ["0", "2", "1"]
    korean = teacher_client.get(f"/classes/{class_id}/dashboard.csv?lang=ko")
    assert korean.data.startswith("\ufeff".encode())
    ko = {r[0]: r for r in csv.reader(io.StringIO(korean.data.decode("utf-8-sig")))}
    header = next(iter(ko.values()))
    assert header[2:5] == ["완료한 모듈", "배정된 모듈", "기한 지난 모듈"] and header[7].endswith(": 기한 지남")
    assert ko["Baek Jun"][7] == "아니요" and ko["Do Hyun"][7] == "예"


# --- who may look --------------------------------------------------------------------------------

PAGES = [
    "/classes/{c}/dashboard",
    "/classes/{c}/dashboard.csv",
    "/classes/{c}/modules/sample-consent/items",
    "/classes/{c}/students/{s}",
]


def test_admin_of_the_school_can_read_every_view(as_user, factory, school, grid):
    class_id, s, _names = grid
    admin = as_user(factory.user(school, Role.SCHOOL_ADMIN))
    for url in PAGES:
        response = admin.get(url.format(c=class_id, s=s["choi"].id))
        assert response.status_code == 200, url
    page = text(admin.get(f"/classes/{class_id}/dashboard"))
    assert "only its teachers can change it" in page and "/assignments" not in page


@pytest.mark.parametrize(
    "who, status",
    [
        ("other_teacher", 404),
        ("other_school_teacher", 404),
        ("other_school_admin", 404),
        ("student", 403),
        ("counselor", 403),
    ],
)
def test_everyone_else_is_turned_away(as_user, factory, school, grid, who, status):
    class_id, s, _names = grid
    beta = factory.school("BETA")
    users = {
        "other_teacher": lambda: factory.user(school, Role.TEACHER),
        "other_school_teacher": lambda: factory.user(beta, Role.TEACHER),
        "other_school_admin": lambda: factory.user(beta, Role.SCHOOL_ADMIN),
        "student": lambda: s["choi"],
        "counselor": lambda: factory.user(school, Role.COUNSELOR),
    }
    client = as_user(users[who]())
    for url in PAGES:
        assert client.get(url.format(c=class_id, s=s["choi"].id)).status_code == status, url


def test_logged_out_visitors_go_to_login(client, grid):
    class_id, s, _names = grid
    for url in PAGES:
        response = client.get(url.format(c=class_id, s=s["choi"].id))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_class_is_404(teacher_client):
    assert teacher_client.get("/classes/999999/dashboard").status_code == 404
    assert teacher_client.get("/classes/999999/dashboard.csv").status_code == 404


# --- a fixed number of queries -------------------------------------------------------------------


def test_dashboard_and_item_analysis_run_the_same_queries_for_5_and_60_students(
    app, factory, teacher_client, school, teacher
):
    from app.content import library
    from app.demo.big import add_students, seed_progress

    rng = random.Random(1)
    class_id = factory.classroom(school, teacher)
    for module_id in ("sample-consent", "sample-help"):
        assign(app, class_id, module_id, due_in_days=-1)

    def grow(count: int, start: int) -> None:
        with app.app_context():
            ids = add_students(school.id, count, "not-a-real-hash", rng, start=start)
            db.session.execute(insert(Enrollment), [{"classroom_id": class_id, "user_id": i} for i in ids])
            seed_progress([(i, m, None) for i in ids for m in library().modules], rng, utcnow())
            db.session.commit()

    urls = [
        f"/classes/{class_id}/dashboard",
        f"/classes/{class_id}/dashboard?sort=progress",
        f"/classes/{class_id}/dashboard?sort=overdue&lang=ko",
        f"/classes/{class_id}/modules/sample-consent/items",
        f"/classes/{class_id}/dashboard.csv",
    ]
    grow(5, 1)
    few = [count_queries(app, teacher_client, url) for url in urls]
    grow(55, 6)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAnswer)) > 0
    assert [count_queries(app, teacher_client, url) for url in urls] == few
    assert row_cells(text(teacher_client.get(urls[0])), db_name(app, 60))  # all 60 rows are there


def db_name(app, n: int) -> str:
    with app.app_context():
        return db.session.scalar(select(User.display_name).where(User.username == f"s{n:04d}"))


# --- flask demo --big ----------------------------------------------------------------------------


def test_demo_big_seeds_a_large_school_once(app, runner, monkeypatch):
    from app.demo import big as demo_big

    monkeypatch.setattr(demo_big, "STUDENTS", 60)
    monkeypatch.setattr(demo_big, "CLASSES", 4)
    result = runner.invoke(args=["demo", "--big"])
    assert result.exit_code == 0, result.output
    assert "school code BIG" in result.output and demo_big.STUDENT_PASSWORD in result.output
    with app.app_context():
        big = db.session.scalar(select(School).where(School.code == "BIG"))
        assert big.name == "Dari Big Demo High School"
        students = db.session.scalar(
            select(func.count()).select_from(User).where(User.school_id == big.id, User.role == Role.STUDENT)
        )
        assert students == 60
        assert db.session.scalar(select(func.count()).select_from(Classroom).where(Classroom.school_id == big.id)) == 4
        hashes = set(
            db.session.scalars(select(User.password_hash).where(User.school_id == big.id, User.role == Role.STUDENT))
        )
        assert len(hashes) == 1  # hashed once
        first, later = (
            db.session.scalar(select(func.avg(QuizAttempt.score)).where(where))
            for where in (QuizAttempt.number == 1, QuizAttempt.number > 1)
        )
        assert first < later
        assert set(db.session.scalars(select(QuizAttempt.locale))) == {"en", "ko"}
        counts = db.session.scalar(select(func.count()).select_from(User))
    again = runner.invoke(args=["demo", "--big"])
    assert again.exit_code == 0 and "already exists" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == counts
