"""Reading every module from lessons/ and quizzes/ into memory, checking it as a whole."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup
from pydantic import ValidationError

from app.content.guides import StaffGuide, load_guides
from app.content.render import (
    FRONT_MATTER_PROBLEM,
    ContentProblem,
    Step,
    load_yaml,
    pydantic_problems,
    split_front_matter,
    split_steps,
    to_html,
    yaml_problem,
)
from app.content.schemas import LOCALES, Callout, FrontMatter, Quiz, Scenario


class ContentError(Exception):
    """Content that cannot be served. `problems` are lines of `file: field: problem`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid content:\n" + "\n".join(problems))


@dataclass
class Lesson:
    meta: FrontMatter
    steps: list[Step]

    @property
    def step_count(self) -> int:
        return len(self.steps)


# Optional materials: lessons/<id>/<kind>.<locale>.md, in both languages or neither. "plan" and
# "family" are for staff; "easy" is the easy-read (쉬운 글) version of the lesson, for students too.
MATERIALS = ("plan", "family", "easy")


@dataclass
class Module:
    id: str
    lessons: dict[str, Lesson]
    guides: dict[str, Markup]
    quiz: Quiz
    materials: dict[str, dict[str, Markup]] = field(default_factory=dict)  # kind -> locale -> html

    def lesson(self, locale: str) -> Lesson:
        return self.lessons.get(locale) or self.lessons["en"]

    def guide(self, locale: str) -> Markup:
        return self.guides.get(locale) or self.guides["en"]

    def material(self, kind: str, locale: str) -> Markup | None:
        by_locale = self.materials.get(kind)
        return (by_locale.get(locale) or by_locale["en"]) if by_locale else None

    @property
    def order(self) -> int:
        return self.lessons["en"].meta.order

    @property
    def step_count(self) -> int:
        return self.lessons["en"].step_count

    @property
    def sensitive(self) -> bool:
        return self.lessons["en"].meta.sensitive

    def block_ids(self, kind: str) -> set[str]:
        return {
            b.id
            for step in self.lessons["en"].steps
            for b in step.blocks
            if b.kind == kind and not isinstance(b, Callout)
        }  # callouts have no id


@dataclass
class Library:
    modules: list[Module] = field(default_factory=list)
    staff_guides: list[StaffGuide] = field(default_factory=list)  # guides/, in order

    def __post_init__(self) -> None:
        self.modules.sort(key=lambda m: (m.order, m.id))
        self._by_id = {m.id: m for m in self.modules}
        self._guides_by_name = {g.name: g for g in self.staff_guides}

    def get(self, module_id: str) -> Module | None:
        return self._by_id.get(module_id)

    def staff_guide(self, name: str) -> StaffGuide | None:
        return self._guides_by_name.get(name)


class _Collector:
    def __init__(self, root: Path):
        self.root = root
        self.lines: list[str] = []

    def add(self, path: Path, field_: str, problem: str) -> None:
        self.lines.append(f"{path.relative_to(self.root)}: {field_}: {problem}")

    def add_all(self, path: Path, problems: list[ContentProblem]) -> None:
        for p in problems:
            self.add(path, p.field, p.problem)


def load_library(root: Path) -> Library:
    """Load everything under root/lessons and root/quizzes, or raise ContentError listing every problem."""
    root = Path(root)
    out = _Collector(root)
    lesson_dirs = sorted(p for p in (root / "lessons").glob("*") if p.is_dir())
    quiz_files = sorted((root / "quizzes").glob("*.yaml"))
    modules = []
    for directory in lesson_dirs:
        module = _load_module(directory, root / "quizzes" / f"{directory.name}.yaml", out)
        if module is not None:
            modules.append(module)
    lesson_ids = {d.name for d in lesson_dirs}
    for quiz_file in quiz_files:
        if quiz_file.stem not in lesson_ids:
            out.add(quiz_file, "(file)", f"no lesson for this quiz: expected lessons/{quiz_file.stem}/")
    if not lesson_dirs:
        out.lines.append(f"{root}: lessons/: no modules found")
    staff_guides = load_guides(root, out)
    if out.lines:
        raise ContentError(out.lines)
    return Library(modules, staff_guides)


def _load_module(directory: Path, quiz_path: Path, out: _Collector) -> Module | None:
    before = len(out.lines)
    lessons = {}
    for locale in LOCALES:
        lesson = _load_lesson(directory / f"{locale}.md", directory.name, out)
        if lesson is not None:
            lessons[locale] = lesson
    guides = {}
    for locale in LOCALES:
        path = directory / f"teacher.{locale}.md"
        if not path.exists():
            out.add(path, "(file)", "missing: every module needs a teacher guide in both languages")
        elif not path.read_text(encoding="utf-8").strip():
            out.add(path, "(file)", "is empty")
        else:
            guides[locale] = to_html(path.read_text(encoding="utf-8"))
    quiz = _load_quiz(quiz_path, out)
    materials = _load_materials(directory, out)
    if len(lessons) == len(LOCALES):
        _compare_languages(directory, lessons, out)
    if len(out.lines) > before:
        return None
    assert quiz is not None  # a missing or broken quiz has added a problem above
    return Module(id=directory.name, lessons=lessons, guides=guides, quiz=quiz, materials=materials)


