"""The easy-read (쉬운 글) version of a lesson: lessons/<id>/easy.<lang>.md, read at /learn/<id>/easy."""

from pathlib import Path

import pytest

from app.content.loader import load_library
from conftest import real_curriculum

VALID = Path(__file__).parent / "content" / "valid"


def test_the_easy_read_version_is_rendered_at_start_up_in_both_languages():
    library = load_library(VALID)
    assert "It is <strong>not</strong> your fault." in library.get("sample-help").material("easy", "en")
    assert "내 잘못이 <strong>아니에요</strong>." in library.get("sample-help").material("easy", "ko")
    assert library.get("sample-consent").material("easy", "en") is None


@pytest.mark.parametrize(
    "locale,heading,text,note,helpline",
    [
        (
            "en",
            "Whose fault is it?",
            "Tell an adult you trust.",
            "This sample talks about images shared without consent.",
            "Take It Down",
        ),
        (
            "ko",
            "누구 잘못이에요?",
            "믿을 수 있는 어른에게 말해요.",
            "이 예시는 동의 없이 공유된 이미지 이야기를 다뤄요.",
            "1388",
        ),
    ],
)
def test_a_student_reads_the_easy_version_with_the_content_note_and_help_lines(
    factory, as_user, locale, heading, text, note, helpline
):
    student = as_user(factory.user(factory.school(), "student"))
    response = student.get("/learn/sample-help/easy", headers={"Accept-Language": locale})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h2>{heading}</h2>" in page and text in page
    assert note in page  # the same content note as the lesson opens with
    assert helpline in page and 'href="/report' in page
    assert ("쉬운 글" if locale == "ko" else "Easy read") in page


def test_staff_read_it_too_and_find_it_from_the_teacher_guide(factory, as_user):
    teacher = as_user(factory.user(factory.school(), "teacher"))
    assert "Tell an adult you trust." in teacher.get("/learn/sample-help/easy").get_data(as_text=True)
    guide = teacher.get("/learn/sample-help/guide", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert 'href="/learn/sample-help/easy">쉬운 글로 보기</a>' in guide
    # It is a page of its own, not one of the staff-only materials.
    assert teacher.get("/learn/sample-help/materials/easy").status_code == 404


@pytest.mark.parametrize("url", ["/learn/sample-consent/easy", "/learn/no-such-module/easy"])
def test_a_module_without_an_easy_version_is_not_found(factory, as_user, url):
    student = as_user(factory.user(factory.school(), "student"))
    assert student.get(url).status_code == 404


def test_the_easy_version_needs_an_account(client):
    response = client.get("/learn/sample-help/easy")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/learn/{id}", "/learn/{id}/step/1", "/learn/{id}/step/2"])
def test_the_module_page_and_every_step_link_to_it_only_when_it_exists(factory, as_user, url):
    student = as_user(factory.user(factory.school(), "student"))
    with_easy = student.get(url.format(id="sample-help"), headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert 'href="/learn/sample-help/easy">쉬운 글로 보기</a>' in with_easy
    without = student.get(url.format(id="sample-consent")).get_data(as_text=True)
    assert "/easy" not in without and "Easy-read version" not in without


# --- the real curriculum's easy-read versions keep the lesson's safety messages and help lines


CURRICULUM = real_curriculum()
EASY_MODULES = [m.id for m in CURRICULUM.modules if "easy" in m.materials]
HELP_NUMBERS = ("112", "117", "1366", "1388", "109", "1377", "02-735-8994")
NOT_YOUR_FAULT = {
    "en": ("not your fault", "never the fault", "not their fault", "never the victim"),
    "ko": ("잘못이 아니에요", "잘못은 절대 아니에요"),
}


def _lesson_text(module, locale: str) -> str:
    lesson = module.lesson(locale)
    return "\n".join(
        str(part) if isinstance(part, str) else part.model_dump_json() for step in lesson.steps for part in step.parts
    )


@pytest.mark.parametrize("module_id", EASY_MODULES)
@pytest.mark.parametrize("locale", ["en", "ko"])
def test_easy_read_names_every_help_line_the_lesson_names(module_id, locale):
    module = CURRICULUM.get(module_id)
    lesson, easy = _lesson_text(module, locale), str(module.material("easy", locale))
    for number in HELP_NUMBERS:
        if f"<strong>{number}</strong>" in lesson:
            assert number in easy, f"{module_id} easy.{locale}.md leaves out {number}"


@pytest.mark.parametrize("module_id", EASY_MODULES)
@pytest.mark.parametrize("locale", ["en", "ko"])
def test_easy_read_is_much_shorter_than_the_lesson_and_keeps_not_your_fault(module_id, locale):
    module = CURRICULUM.get(module_id)
    lesson, easy = _lesson_text(module, locale), str(module.material("easy", locale))
    assert len(easy) < 0.6 * len(lesson), f"{module_id} easy.{locale}.md is not much shorter than the lesson"
    if module.sensitive:
        assert any(words in easy for words in NOT_YOUR_FAULT[locale]), f"{module_id} easy.{locale}.md"
