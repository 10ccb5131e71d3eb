"""The real curriculum: every module works end to end in both languages and cites its sources."""

import re

import pytest
from markupsafe import Markup

from app.models import Role
from config import BASE_DIR
from conftest import open_quiz, real_curriculum

LIBRARY = real_curriculum()
MODULES = [m.id for m in LIBRARY.modules]
REFERENCE_TITLES = {"en": "References", "ko": "참고 자료"}


@pytest.fixture
def app(app_factory):
    return app_factory(CONTENT_ROOT=str(BASE_DIR))


def test_there_are_eight_modules_in_order():
    assert len(MODULES) == 8
    assert [m.order for m in LIBRARY.modules] == list(range(1, 9))


def test_every_module_has_its_classroom_materials_in_both_languages():
    """A school adopting Dari gets, per module, a lesson plan, a family letter and an easy-read version."""
    for module in LIBRARY.modules:
        assert set(module.materials) == {"plan", "family", "easy"}, module.id
        for kind in module.materials:
            assert module.material(kind, "en") and module.material(kind, "ko"), (module.id, kind)


@pytest.mark.parametrize("module_id", MODULES)
@pytest.mark.parametrize("locale", ["en", "ko"])
def test_module_meets_the_curriculum_standard(module_id, locale):
    module = LIBRARY.get(module_id)
    lesson = module.lesson(locale)
    assert 5 <= lesson.step_count <= 8
    kinds = {b.kind for s in lesson.steps for b in s.blocks}
    assert {"scenario", "reflect", "callout"} <= kinds
    assert 8 <= len(module.quiz.questions) <= 12
    assert module.quiz.pass_mark == 80
    assert int(lesson.meta.grades.split("-")[0]) >= 6 and int(lesson.meta.grades.split("-")[1]) <= 12
    assert 15 <= lesson.meta.minutes <= 35


@pytest.mark.parametrize("module_id", MODULES)
@pytest.mark.parametrize("locale", ["en", "ko"])
def test_references_step_lists_sources(module_id, locale):
    lesson = LIBRARY.get(module_id).lesson(locale)
    last = lesson.steps[-1]
    assert last.title == REFERENCE_TITLES[locale], f"last step of {module_id}/{locale} is {last.title!r}"
    html = "".join(str(p) for p in last.parts if isinstance(p, Markup))
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert items and all(re.sub(r"<[^>]+>", "", i).strip() for i in items), f"{module_id}/{locale}: empty references"


SENSITIVE_WORDS = ("deepfake", "sextortion", "abuse", "threat", "upstander", "happens to you")


@pytest.mark.parametrize("module_id", MODULES)
def test_sensitive_modules_open_with_a_content_note(module_id):
    module = LIBRARY.get(module_id)
    title = module.lesson("en").meta.title.lower()
    if any(word in title or word in module_id for word in SENSITIVE_WORDS):
        assert module.sensitive, f"{module_id} needs a content_note"


def correct_answers(module) -> dict:
    data = {}
    for q in module.quiz.questions:
        ids = sorted(q.correct_ids)
        data[f"q-{q.id}"] = ids if q.type == "multiple" else ids[0]
    return data


@pytest.mark.parametrize("module_id", MODULES)
@pytest.mark.parametrize("locale", ["en", "ko"])
def test_student_takes_the_module_end_to_end(app, factory, as_user, module_id, locale):
    module = LIBRARY.get(module_id)
    lesson = module.lesson(locale)
    client = as_user(factory.user(factory.school(locale=locale), Role.STUDENT))
    headers = {"Accept-Language": locale}
    assert lesson.meta.title in client.get(f"/learn/{module_id}", headers=headers).get_data(as_text=True)
    for step in lesson.steps:
        page = client.get(f"/learn/{module_id}/step/{step.number}", headers=headers).get_data(as_text=True)
        assert f"<h1>{Markup.escape(step.title)}</h1>" in page
        response = client.post(f"/learn/{module_id}/step/{step.number}", headers=headers)
        assert response.status_code == 302
    _, attempt = open_quiz(client, module_id, **headers)
    response = client.post(
        f"/learn/{module_id}/quiz", data={"attempt": attempt, **correct_answers(module)}, headers=headers
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    result = client.get(response.headers["Location"], headers=headers).get_data(as_text=True)
    expected = "내 점수: 100%" if locale == "ko" else "Your result: 100%"
    assert expected in result


@pytest.mark.parametrize("module_id", MODULES)
def test_teacher_guide_covers_disclosures(module_id):
    module = LIBRARY.get(module_id)
    for locale, words in {
        "en": ("disclos",),
        "ko": ("털어놓", "공개", "말할 때", "이야기할 때", "알렸", "밝히"),
    }.items():
        guide = str(module.guide(locale))
        assert any(w in guide for w in words), f"{module_id} teacher.{locale}.md says nothing about disclosures"


@pytest.mark.parametrize("module_id", [m.id for m in LIBRARY.modules if "family" in m.materials])
def test_family_letters_give_the_help_lines_in_both_languages(module_id):
    module = LIBRARY.get(module_id)
    for locale in ("en", "ko"):
        letter = str(module.material("family", locale))
        for number in ("112", "117", "1366", "02-735-8994", "1377", "1388", "109"):
            assert number in letter, f"{module_id} family.{locale}.md does not list {number}"


@pytest.mark.parametrize("module_id", [m.id for m in LIBRARY.modules if "plan" in m.materials])
def test_lesson_plans_cover_40_45_and_50_minute_periods(module_id):
    module = LIBRARY.get(module_id)
    for locale, stages in {"en": ("Introduction", "Development", "Wrap-up"), "ko": ("도입", "전개", "정리")}.items():
        plan = str(module.material("plan", locale))
        assert all(minutes in plan for minutes in ("40", "45", "50")), f"{module_id} plan.{locale}.md"
        assert all(stage in plan for stage in stages), f"{module_id} plan.{locale}.md lacks a stage"