def _load_materials(directory: Path, out: _Collector) -> dict[str, dict[str, Markup]]:
    """A lesson plan, family letter or easy-read version must exist in every language, or in none:
    a class reads it together, whatever language each student has chosen."""
    materials = {}
    for kind in MATERIALS:
        paths = {locale: directory / f"{kind}.{locale}.md" for locale in LOCALES}
        present = [locale for locale, path in paths.items() if path.exists()]
        if not present:
            continue
        rendered = {}
        for locale, path in paths.items():
            if locale not in present:
                others = ", ".join(paths[p].name for p in present)
                out.add(path, "(file)", f"missing: {others} exists, so this language is needed too (or remove both)")
            elif not path.read_text(encoding="utf-8").strip():
                out.add(path, "(file)", "is empty")
            else:
                rendered[locale] = to_html(path.read_text(encoding="utf-8"))
        materials[kind] = rendered
    return materials


def _load_lesson(path: Path, module_id: str, out: _Collector) -> Lesson | None:
    if not path.exists():
        out.add(path, "(file)", "missing: every module needs a lesson in both languages")
        return None
    text = path.read_text(encoding="utf-8")
    parts = split_front_matter(text)
    if parts is None:
        out.add(path, "front matter", FRONT_MATTER_PROBLEM)
        return None
    head, body = parts
    try:
        data = load_yaml(head) or {}
        meta = FrontMatter.model_validate(data)
    except yaml.YAMLError as exc:
        out.add(path, "front matter", yaml_problem(exc))
        return None
    except ValidationError as exc:
        out.add_all(path, pydantic_problems(exc, prefix="front matter"))
        return None
    if meta.id != module_id:
        out.add(path, "front matter: id", f"is {meta.id!r} but the folder is {module_id!r}")
    problems: list[ContentProblem] = []
    try:
        steps = split_steps(body, problems)
    except ContentProblem as problem:
        out.add(path, problem.field, problem.problem)
        return None
    out.add_all(path, problems)
    _unique_block_ids(path, steps, out)
    return Lesson(meta=meta, steps=steps)


def _unique_block_ids(path: Path, steps: list[Step], out: _Collector) -> None:
    seen: set[str] = set()
    for step in steps:
        for block in step.blocks:
            block_id = getattr(block, "id", None)
            if block_id is None:
                continue
            if block_id in seen:
                out.add(path, f"step {step.number} {block.kind}: id", f"{block_id!r} is used twice in this lesson")
            seen.add(block_id)


def _compare_languages(directory: Path, lessons: dict[str, Lesson], out: _Collector) -> None:
    """Progress and answers are stored per step and block id, so both languages must line up."""
    en, ko = lessons["en"], lessons["ko"]
    ko_path = directory / "ko.md"
    for name in ("order", "grades", "minutes"):
        if getattr(en.meta, name) != getattr(ko.meta, name):
            out.add(ko_path, f"front matter: {name}", f"differs from en.md ({getattr(en.meta, name)!r})")
    if en.meta.sensitive != ko.meta.sensitive:
        out.add(ko_path, "front matter: content_note", "must be present in both languages or in neither")
    if en.step_count != ko.step_count:
        out.add(ko_path, "body", f"has {ko.step_count} steps but en.md has {en.step_count}")
        return
    for en_step, ko_step in zip(en.steps, ko.steps, strict=True):
        if _shape(en_step) != _shape(ko_step):
            out.add(
                ko_path,
                f"step {ko_step.number}",
                f"blocks {_shape(ko_step)} do not match en.md step {en_step.number} {_shape(en_step)}",
            )


def _shape(step: Step) -> list[str]:
    shape = []
    for block in step.blocks:
        label = f"{block.kind}:{getattr(block, 'id', '')}"
        if isinstance(block, Scenario):
            label += "[" + ",".join(c.id for c in block.choices) + "]"
        shape.append(label)
    return shape


def _load_quiz(path: Path, out: _Collector) -> Quiz | None:
    if not path.exists():
        out.add(path, "(file)", "missing: every lesson needs a quiz")
        return None
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        out.add(path, "(file)", yaml_problem(exc))
        return None
    try:
        return Quiz.model_validate(data)
    except ValidationError as exc:
        out.add_all(path, _name_questions(data, pydantic_problems(exc)))
        return None


def _name_questions(data: Any, problems: list[ContentProblem]) -> list[ContentProblem]:
    """questions.3.options.1 -> questions[3 'q-id'].options[1 'opt-id'] so authors find the place."""
    named = []
    for p in problems:
        parts = p.field.split(".")
        try:
            if parts[0] == "questions" and len(parts) > 1 and parts[1].isdigit():
                question = data["questions"][int(parts[1])]
                parts[1] = f"{parts[1]}({question.get('id', '?')})"
                if len(parts) > 3 and parts[2] == "options" and parts[3].isdigit():
                    parts[3] = f"{parts[3]}({question['options'][int(parts[3])].get('id', '?')})"
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        named.append(ContentProblem(".".join(parts), p.problem))
    return named
