"""The page parts kept per role, page, language and counts (app/fragments.py): each person still
sees their own menu, and a fragment template cannot show anything its key does not hold."""

import re
from pathlib import Path

import pytest
from jinja2 import meta

from app.fragments import FRAGMENTS, SHARED_NAMES
from app.models import Role

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
# What each fragment is given (its whole key); _help_now.html is included by _header_top.html.
VALUES = {
    "_nav.html": {"role", "endpoint", "to_do", "late", "reports", "attention"},
    "_header_top.html": {"report_url"},
    "_footer.html": {"report_url"},
    "_head_assets.html": set(),
    "_help_now.html": set(),
}


def test_every_fragment_is_checked():
    assert set(FRAGMENTS) <= set(VALUES)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_fragment_uses_only_its_values_and_what_every_request_shares(app, name):
    used = meta.find_undeclared_variables(app.jinja_env.parse((TEMPLATES / name).read_text()))
    assert used - VALUES[name] - SHARED_NAMES == set(), f"{name} reads something its key does not hold"
    included = set(meta.find_referenced_templates(app.jinja_env.parse((TEMPLATES / name).read_text())))
    assert included <= set(VALUES), f"{name} includes a template this test does not check"


def menu(client, url="/") -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'<nav aria-label="[^"]*" class="main-nav">.*?</nav>', page, re.S)
    assert found, f"{url}: no menu"
    return found.group(0)


def test_people_with_different_roles_and_counts_see_their_own_menu(
    factory, as_user, school, teacher, student, classmate, classroom
):
    from app.extensions import db
    from app.models import Assignment, Excusal

    with factory.app.app_context():
        assignment = Assignment(classroom_id=classroom.id, module_id="sample-consent", created_by_id=teacher.id)
        db.session.add(assignment)
        db.session.flush()
        db.session.add(Excusal(assignment_id=assignment.id, user_id=classmate.id))
        db.session.commit()
    mine, theirs = menu(as_user(student)), menu(as_user(classmate))
    assert '1<span class="visually-hidden"> module to do' in mine
    assert "To do" in theirs and "module to do" not in theirs  # excused: nothing to do
    teachers = menu(as_user(teacher))
    assert "To do" not in teachers and 'href="/classes"' in teachers
    counselors = menu(as_user(factory.user(school, Role.COUNSELOR)), "/help")
    assert "Reports" in counselors and 'href="/classes"' not in counselors


def test_the_menu_marks_the_page_being_read(student_client):
    assert 'href="/" aria-current="page"' in menu(student_client, "/")
    learn = menu(student_client, "/learn/")
    assert 'href="/learn/" aria-current="page"' in learn and 'href="/" aria-current' not in learn


def test_each_language_gets_its_own_menu(student_client):
    english = menu(student_client)
    student_client.post("/language", data={"lang": "ko"})
    korean = menu(student_client)
    assert korean != english and ">Home<" in english and ">Home<" not in korean
