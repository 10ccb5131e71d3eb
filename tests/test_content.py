"""The content format: loading, checking, and rendering once at start-up."""

from pathlib import Path

import pytest

from app import create_app
from app.content import ContentError, library
from app.content.loader import load_library

CONTENT = Path(__file__).parent / "content"
VALID = CONTENT / "valid"

# Each broken fixture: (file, field) the message must name.
BROKEN = {
    "missing-korean-lesson": ("lessons/m/ko.md", "(file)"),
    "missing-teacher-guide": ("lessons/m/teacher.ko.md", "(file)"),
    "lesson-without-quiz": ("quizzes/m.yaml", "(file)"),
    "quiz-without-lesson": ("quizzes/orphan.yaml", "(file)"),
    "front-matter-wrong-type": ("lessons/m/en.md", "front matter: minutes"),
    "front-matter-id-mismatch": ("lessons/m/en.md", "front matter: id"),
    "languages-differ-in-minutes": ("lessons/m/ko.md", "front matter: minutes"),
    "languages-differ-in-steps": ("lessons/m/ko.md", "body"),
    "languages-differ-in-blocks": ("lessons/m/ko.md", "step 1"),
    "text-before-first-step": ("lessons/m/en.md", "body"),
    "scenario-with-one-choice": ("lessons/m/en.md", "step 1 scenario (body line 4): choices"),
    "quiz-no-correct-option": ("quizzes/m.yaml", "questions.0(q1)"),
    "quiz-single-with-two-correct": ("quizzes/m.yaml", "questions.0(q1)"),
    "quiz-bad-option-id": ("quizzes/m.yaml", "questions.0(q1).options.1(Not Valid).id"),
    "quiz-duplicate-question-ids": ("quizzes/m.yaml", "(top)"),
    "quiz-missing-korean": ("quizzes/m.yaml", "questions.0(q1).prompt.ko"),
    "quiz-invalid-yaml": ("quizzes/m.yaml", "(file)"),
    "material-in-one-language": ("lessons/m/plan.ko.md", "(file)"),
    "guide-in-one-language": ("guides/sample-notes.ko.md", "(file)"),
    "guide-languages-differ-in-layout": ("guides/sample-flowchart.ko.md", "front matter: layout"),
    "easy-read-in-one-language": ("lessons/m/easy.en.md", "(file)"),
}


def test_every_broken_fixture_is_listed_here():
    assert {p.name for p in (CONTENT / "broken").iterdir() if p.is_dir()} == set(BROKEN)


def run_check(root: Path):
    app = create_app(_config(root), strict_content=False)
    return app.test_cli_runner().invoke(args=["content", "check"])


def _config(root: Path):
    from config import TestConfig

    class Config(TestConfig):
        CONTENT_ROOT = str(root)

    return Config


def test_check_passes_on_valid_content():
    result = run_check(VALID)
    assert result.exit_code == 0, result.output
    assert "content ok: 2 modules" in result.output


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_names_file_and_field_of_each_problem(case):
    path, field = BROKEN[case]
    result = run_check(CONTENT / "broken" / case)
    assert result.exit_code == 1
    assert f"{path}: {field}" in result.output, result.output


@pytest.mark.parametrize("case", ["quiz-no-correct-option", "missing-korean-lesson"])
def test_app_refuses_to_start_on_invalid_content_with_the_same_message(case):
    path, field = BROKEN[case]
    with pytest.raises(ContentError) as info:
        create_app(_config(CONTENT / "broken" / case))
    assert any(line.startswith(f"{path}: {field}") for line in info.value.problems)


def test_the_repository_content_is_valid():
    root = Path(__file__).resolve().parent.parent
    modules = load_library(root).modules
    assert len(modules) >= 1


def test_steps_and_blocks_are_parsed():
    lib = load_library(VALID)
    module = lib.get("sample-consent")
    lesson = module.lesson("ko")
    assert [s.title for s in lesson.steps] == ["먼저 물어보기", "생각해 보기", "참고 자료"]
    kinds = [b.kind for s in lesson.steps for b in s.blocks]
    assert kinds == ["scenario", "reflect"]
    assert [m.id for m in lib.modules] == ["sample-consent", "sample-help"]  # by order
    assert lib.get("sample-help").sensitive and not module.sensitive


def test_script_in_content_never_reaches_a_page():
    lesson = load_library(VALID).get("sample-consent").lesson("en")
    html = "".join(str(p) for s in lesson.steps for p in s.parts if isinstance(p, str))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<strong>freely given</strong>" in html


@pytest.mark.parametrize(
    "markdown,forbidden",
    [
        ('<img src="https://tracker.example/p.gif">', "<img"),
        ("![x](https://tracker.example/p.gif)", "<img"),
        ("[click](javascript:alert(1))", 'href="javascript:'),
        ('<a href="#" onclick="x()">y</a>', "<a "),
    ],
)
def test_sanitiser_removes_dangerous_markup(markdown, forbidden):
    from app.content.render import to_html

    assert forbidden not in str(to_html(markdown))


def test_links_leave_no_referrer():
    from app.content.render import to_html

    assert 'rel="noopener noreferrer"' in str(to_html("[source](https://example.org/)"))


def test_markdown_is_rendered_at_start_up_not_per_request(app, factory, as_user, monkeypatch):
    import app.content.render as render

    def fail(*args, **kwargs):
        raise AssertionError("Markdown rendered during a request")

    monkeypatch.setattr(render._md, "render", fail)
    monkeypatch.setattr(render._md, "parse", fail)
    monkeypatch.setattr(render.nh3, "clean", fail)
    client = as_user(factory.user(factory.school(), "student"))
    for url in ["/learn/sample-consent/step/1", "/learn/sample-help/step/1", "/learn/sample-consent/quiz"]:
        assert client.get(url).status_code == 200
    with app.app_context():
        assert library().get("sample-consent") is not None


