"""The main pages of Dari as each kind of user sees them, in one language: a small school with a
class, students with progress and a quiz attempt, so every page has something on it. Used by the
HTML-validity test and the untranslated-Korean test."""

from app.extensions import db
from app.models import QuizAttempt, Role
from conftest import Factory, login
from tests.test_dashboard import assign, attempt, lesson, make_class

MODULE = "sample-consent"


def tour(app, lang: str) -> list[tuple[str, str]]:
    """(url, html) for every page visited, all requested with Accept-Language `lang`."""
    factory = Factory(app)
    school = factory.school("TOUR", name="다리중학교" if lang == "ko" else None, locale=lang)
    teacher = factory.user(school, Role.TEACHER, display_name="강선생" if lang == "ko" else "Ms Kang")
    students = [factory.user(school, Role.STUDENT, display_name=n) for n in ("김민지", "이준호")]
    class_id = make_class(app, school, [teacher, *students], name="2-3")
    assign(app, class_id, MODULE, due_in_days=5)
    lesson(app, students[0], MODULE, current_step=2, steps_done=1)
    attempt(app, students[0], 1, {"photo-vs-post": "agree"})
    with app.app_context():
        attempt_id = db.session.scalar(db.select(QuizAttempt.id).where(QuizAttempt.user_id == students[0].id))
    headers = {"Accept-Language": lang}
    pages: list[tuple[str, str]] = []

    def visit(client, url, method="get", **kwargs):
        response = getattr(client, method)(url, headers=headers, **kwargs)
        assert response.status_code in (200, 422), f"{url}: {response.status_code}"
        pages.append((url, response.get_data(as_text=True)))

    anonymous = app.test_client()
    for url in ("/", "/help", "/login", "/login/staff", "/report", "/join"):
        visit(anonymous, url)

    student = app.test_client()
    login(student, students[0], app)
    for url in (
        "/",
        "/learn/",
        f"/learn/{MODULE}",
        f"/learn/{MODULE}/step/1",
        f"/learn/{MODULE}/step/2",
        f"/learn/{MODULE}/quiz/attempts/{attempt_id}",
        f"/learn/{MODULE}/quiz/attempts/{attempt_id}/retry",
        "/account/",
    ):
        visit(student, url)

    staff = app.test_client()
    login(staff, teacher, app)
    for url in (
        "/",
        "/classes",
        f"/classes/{class_id}",
        f"/classes/{class_id}/assignments",
        f"/classes/{class_id}/dashboard",
        f"/classes/{class_id}/modules/{MODULE}/items",
        f"/classes/{class_id}/students/{students[0].id}",
        f"/classes/{class_id}/roster/add",
        "/classes/new",
        f"/learn/{MODULE}/preview",
        f"/learn/{MODULE}/guide",
        f"/learn/{MODULE}/handout",
        f"/learn/{MODULE}/slides/1",
    ):
        visit(staff, url)
    visit(staff, f"/classes/{class_id}/roster/add", method="post", data={"names": "박서연"})  # the login cards
    return pages
