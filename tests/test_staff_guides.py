"""Staff guides (guides/<name>.<lang>.md): loaded with the lessons, in both languages or neither,
shown to staff only, listed on /learn/staff-guides and linked from every teacher guide."""

from pathlib import Path

import pytest

from app import create_app
from app.content import ContentError
from app.models import Role
from config import BASE_DIR
from conftest import real_curriculum

CONTENT = Path(__file__).parent / "content"
KO = {"Accept-Language": "ko"}


def _config(root: Path):
    from config import TestConfig

    class Config(TestConfig):
        CONTENT_ROOT = str(root)

    return Config


def run_check(root: Path):
    app = create_app(_config(root), strict_content=False)
    return app.test_cli_runner().invoke(args=["content", "check"])


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture(params=[Role.TEACHER, Role.COUNSELOR, Role.SCHOOL_ADMIN])
def staff(request, factory, as_user):
    return as_user(factory.user(factory.school(), request.param))


def test_staff_find_the_guides_in_the_menu_and_read_them_in_both_languages(staff):
    index = page(staff.get("/learn/staff-guides"))
    assert 'href="/learn/staff-guides" aria-current="page">Staff guides</a>' in index  # the staff menu
    assert index.index("Sample flowchart") < index.index("Sample notes")  # in `order`
    assert "Steps in order: a sample for the tests." in index
    flowchart = page(staff.get("/learn/staff-guides/sample-flowchart"))
    assert '<article class="staff-guide layout-flowchart">' in flowchart
    assert "<strong>Do not view, save or forward the image.</strong>" in flowchart
    assert "css/guides.css" in flowchart  # the print stylesheet
    ko = page(staff.get("/learn/staff-guides/sample-flowchart", headers=KO))
    assert "<h1>예시 흐름도</h1>" in ko and "이미지를 보거나 저장하거나 전달하지 않습니다." in ko
    assert "교직원 안내서" in page(staff.get("/learn/staff-guides", headers=KO))
    notes = page(staff.get("/learn/staff-guides/sample-notes"))
    assert '<article class="staff-guide layout-page">' in notes and "<table>" in notes


def test_every_teacher_guide_links_to_the_staff_guides(factory, as_user):
    teacher = as_user(factory.user(factory.school(), Role.TEACHER))
    for module_id in ("sample-consent", "sample-help"):
        assert 'href="/learn/staff-guides"' in page(teacher.get(f"/learn/{module_id}/guide"))


def test_students_cannot_open_the_staff_guides_or_see_them_in_the_menu(client, factory, as_user):
    student = as_user(factory.user(factory.school(), Role.STUDENT))
    assert student.get("/learn/staff-guides").status_code == 403
    assert student.get("/learn/staff-guides/sample-flowchart").status_code == 403
    assert "/learn/staff-guides" not in page(student.get("/learn/"))


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/learn/staff-guides/sample-flowchart")
    assert response.status_code in (302, 401)
    assert "login" in response.headers.get("Location", "login")


def test_an_unknown_guide_is_not_found(staff):
    assert staff.get("/learn/staff-guides/no-such-guide").status_code == 404


@pytest.mark.parametrize(
    "case, path, field",
    [
        ("guide-in-one-language", "guides/sample-notes.ko.md", "(file)"),
        ("guide-languages-differ-in-layout", "guides/sample-flowchart.ko.md", "front matter: layout"),
    ],
)
def test_the_app_refuses_a_guide_that_does_not_line_up_in_both_languages(case, path, field):
    root = CONTENT / "broken" / case
    with pytest.raises(ContentError) as info:
        create_app(_config(root))
    assert any(line.startswith(f"{path}: {field}") for line in info.value.problems), info.value.problems
    result = run_check(root)
    assert result.exit_code == 1 and f"{path}: {field}" in result.output


def test_korean_style_rules_apply_to_staff_guides():
    result = run_check(CONTENT / "checks" / "guide-style-errors")
    assert result.exit_code == 1
    assert "guides/g.ko.md: front matter: title: the brand name in Korean text is 다리" in result.output
    assert "guides/g.ko.md: line 9: straight quote mark" in result.output
    assert "guides/g.ko.md: line 11: italics" in result.output
    assert "g.en.md" not in result.output  # English may say Dari and use italics


# --- the real guides

REAL = real_curriculum()
REAL_GUIDES = [
    "incident-flowchart",
    "perpetrator-in-the-class",
    "when-the-victim-is-a-teacher",
    "curriculum-alignment",
    "grade-bands",
]


def test_the_real_staff_guides_are_all_there_in_order():
    assert [g.name for g in REAL.staff_guides] == REAL_GUIDES
    assert REAL.staff_guide("incident-flowchart").layout == "flowchart"


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_the_incident_flowchart_names_the_duty_and_every_help_line(locale):
    html = str(REAL.staff_guide("incident-flowchart").page(locale).html)
    for needed in (
        "112",
        "제34조제2항",
        "제67조",
        "전담기구",
        "교육지원청",
        "1366",
        "02-735-8994",
        "117",
        "1388",
        "109",
        "1377",
        "/report",
    ):
        assert needed in html, (locale, needed)
    assert html.count("<li>") >= 9  # nine steps, with decision branches


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_the_grade_bands_and_curriculum_tables_cover_every_module(locale):
    titles = [m.lesson(locale).meta.title for m in REAL.modules]
    for name in ("grade-bands", "curriculum-alignment"):
        html = str(REAL.staff_guide(name).page(locale).html)
        assert "<table>" in html
        for title in titles:
            assert title.replace("'", "&#x27;") in html or title in html, (name, locale, title)


@pytest.mark.parametrize(
    "locale, rule, old",
    [
        ("en", "in class, not as homework", ("or set it as homework", "or set as homework", "as homework or")),
        ("ko", "과제로 내지 않고 수업 중에", ("과제로 제시", "과제나 다음 시간", "과제로 내고")),
    ],
)
def test_sensitive_teacher_guides_keep_the_quiz_in_class(locale, rule, old):
    for module in (m for m in REAL.modules if m.sensitive):
        guide = str(module.guide(locale))
        assert rule in guide, module.id
        assert not any(phrase in guide for phrase in old), module.id


class TestTheRealGuidesInTheApp:
    @pytest.fixture
    def app(self, app_factory):
        return app_factory(CONTENT_ROOT=str(BASE_DIR))

    @pytest.mark.parametrize("name", REAL_GUIDES)
    def test_each_renders_for_staff_in_both_languages(self, factory, as_user, name):
        teacher = as_user(factory.user(factory.school(), Role.TEACHER))
        assert "<h1>" in page(teacher.get(f"/learn/staff-guides/{name}"))
        assert "<h1>" in page(teacher.get(f"/learn/staff-guides/{name}", headers=KO))