# --- Korean style errors and quiz warnings (docs/CONTENT.md, "Korean style" and "Quizzes that measure
# understanding"). Fixtures under tests/content/checks/: style-errors breaks each Korean rule in each kind
# of place (and breaks them in English too, which is allowed); clean has what the rules must not catch.
CHECKS = CONTENT / "checks"

STYLE_ERRORS = [
    "lessons/m/ko.md: front matter: summary: the brand name in Korean text is 다리",
    "lessons/m/ko.md: line 14: straight quote mark",
    "lessons/m/ko.md: line 16: italics",
    "lessons/m/ko.md: line 18 scenario: choices.0.text: straight quote mark",
    "lessons/m/ko.md: line 30 callout: text: italics",
    "lessons/m/teacher.ko.md: line 3: the brand name in Korean text is 다리",
    "quizzes/m.yaml: questions.0(q1).prompt.ko: straight quote mark",
    "quizzes/m.yaml: questions.0(q1).options.0(right).text.ko: the brand name",
    "quizzes/m.yaml: questions.0(q1).options.0(right).feedback.ko: italics",
]


def test_korean_style_errors_name_file_and_field_and_fail_the_check():
    result = run_check(CHECKS / "style-errors")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for expected in STYLE_ERRORS:
        assert any(line.startswith(expected) for line in lines), (expected, result.output)
    assert "9 problem(s), 0 warning(s)" in result.output
    assert "en.md" not in result.output  # English may say Dari, use straight quotes and italics


def test_style_errors_do_not_stop_the_app_from_serving_lessons():
    # A straight quote is an editorial problem, not content the app cannot serve.
    app = create_app(_config(CHECKS / "style-errors"))
    with app.app_context():
        assert library().get("m") is not None


def test_korean_style_allows_curly_quotes_bold_yaml_quoting_code_links_and_apostrophes():
    result = run_check(CHECKS / "clean")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"content ok: 1 modules in {CHECKS / 'clean'}"


def test_guessable_quiz_warns_but_the_check_passes():
    result = run_check(CHECKS / "guessable")
    assert result.exit_code == 0, result.output
    out = result.output
    for locale in ("en", "ko"):  # (a) correct option strictly longest in 3 of 3 single-choice questions
        assert f"warning: quizzes/m.yaml: single-choice ({locale}): the correct option is the longest in 3 of 3" in out
    assert "warning: quizzes/m.yaml: true_false: all 6 true/false questions are “false”" in out  # (b)
    assert "warning: quizzes/: true_false: 0 of 6 answers across the curriculum are “true” (0%)" in out  # (c)
    assert "content ok: 1 modules" in out and "4 warning(s)" in out


def test_balanced_quiz_has_no_warnings():
    # clean: longest in 1 of 3 single-choice questions; s3 is a tie, which does not count; true/false 3 of 6 true.
    from app.content.checks import check_content

    assert check_content(CHECKS / "clean").warnings == []


def test_the_real_curriculum_has_no_style_errors_and_no_warnings():
    from app.content.checks import check_content

    report = check_content(Path(__file__).resolve().parent.parent)
    assert report.errors == []
    assert report.warnings == []


# --- classroom materials: lessons/<id>/plan.<lang>.md and family.<lang>.md, both languages or neither


def test_classroom_materials_are_rendered_at_start_up_in_both_languages():
    module = load_library(VALID).get("sample-consent")
    assert "<strong>Warm-up (5 min).</strong>" in module.material("plan", "en")
    assert "보호자님께" in module.material("family", "ko")
    assert load_library(VALID).get("sample-help").material("plan", "en") is None


def test_staff_find_the_materials_from_the_guide_and_read_them_in_their_language(factory, as_user):
    teacher = as_user(factory.user(factory.school(), "teacher"))
    guide = teacher.get("/learn/sample-consent/guide").get_data(as_text=True)
    assert 'href="/learn/sample-consent/materials/plan?lang=en">Lesson plan</a>' in guide
    assert 'href="/learn/sample-consent/materials/family?lang=en">Family letter</a>' in guide
    plan = teacher.get("/learn/sample-consent/materials/plan").get_data(as_text=True)
    assert "Ask: what does asking first look like?" in plan
    family = teacher.get("/learn/sample-consent/materials/family", headers={"Accept-Language": "ko"})
    assert "오늘은 먼저 묻기에 대해 배웠습니다" in family.get_data(as_text=True)
    assert "가정통신문" in family.get_data(as_text=True)
    # On paper in the family's language, whatever the teacher reads Dari in.
    english = teacher.get("/learn/sample-consent/materials/family?lang=en", headers={"Accept-Language": "ko"})
    assert 'lang="en"' in english.get_data(as_text=True) and "보호자님께" not in english.get_data(as_text=True)
    assert "/materials/" not in teacher.get("/learn/sample-help/guide").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/learn/sample-help/materials/plan",
        "/learn/sample-consent/materials/homework",
        "/learn/no-such-module/materials/plan",
    ],
)
def test_missing_materials_are_not_found(factory, as_user, url):
    teacher = as_user(factory.user(factory.school(), "teacher"))
    assert teacher.get(url).status_code == 404


def test_students_cannot_open_classroom_materials(factory, as_user):
    student = as_user(factory.user(factory.school(), "student"))
    assert student.get("/learn/sample-consent/materials/family").status_code == 403
