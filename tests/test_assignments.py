"""Teachers assign modules to a class; students see what was assigned to them first."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import (
    Assignment,
    AssignmentStudent,
    Excusal,
    LessonProgress,
    QuizAttempt,
    Role,
    School,
)
from app.models.base import utcnow
from conftest import Factory, login

CONSENT, HELP = "sample-consent", "sample-help"
REPO = Path(__file__).resolve().parent.parent  # the real curriculum has eight modules


def assign(app, class_id, module_id, due_at=None, chosen=(), excused=()) -> int:
    with app.app_context():
        a = Assignment(classroom_id=class_id, module_id=module_id, due_at=due_at)
        a.chosen = [AssignmentStudent(user_id=u.id) for u in chosen]
        a.excusals = [Excusal(user_id=u.id) for u in excused]
        db.session.add(a)
        db.session.commit()
        return a.id


def assignments(app, class_id=None) -> list[Assignment]:
    with app.app_context():
        stmt = select(Assignment).order_by(Assignment.module_id)
        if class_id is not None:
            stmt = stmt.where(Assignment.classroom_id == class_id)
        rows = list(db.session.scalars(stmt))
        for a in rows:  # load while the session is open
            a.chosen_list, a.excused_list = sorted(a.chosen_ids), sorted(a.excused_ids)
        return rows


def text(response) -> str:
    return response.get_data(as_text=True)


def future(days=30):
    return utcnow() + timedelta(days=days)


def set_timezone(app, school, name):
    with app.app_context():
        db.session.get(School, school.id).timezone = name
        db.session.commit()


# --- assigning ---------------------------------------------------------------------------------


def test_assign_a_module_to_the_whole_class(app, teacher_client, classroom, teacher):
    page = text(teacher_client.get(f"/classes/{classroom.id}/assignments"))
    assert "Nothing is assigned to this class yet." in page
    assert "Sample consent" in page and "10 min" in page and "Grades 6-9" in page and "Sensitive topic" in page
    response = teacher_client.post(
        f"/classes/{classroom.id}/assignments", data={"modules": CONSENT, "audience": "class"}
    )
    assert response.status_code == 302
    [a] = assignments(app, classroom.id)
    assert a.module_id == CONSENT and a.chosen_list == [] and a.due_at is None and a.created_by_id == teacher.id
    page = text(teacher_client.get(response.headers["Location"]))
    assert "Assigned: Sample consent." in page and "Whole class" in page and "No due date" in page
    # What is assigned is no longer offered.
    assert 'value="sample-consent"' not in page and 'value="sample-help"' in page


def test_assign_several_modules_to_chosen_students_at_once(app, teacher_client, classroom, student):
    response = teacher_client.post(
        f"/classes/{classroom.id}/assignments",
        data={
            "modules": [CONSENT, HELP],
            "audience": "chosen",
            "students": [str(student.id)],
        },
    )
    assert response.status_code == 302
    rows = assignments(app, classroom.id)
    assert [a.module_id for a in rows] == [CONSENT, HELP]
    assert all(a.chosen_list == [student.id] for a in rows)
    page = text(teacher_client.get(f"/classes/{classroom.id}/assignments"))
    assert page.count("1 chosen student") == 2
    assert "Every module in the library is assigned to this class." in page


def test_due_date_is_entered_and_shown_in_the_schools_time_zone(app, teacher_client, classroom, school):
    set_timezone(app, school, "Asia/Seoul")
    teacher_client.post(
        f"/classes/{classroom.id}/assignments",
        data={
            "modules": CONSENT,
            "audience": "class",
            "due_date": "2030-12-01",
            "due_time": "09:00",
        },
    )
    [a] = assignments(app, classroom.id)
    assert a.due_at == datetime(2030, 12, 1, 0, 0, tzinfo=UTC)
    assert "Dec 1, 2030 09:00" in text(teacher_client.get(f"/classes/{classroom.id}/assignments"))
    edit = text(teacher_client.get(f"/classes/{classroom.id}/assignments/{a.id}/edit"))
    assert 'value="2030-12-01"' in edit and 'value="09:00"' in edit and "Asia/Seoul" in edit


def test_a_date_without_a_time_is_due_at_the_end_of_that_day(app, teacher_client, classroom, school):
    set_timezone(app, school, "America/New_York")
    teacher_client.post(f"/classes/{classroom.id}/assignments", data={"modules": CONSENT, "due_date": "2030-07-01"})
    [a] = assignments(app, classroom.id)
    assert a.due_at == datetime(2030, 7, 2, 3, 59, tzinfo=UTC)  # 23:59 EDT


def test_a_due_date_in_the_past_is_refused_and_the_form_keeps_its_input(app, teacher_client, classroom, student):
    response = teacher_client.post(
        f"/classes/{classroom.id}/assignments",
        data={
            "modules": HELP,
            "audience": "chosen",
            "students": [str(student.id)],
            "due_date": "2020-03-02",
            "due_time": "08:30",
        },
    )
    page = text(response)
    assert response.status_code == 422
    assert "The due date Mar 2, 2020 08:30 has already passed. Choose a later date or time." in page
    assert 'value="2020-03-02"' in page and 'value="08:30"' in page
    assert 'id="module-sample-help" checked' in page and f'id="student-{student.id}" checked' in page
    assert '<input checked id="audience-1" name="audience" type="radio" value="chosen">' in page
    assert assignments(app) == []


@pytest.mark.parametrize(
    "data,message",
    [
        ({"audience": "class"}, "Choose at least one module."),
        ({"modules": CONSENT, "audience": "chosen"}, "Choose at least one student, or assign it to the whole class."),
        ({"modules": CONSENT, "due_time": "10:00"}, "Choose a date for this time, or leave the time empty."),
        ({"modules": CONSENT, "due_date": "next friday"}, "Enter the date as year-month-day, for example 2026-12-01."),
        ({"modules": CONSENT, "due_date": "2030-01-01", "due_time": "25:00"}, "Enter the time as hours:minutes"),
    ],
)
def test_form_problems_are_named_and_nothing_is_saved(app, teacher_client, classroom, data, message):
    response = teacher_client.post(f"/classes/{classroom.id}/assignments", data=data)
    assert response.status_code == 422 and message in text(response)
    assert "Please check the form" in text(response)
    assert assignments(app) == []


def test_tampered_module_or_student_ids_are_refused_whole(
    app, factory, school, teacher, teacher_client, classroom, student
):
    outsider = factory.user(school, Role.STUDENT)
    factory.classroom(school, teacher, outsider, name="other")
    url = f"/classes/{classroom.id}/assignments"
    assert teacher_client.post(url, data={"modules": [CONSENT, "not-a-module"]}).status_code == 400
    assert (
        teacher_client.post(
            url, data={"modules": CONSENT, "audience": "chosen", "students": [str(student.id), str(outsider.id)]}
        ).status_code
        == 400
    )
    assert (
        teacher_client.post(url, data={"modules": CONSENT, "audience": "chosen", "students": "abc"}).status_code == 400
    )
    assert teacher_client.post(url, data={"modules": CONSENT, "audience": "everyone"}).status_code == 422
    assert assignments(app) == []


def test_a_module_already_assigned_is_refused_and_nothing_else_is_saved(app, teacher_client, classroom):
    assign(app, classroom.id, CONSENT)
    response = teacher_client.post(f"/classes/{classroom.id}/assignments", data={"modules": [CONSENT, HELP]})
    assert response.status_code == 422
    assert "Already assigned to this class: Sample consent." in text(response)
    assert [a.module_id for a in assignments(app)] == [CONSENT]


def test_a_module_assigned_from_another_tab_meanwhile_saves_nothing(app, teacher_client, classroom, monkeypatch):
    import app.classes.assignments as routes

    assign(app, classroom.id, CONSENT)
    monkeypatch.setattr(routes, "class_assignments", lambda classroom: [])  # the page still offered it
    response = teacher_client.post(f"/classes/{classroom.id}/assignments", data={"modules": [HELP, CONSENT]})
    assert response.status_code == 422
    assert "was just assigned to this class from another page. Nothing was saved" in text(response)
    assert [a.module_id for a in assignments(app)] == [CONSENT]


# --- changing, removing, excusing --------------------------------------------------------------


def test_edit_the_due_date_and_students_then_clear_them(app, teacher_client, classroom, student, school):
    set_timezone(app, school, "Asia/Seoul")
    aid = assign(app, classroom.id, CONSENT)
    url = f"/classes/{classroom.id}/assignments/{aid}/edit"
    response = teacher_client.post(
        url, data={"due_date": "2030-05-04", "due_time": "13:15", "audience": "chosen", "students": [str(student.id)]}
    )
    assert response.status_code == 302
    [a] = assignments(app)
    assert a.due_at == datetime(2030, 5, 4, 4, 15, tzinfo=UTC) and a.chosen_list == [student.id]
    page = text(teacher_client.get(f"/classes/{classroom.id}/assignments"))
    assert "Saved the changes to Sample consent." in page and "May 4, 2030 13:15" in page and "1 chosen student" in page
    assert teacher_client.post(url, data={"due_date": "", "due_time": "", "audience": "class"}).status_code == 302
    [a] = assignments(app)
    assert a.due_at is None and a.chosen_list == []


def test_edit_refuses_a_new_past_date_but_keeps_one_that_already_passed(app, teacher_client, classroom, classmate):
    passed = datetime(2026, 1, 5, 14, 59, tzinfo=UTC)  # 23:59 in Seoul
    aid = assign(app, classroom.id, CONSENT, due_at=passed)
    url = f"/classes/{classroom.id}/assignments/{aid}/edit"
    response = teacher_client.post(url, data={"due_date": "2026-01-04", "due_time": "23:59", "audience": "class"})
    assert response.status_code == 422 and "has already passed" in text(response)
    assert 'value="2026-01-04"' in text(response)
    response = teacher_client.post(
        url, data={"due_date": "2026-01-05", "due_time": "23:59", "audience": "chosen", "students": [str(classmate.id)]}
    )
    assert response.status_code == 302
    [a] = assignments(app)
    assert a.due_at == passed and a.chosen_list == [classmate.id]
    assert "Overdue" in text(teacher_client.get(f"/classes/{classroom.id}/assignments"))


def test_removing_an_assignment_keeps_students_progress(app, teacher_client, classroom, student):
    aid = assign(app, classroom.id, CONSENT, excused=[student])
    with app.app_context():
        db.session.add(LessonProgress(user_id=student.id, module_id=CONSENT, steps_done=1, current_step=2))
        db.session.commit()
    assert "Remove assignment" in text(teacher_client.get(f"/classes/{classroom.id}/assignments/{aid}/edit"))
    response = teacher_client.post(f"/classes/{classroom.id}/assignments/{aid}/delete", follow_redirects=True)
    assert "Sample consent is no longer assigned to this class. Students keep their progress." in text(response)
    assert assignments(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1
        assert db.session.scalar(select(func.count()).select_from(Excusal)) == 0


def test_excuse_a_student_with_a_note_and_undo_it(app, teacher_client, classroom, student):
    aid = assign(app, classroom.id, HELP)
    edit_url = f"/classes/{classroom.id}/assignments/{aid}/edit"
    page = text(teacher_client.get(edit_url))
    assert "will get an alternative activity instead. They will not see it as overdue." in page
    assert "Excuse (gives an alternative)" in page
    response = teacher_client.post(
        f"/classes/{classroom.id}/assignments/{aid}/excuse",
        data={"student_id": student.id, "note": "Reads the alternative text with Ms Kim"},
    )
    assert response.status_code == 302
    page = text(teacher_client.get(edit_url))
    assert "Minji is excused from Sample getting help" in page and "Reads the alternative text with Ms Kim" in page
    assert "Undo excuse" in page
    [a] = assignments(app)
    assert a.excused_list == [student.id]
    assert "<td>1</td>" in text(teacher_client.get(f"/classes/{classroom.id}/assignments"))
    teacher_client.post(f"/classes/{classroom.id}/assignments/{aid}/unexcuse", data={"student_id": student.id})
    [a] = assignments(app)
    assert a.excused_list == []
    assert "Minji is no longer excused" in text(teacher_client.get(edit_url))


def test_excusal_problems(app, factory, school, teacher, teacher_client, classroom, student):
    aid = assign(app, classroom.id, HELP)
    outsider = factory.user(school, Role.STUDENT)
    other_class = factory.classroom(school, teacher, outsider, name="other")
    base = f"/classes/{classroom.id}/assignments/{aid}"
    assert teacher_client.post(f"{base}/excuse", data={"student_id": outsider.id}).status_code == 404
    assert teacher_client.post(f"{base}/unexcuse", data={"student_id": outsider.id}).status_code == 404
    assert teacher_client.post(f"{base}/excuse", data={"student_id": teacher.id}).status_code == 404
    assert teacher_client.post(f"{base}/excuse", data={}).status_code == 400
    assert teacher_client.post(f"{base}/excuse", data={"student_id": "x"}).status_code == 400
    # The assignment must belong to the class in the address.
    assert (
        teacher_client.post(
            f"/classes/{other_class}/assignments/{aid}/excuse", data={"student_id": outsider.id}
        ).status_code
        == 404
    )
    response = teacher_client.post(f"{base}/excuse", data={"student_id": student.id, "note": "long " * 50})
    assert response.status_code == 422
    assert "Please keep the note under 200 characters." in text(response) and "long long" in text(response)
    assert assignments(app)[0].excused_list == []


# --- what students see -------------------------------------------------------------------------


def finish_lesson(app, user, module_id, steps, passed=None, score=100):
    with app.app_context():
        db.session.add(
            LessonProgress(
                user_id=user.id, module_id=module_id, steps_done=steps, current_step=steps, completed_at=utcnow()
            )
        )
        if passed is not None:
            db.session.add(
                QuizAttempt(
                    user_id=user.id,
                    module_id=module_id,
                    locale="en",
                    option_order={},
                    submitted_at=utcnow(),
                    number=1,
                    score=score,
                    passed=passed,
                    correct_count=1,
                    total=1,
                )
            )
        db.session.commit()


def test_student_sees_assigned_modules_first_with_due_date_and_status(app, as_user, classroom, student):
    assign(app, classroom.id, CONSENT, due_at=datetime(2030, 12, 1, 0, 0, tzinfo=UTC))
    page = text(as_user(student).get("/learn/"))
    assert page.index("Assigned to you") < page.index("Sample consent") < page.index("Other modules")
    assert page.index("Other modules") < page.index("Sample getting help")
    assert "Due Dec 1, 2030 09:00" in page and "Not started" in page and ">Start<" in page
    assert "Overdue" not in page


def test_overdue_comes_first_and_done_last(app, as_user, classroom, student):
    assign(app, classroom.id, CONSENT, due_at=future(3))
    assign(app, classroom.id, HELP, due_at=utcnow() - timedelta(days=1))
    client = as_user(student)
    page = text(client.get("/learn/"))
    assert page.index("Sample getting help") < page.index("Sample consent")  # overdue first
    assert page.count(">Overdue<") == 1
    finish_lesson(app, student, HELP, 2, passed=True, score=100)
    page = text(client.get("/learn/"))
    assert page.index("Sample consent") < page.index("Sample getting help")  # done last
    assert ">Done<" in page and "Overdue" not in page and "Best quiz score: 100%" in page and ">Review<" in page


def test_lesson_done_but_quiz_not_passed_means_quiz_to_do(app, as_user, classroom, student):
    assign(app, classroom.id, CONSENT, due_at=utcnow() - timedelta(hours=1))
    finish_lesson(app, student, CONSENT, 3, passed=False, score=33)
    page = text(as_user(student).get("/learn/"))
    assert "Quiz to do" in page and "Best quiz score: 33%" in page and ">Overdue<" in page
    assert '/learn/sample-consent/quiz"' in page


def test_in_progress_shows_the_step_to_continue(app, as_user, classroom, student):
    assign(app, classroom.id, CONSENT)
    client = as_user(student)
    client.post("/learn/sample-consent/step/1")
    page = text(client.get("/learn/"))
    assert "In progress: step 2 of 3" in page and '/learn/sample-consent/step/2"' in page


def test_an_excused_module_moves_to_other_modules_with_a_kind_note(app, as_user, classroom, student, classmate):
    assign(app, classroom.id, CONSENT, due_at=future())
    assign(app, classroom.id, HELP, due_at=utcnow() - timedelta(days=2), excused=[student])
    page = text(as_user(student).get("/learn/"))
    other = page[page.index("Other modules") :]
    assert "Sample getting help" in other and "Your teacher gave you another activity for this one." in other
    assert "Overdue" not in page
    assert "Sample getting help" not in page[page.index("Assigned to you") : page.index("Other modules")]
    # Junho was not excused: it is overdue for him, and he sees no note.
    page = text(as_user(classmate).get("/learn/"))
    assert ">Overdue<" in page and "another activity" not in page


def test_same_module_from_two_classes_is_merged_with_the_earliest_due(
    app, factory, school, teacher, as_user, classroom, student
):
    second = factory.classroom(school, teacher, student, name="Art club")
    assign(app, classroom.id, CONSENT, due_at=datetime(2030, 6, 1, 0, 0, tzinfo=UTC))
    assign(app, second, CONSENT, due_at=datetime(2030, 3, 1, 0, 0, tzinfo=UTC))
    page = text(as_user(student).get("/learn/"))
    assigned = page[page.index("Assigned to you") :]
    assert assigned.count(">Sample consent</a></h3>") == 1
    assert "Due Mar 1, 2030 09:00" in page and "Jun 1, 2030" not in page


def test_excused_in_one_class_but_assigned_in_another_stays_assigned(
    app, factory, school, teacher, as_user, classroom, student
):
    second = factory.classroom(school, teacher, student, name="Art club")
    assign(app, classroom.id, HELP, excused=[student])
    assign(app, second, HELP)
    page = text(as_user(student).get("/learn/"))
    assert "Assigned to you" in page and "another activity" not in page


def test_who_does_not_see_an_assignment(app, factory, school, teacher, as_user, classroom, student, classmate):
    stranger = factory.user(school, Role.STUDENT)
    factory.classroom(school, teacher, stranger, name="other")
    assign(app, classroom.id, CONSENT, chosen=[student])
    archived = factory.classroom(school, teacher, classmate, name="last year", archived=True)
    assign(app, archived, HELP)
    assert "Assigned to you" in text(as_user(student).get("/learn/"))
    assert "Assigned to you" not in text(as_user(classmate).get("/learn/"))  # not chosen; other class archived
    assert "Assigned to you" not in text(as_user(stranger).get("/learn/"))


def test_student_home_shows_what_to_do_next(app, as_user, classroom, student):
    from sqlalchemy import update

    assign(app, classroom.id, CONSENT, due_at=future(2))
    assign(app, classroom.id, HELP, due_at=future(1))
    client = as_user(student)
    page = text(client.get("/"))
    assert page.index("Assigned to you") < page.index("Lessons")
    assert page.index("Sample getting help") < page.index("Sample consent")
    assert 'href="/learn/"' in page and "See all your modules" in page
    finish_lesson(app, student, CONSENT, 3, passed=True)
    finish_lesson(app, student, HELP, 2, passed=True)
    page = text(client.get("/"))
    assert "You have finished everything assigned to you." in page and "Sample consent" not in page
    with app.app_context():
        db.session.execute(update(LessonProgress).values(completed_at=None))
        db.session.commit()
    page = text(client.get("/"))
    assert page.count('class="card module-card assigned-item') == 2


def curriculum_world(app_factory):
    """An app with the real eight-module curriculum, one teacher, one student and two classes."""
    app = app_factory(CONTENT_ROOT=str(REPO))
    factory = Factory(app)
    school = factory.school()
    teacher, student = factory.user(school, Role.TEACHER), factory.user(school, Role.STUDENT)
    classes = factory.classroom(school, teacher, student), factory.classroom(school, teacher, student, name="b")
    with app.app_context():
        from app.content import library

        ids = [m.id for m in library().modules]
    client = app.test_client()
    login(client, student, app)
    return app, client, classes, ids, student


def test_home_is_a_to_do_list_of_everything_not_done(app_factory):
    app, client, (cid, _), ids, _ = curriculum_world(app_factory)
    for n, module_id in enumerate(ids[:5]):
        assign(app, cid, module_id, due_at=future(n + 1))
    page = text(client.get("/"))
    assert page.count('class="card module-card assigned-item') == 5
    assert "5 modules to do across your classes." in page


def test_teachers_home_links_to_their_classes(as_user, teacher, student):
    page = text(as_user(teacher).get("/"))
    assert 'href="/classes"' in page and "Go to your classes" in page
    assert "Assigned to you" not in text(as_user(student).get("/"))


# --- who may do what ---------------------------------------------------------------------------


def endpoints(class_id, aid, student_id):
    base = f"/classes/{class_id}/assignments"
    return [
        ("GET", base, {}),
        ("POST", base, {"modules": HELP}),
        ("GET", f"{base}/{aid}/edit", {}),
        ("POST", f"{base}/{aid}/edit", {"audience": "class"}),
        ("POST", f"{base}/{aid}/delete", {}),
        ("POST", f"{base}/{aid}/excuse", {"student_id": student_id}),
        ("POST", f"{base}/{aid}/unexcuse", {"student_id": student_id}),
    ]


def call(client, method, url, data):
    return client.get(url) if method == "GET" else client.post(url, data=data)


def test_only_the_classes_teachers_manage_its_assignments(app, factory, school, as_user, classroom, student):
    aid = assign(app, classroom.id, CONSENT)
    beta = factory.school("BETA")
    outsiders = {
        "teacher of another class": (factory.user(school, Role.TEACHER), 404),
        "teacher of another school": (factory.user(beta, Role.TEACHER), 404),
        "student": (student, 403),
        "counselor": (factory.user(school, Role.COUNSELOR), 403),
    }
    for who, (user, expected) in outsiders.items():
        client = as_user(user)
        for method, url, data in endpoints(classroom.id, aid, student.id):
            assert call(client, method, url, data).status_code == expected, (who, method, url)
    # Another school's admin: its class does not exist for them; the teachers' pages are not for admins.
    client = as_user(factory.user(beta, Role.SCHOOL_ADMIN))
    for method, url, data in endpoints(classroom.id, aid, student.id):
        expected = 404 if url.endswith("/assignments") else 403
        assert call(client, method, url, data).status_code == expected, (method, url)
    [a] = assignments(app)
    assert a.module_id == CONSENT and a.excused_list == [] and len(assignments(app)) == 1
    anonymous = app.test_client().get(f"/classes/{classroom.id}/assignments")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_school_admin_reads_the_list_but_changes_nothing(app, factory, school, as_user, classroom, student):
    aid = assign(app, classroom.id, CONSENT, due_at=future())
    client = as_user(factory.user(school, Role.SCHOOL_ADMIN))
    page = text(client.get(f"/classes/{classroom.id}/assignments"))
    assert "Sample consent" in page and "Whole class" in page
    assert "<form" not in page.split("<main", 1)[1] and "Assign modules" not in page and "/edit" not in page
    for method, url, data in endpoints(classroom.id, aid, student.id)[1:]:
        assert call(client, method, url, data).status_code == 403, (method, url)
    assert len(assignments(app)) == 1


# --- performance -------------------------------------------------------------------------------


def test_catalogue_runs_the_same_number_of_queries_for_one_or_eight_assigned(app_factory):
    app, client, (first, second), ids, student = curriculum_world(app_factory)
    assert len(ids) == 8

    def count_queries(url):
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

    assign(app, first, ids[0], due_at=future())
    one = {url: count_queries(url) for url in ("/learn/", "/")}
    for n, module_id in enumerate(ids[1:]):
        assign(app, first, module_id, due_at=future(n + 2))
    assign(app, second, ids[0], due_at=future(1))
    with app.app_context():
        db.session.add(LessonProgress(user_id=student.id, module_id=ids[3], steps_done=1))
        db.session.commit()
    page = text(client.get("/learn/"))
    assert page.count('class="card module-card assigned-item') == 8 and "Other modules" not in page
    assert {url: count_queries(url) for url in ("/learn/", "/")} == one
