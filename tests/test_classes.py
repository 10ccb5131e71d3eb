"""Teachers make classes and rosters; students join with a code."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Classroom, Enrollment, LessonProgress, ReflectionAnswer, Role, User


def text(response):
    return response.get_data(as_text=True)


def make_class(client, name="2-3", **extra) -> int:
    data = {"name": name, "grade": "8", "school_year": "2026", "locale": "ko", **extra}
    response = client.post("/classes/new", data=data)
    assert response.status_code == 302, text(response)
    return int(response.headers["Location"].split("/classes/", 1)[1].split("/")[0])


def join_code(app, class_id) -> str:
    with app.app_context():
        return db.session.get(Classroom, class_id).join_code


def students(app, class_id) -> list[User]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(User)
                .join(Enrollment, Enrollment.user_id == User.id)
                .where(Enrollment.classroom_id == class_id, User.role == Role.STUDENT)
                .order_by(User.display_name)
            )
        )


# --- classes -----------------------------------------------------------------------------------


def test_teacher_creates_edits_and_archives_a_class(app, teacher_client):
    class_id = make_class(teacher_client)
    page = text(teacher_client.get(f"/classes/{class_id}"))
    assert "2-3" in page and "Grade 8" in page and join_code(app, class_id) in page
    assert "2-3" in text(teacher_client.get("/classes"))
    teacher_client.post(
        f"/classes/{class_id}/edit", data={"name": "2-4", "grade": "", "school_year": "2026", "locale": "en"}
    )
    with app.app_context():
        c = db.session.get(Classroom, class_id)
        assert (c.name, c.grade, c.locale) == ("2-4", None, "en")
    teacher_client.post(f"/classes/{class_id}/archive")
    page = text(teacher_client.get("/classes"))
    assert "1 archived class" in page
    with app.app_context():
        assert (
            db.session.get(Class := Classroom, class_id).archived and not db.session.get(Class, class_id).join_enabled
        )


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "", "school_year": "2026", "locale": "ko"}, "Give the class a name."),
        ({"name": "x" * 121, "school_year": "2026", "locale": "ko"}, "Field cannot be longer than 120 characters."),
        ({"name": "A", "grade": "13", "school_year": "2026", "locale": "ko"}, "Use a grade from 1 to 12."),
        ({"name": "A", "grade": "eight", "school_year": "2026", "locale": "ko"}, "Not a valid integer value."),
        ({"name": "A", "school_year": "2026", "locale": "fr"}, "Not a valid choice."),
    ],
)
def test_class_form_problems_are_named_and_input_kept(teacher_client, data, message):
    response = teacher_client.post("/classes/new", data=data)
    assert response.status_code == 422 and message in text(response)
    if data["name"]:
        assert f'value="{data["name"]}"' in text(response)


def test_join_code_can_be_renewed_turned_off_and_on(app, teacher_client):
    class_id = make_class(teacher_client)
    old = join_code(app, class_id)
    teacher_client.post(f"/classes/{class_id}/join-code", data={"action": "new"})
    new = join_code(app, class_id)
    assert new != old and re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", new)
    teacher_client.post(f"/classes/{class_id}/join-code", data={"action": "off"})
    assert "Joining with a code is turned off" in text(teacher_client.get(f"/classes/{class_id}"))
    assert teacher_client.post(f"/classes/{class_id}/join-code", data={"action": "explode"}).status_code == 400


def test_co_teacher_can_manage_and_last_teacher_cannot_leave(app, teacher_client, factory, school, as_user):
    class_id = make_class(teacher_client)
    colleague = factory.user(school, Role.TEACHER, display_name="Ms Han")
    assert as_user(colleague).get(f"/classes/{class_id}").status_code == 404
    teacher_client.post(f"/classes/{class_id}/co-teachers", data={"teacher_id": colleague.id})
    colleague_client = as_user(colleague)
    assert colleague_client.get(f"/classes/{class_id}/edit").status_code == 200
    other_school_teacher = factory.user(factory.school("BETA"), Role.TEACHER)
    assert (
        teacher_client.post(
            f"/classes/{class_id}/co-teachers", data={"teacher_id": other_school_teacher.id}
        ).status_code
        == 400
    )
    colleague_client.post(f"/classes/{class_id}/co-teachers/{colleague.id}/remove")
    response = teacher_client.post(
        f"/classes/{class_id}/co-teachers/{teacher_user_id(app, class_id)}/remove", follow_redirects=True
    )
    assert "A class needs at least one teacher" in text(response)


def teacher_user_id(app, class_id):
    with app.app_context():
        return db.session.scalar(
            select(User.id)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.classroom_id == class_id, User.role == Role.TEACHER)
        )


# --- rosters -----------------------------------------------------------------------------------


def cards_in(page: str) -> list[dict]:
    cards = []
    for block in re.findall(r'<li class="login-card".*?</li>', page, re.S):
        codes = re.findall(r"<code>([^<]+)</code>", block)
        name = re.search(r'<p class="card-name">([^<]+)</p>', block).group(1)
        cards.append({"name": name, "school": codes[0], "username": codes[1], "password": codes[2]})
    return cards


def test_pasted_names_become_accounts_with_printable_cards(app, teacher_client, school):
    class_id = make_class(teacher_client)
    response = teacher_client.post(
        f"/classes/{class_id}/roster/add", data={"names": "김민지\n\n  이준호  \nSam Park\n"}
    )
    page = text(response)
    assert response.status_code == 200 and "3 accounts created" in page
    cards = cards_in(page)
    assert [c["name"] for c in cards] == ["김민지", "이준호", "Sam Park"]
    assert "다리 로그인 카드" in page and "학교 코드" in page  # the class's language (ko) on the cards
    assert all(re.fullmatch(r"[a-z]+\d\d", c["username"]) for c in cards)
    assert len({c["username"] for c in cards}) == 3
    student = app.test_client()
    response = student.post(
        "/login",
        data={"school_code": cards[0]["school"], "username": cards[0]["username"], "password": cards[0]["password"]},
    )
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email.is_not(None), User.role == Role.STUDENT)
            )
            == 0
        )


def test_csv_upload_in_utf8_and_excel_korean(app, teacher_client):
    class_id = make_class(teacher_client)
    utf8 = "\ufeff번호,이름\n1,김하은\n2,박지호\n".encode("utf-8")
    response = teacher_client.post(
        f"/classes/{class_id}/roster/add",
        data={"names": "", "csv_file": (io.BytesIO(utf8), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert [c["name"] for c in cards_in(text(response))] == ["김하은", "박지호"]
    cp949 = "name\n최서연\n".encode("cp949")
    response = teacher_client.post(
        f"/classes/{class_id}/roster/add",
        data={"names": "", "csv_file": (io.BytesIO(cp949), "excel.csv")},
        content_type="multipart/form-data",
    )
    assert [c["name"] for c in cards_in(text(response))] == ["최서연"]


@pytest.mark.parametrize(
    "data,message",
    [
        ({"names": "\n \n"}, "Add at least one name."),
        ({"names": "Minji\nJunho\nminji"}, "These names appear twice"),
        ({"names": "A" * 81}, "Names can be at most 80 characters"),
        ({"names": "\n".join(f"S{i}" for i in range(201))}, "At most 200 students at a time"),
        ({"names": "", "csv_file": (io.BytesIO(b"id,grade\n1,8\n"), "x.csv")}, "The first row must name the column"),
        ({"names": "", "csv_file": (io.BytesIO(b"\x00\xff\xfe\x81\x00"), "x.csv")}, "not a text CSV file"),
        ({"names": "", "csv_file": (io.BytesIO(b"name\n"), "x.xlsx")}, "Upload a .csv file."),
    ],
)
def test_roster_problems_are_clear_and_nothing_is_half_created(app, teacher_client, data, message):
    class_id = make_class(teacher_client)
    response = teacher_client.post(f"/classes/{class_id}/roster/add", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and message in text(response)
    assert students(app, class_id) == []


def test_names_already_in_the_class_are_flagged(app, teacher_client):
    class_id = make_class(teacher_client)
    teacher_client.post(f"/classes/{class_id}/roster/add", data={"names": "Minji"})
    response = teacher_client.post(f"/classes/{class_id}/roster/add", data={"names": "Junho\nMinji"})
    assert response.status_code == 422 and "Minji" in text(response)
    assert [s.display_name for s in students(app, class_id)] == ["Minji"]


def test_database_failure_creates_no_accounts(app, teacher_client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    class_id = make_class(teacher_client)

    def broken():
        raise OperationalError("COMMIT", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "commit", broken)
    response = teacher_client.post(f"/classes/{class_id}/roster/add", data={"names": "A\nB\nC"})
    monkeypatch.undo()
    assert response.status_code == 500 and "was not saved" in text(response)
    assert students(app, class_id) == []


def test_reset_password_gives_a_new_card_and_remove_keeps_the_account(app, teacher_client):
    class_id = make_class(teacher_client)
    card = cards_in(text(teacher_client.post(f"/classes/{class_id}/roster/add", data={"names": "Minji"})))[0]
    student_id = students(app, class_id)[0].id
    new_card = cards_in(text(teacher_client.post(f"/classes/{class_id}/students/{student_id}/reset-password")))[0]
    assert new_card["password"] != card["password"] and new_card["username"] == card["username"]
    login_data = {"school_code": "ALPHA", "username": card["username"]}
    assert app.test_client().post("/login", data={**login_data, "password": card["password"]}).status_code == 422
    assert app.test_client().post("/login", data={**login_data, "password": new_card["password"]}).status_code == 302
    teacher_client.post(f"/classes/{class_id}/students/{student_id}/remove")
    assert students(app, class_id) == []
    with app.app_context():
        assert db.session.get(User, student_id) is not None


def test_end_of_term_deletion_says_exactly_what_goes(app, teacher_client):
    class_id = make_class(teacher_client)
    other_class = make_class(teacher_client, name="Club")
    teacher_client.post(f"/classes/{class_id}/roster/add", data={"names": "Minji\nJunho"})
    junho = next(s for s in students(app, class_id) if s.display_name == "Junho")
    minji = next(s for s in students(app, class_id) if s.display_name == "Minji")
    with app.app_context():
        db.session.add(Enrollment(classroom_id=other_class, user_id=junho.id))
        db.session.add(LessonProgress(user_id=minji.id, module_id="sample-consent"))
        db.session.add(ReflectionAnswer(user_id=minji.id, module_id="sample-consent", block_id="my-line", text="x"))
        db.session.commit()
    page = text(teacher_client.get(f"/classes/{class_id}/delete-roster"))
    assert "1 student account will be deleted for good" in page and "Minji" in page
    assert "only taken out of this one" in page and "Junho" in page
    wrong = teacher_client.post(f"/classes/{class_id}/delete-roster", data={"confirm_name": "2-4"})
    assert wrong.status_code == 422 and "Nothing was deleted" in text(wrong)
    teacher_client.post(f"/classes/{class_id}/delete-roster", data={"confirm_name": "2-3"})
    assert students(app, class_id) == []
    with app.app_context():
        assert db.session.get(User, minji.id) is None and db.session.get(User, junho.id) is not None
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0
        assert db.session.scalar(select(func.count()).select_from(ReflectionAnswer)) == 0


# --- joining -----------------------------------------------------------------------------------


def test_logged_in_student_joins_with_a_code(app, teacher_client, factory, school, as_user):
    class_id = make_class(teacher_client)
    student = factory.user(school, Role.STUDENT)
    client = as_user(student)
    code = join_code(app, class_id)
    response = client.post("/join", data={"code": f" {code[:3].lower()}-{code[3:]} "}, follow_redirects=True)
    assert "You joined 2-3." in text(response)
    assert [s.id for s in students(app, class_id)] == [student.id]
    assert "You are already in 2-3." in text(client.post("/join", data={"code": code}, follow_redirects=True))


def test_new_student_makes_an_account_while_joining(app, teacher_client):
    class_id = make_class(teacher_client)
    code = join_code(app, class_id)
    visitor = app.test_client()
    page = text(visitor.post("/join", data={"code": code}))
    assert "I am new to Dari" in page and "You do not need an email address." in page
    taken = visitor.post(
        "/join/account",
        data={
            "code": code,
            "display_name": "Haeun",
            "username": "x",
            "password": "long-password-1",
            "confirm": "long-password-1",
        },
    )
    assert taken.status_code == 422 and "Use 3 to 30 characters." in text(taken) and 'value="Haeun"' in text(taken)
    response = visitor.post(
        "/join/account",
        data={
            "code": code,
            "display_name": "Haeun",
            "username": "Haeun.K",
            "password": "long-password-1",
            "confirm": "long-password-1",
        },
    )
    assert response.status_code == 302
    assert "school code ALPHA" in text(visitor.get(response.headers["Location"]))
    [new] = students(app, class_id)
    assert (new.username, new.display_name, new.email) == ("haeun.k", "Haeun", None)
    again = app.test_client().post(
        "/join/account",
        data={
            "code": code,
            "display_name": "H2",
            "username": "haeun.k",
            "password": "long-password-1",
            "confirm": "long-password-1",
        },
    )
    assert "That username is taken at your school" in text(again)


@pytest.mark.parametrize(
    "setup,message",
    [
        ("wrong", "There is no class with that code"),
        ("off", "Joining this class with a code is turned off"),
        ("archived", "Joining this class with a code is turned off"),
    ],
)
def test_wrong_or_disabled_codes_say_so_plainly(app, teacher_client, setup, message):
    class_id = make_class(teacher_client)
    code = join_code(app, class_id)
    if setup == "off":
        teacher_client.post(f"/classes/{class_id}/join-code", data={"action": "off"})
    if setup == "archived":
        teacher_client.post(f"/classes/{class_id}/archive")
    response = app.test_client().post("/join", data={"code": "ZZZZZZ" if setup == "wrong" else code})
    assert response.status_code == 422 and message in text(response)


def test_a_student_of_another_school_cannot_join(app, teacher_client, factory, as_user):
    class_id = make_class(teacher_client)
    outsider = as_user(factory.user(factory.school("BETA"), Role.STUDENT))
    response = outsider.post("/join", data={"code": join_code(app, class_id)}, follow_redirects=True)
    assert "That code is for a class at another school" in text(response)
    assert students(app, class_id) == []


def test_staff_are_told_join_codes_are_for_students(teacher_client):
    response = teacher_client.get("/join")
    assert response.status_code == 403 and "Join codes are for students" in text(response)


# --- who may do what ---------------------------------------------------------------------------


def test_admin_reads_classes_but_cannot_change_them(app, teacher_client, factory, school, as_user):
    class_id = make_class(teacher_client)
    admin = as_user(factory.user(school, Role.SCHOOL_ADMIN))
    assert "2-3" in text(admin.get("/classes"))
    page = text(admin.get(f"/classes/{class_id}"))
    assert "2-3" in page and "Make a new code" not in page and "New password" not in page
    assert admin.post(f"/classes/{class_id}/archive").status_code == 403
    assert admin.get(f"/classes/{class_id}/edit").status_code == 403


@pytest.mark.parametrize("who", ["other-teacher", "other-school-teacher", "other-school-admin", "student", "counselor"])
def test_outsiders_get_404_or_403(app, teacher_client, factory, school, as_user, who):
    class_id = make_class(teacher_client)
    teacher_client.post(f"/classes/{class_id}/roster/add", data={"names": "Minji"})
    student_id = students(app, class_id)[0].id
    beta = factory.school("BETA")
    user = {
        "other-teacher": lambda: factory.user(school, Role.TEACHER),
        "other-school-teacher": lambda: factory.user(beta, Role.TEACHER),
        "other-school-admin": lambda: factory.user(beta, Role.SCHOOL_ADMIN),
        "student": lambda: factory.user(school, Role.STUDENT),
        "counselor": lambda: factory.user(school, Role.COUNSELOR),
    }[who]()
    client = as_user(user)
    # Wrong roles are refused before any class is looked up (403); right roles of the wrong class
    # or school cannot tell the class exists (404).
    read = {"student": 403, "counselor": 403}.get(who, 404)
    manage = 403 if who in ("student", "counselor", "other-school-admin") else 404
    assert client.get(f"/classes/{class_id}").status_code == read
    for method, url in [
        ("get", f"/classes/{class_id}/edit"),
        ("post", f"/classes/{class_id}/students/{student_id}/reset-password"),
        ("get", f"/classes/{class_id}/delete-roster"),
        ("post", f"/classes/{class_id}/archive"),
    ]:
        assert getattr(client, method)(url).status_code == manage, (who, url)


def test_the_home_page_lists_the_students_active_classes_only(factory, school, teacher, student, as_user):
    factory.classroom(school, teacher, student, name="2-3")
    factory.classroom(school, teacher, student, name="1-9", archived=True)
    page = as_user(student).get("/").get_data(as_text=True)
    assert "<h3>2-3</h3><p>Grade 8 · 2026</p>" in page
    assert "1-9" not in page
    loner = factory.user(school, Role.STUDENT)
    assert "You are not in a class yet." in as_user(loner).get("/").get_data(as_text=True)
