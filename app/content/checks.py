"""Everything `flask content check` reports: the loader's errors, Korean style errors and quiz
warnings, each as `file: field: problem`.

Only the loader's errors stop the app from starting (content it cannot serve). Style errors fail
the check and the test suite but do not take a school's lessons offline; warnings are printed and
the check still passes."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.content import korean
from app.content.guessing import curriculum_warnings, quiz_warnings
from app.content.guides import GUIDES_DIR
from app.content.loader import ContentError, load_library
from app.content.render import load_yaml
from app.content.schemas import Quiz


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    module_count: int = 0


def check_content(root: Path) -> CheckReport:
    root = Path(root)
    report = CheckReport()
    try:
        report.module_count = len(load_library(root).modules)
    except ContentError as exc:
        report.errors.extend(exc.problems)
    report.errors.extend(style_errors(root))
    quizzes = _valid_quizzes(root)
    for name, quiz in quizzes.items():
        report.warnings.extend(quiz_warnings(name, quiz))
    report.warnings.extend(curriculum_warnings(quizzes))
    return report


def style_errors(root: Path) -> list[str]:
    """Korean style rules 1-3 on Korean lessons, teacher guides, staff guides and the `ko` strings of quizzes."""
    lines: list[str] = []
    lesson_files = sorted((root / "lessons").glob("*/*.md"))
    for path in lesson_files + sorted((root / GUIDES_DIR).glob("*.ko.md")):
        if path.name == "ko.md" or path.parent.name == GUIDES_DIR:  # front matter text is checked too
            problems = korean.lesson_problems(path)
        elif path.name.endswith(".ko.md"):
            problems = korean.markdown_problems(path.read_text(encoding="utf-8"))
        else:
            continue
        lines.extend(f"{path.relative_to(root)}: {where}: {problem}" for where, problem in problems)
    for path in sorted((root / "quizzes").glob("*.yaml")):
        data = _yaml(path)
        if isinstance(data, dict):
            lines.extend(
                f"{path.relative_to(root)}: {where}: {problem}" for where, problem in korean.quiz_problems(data)
            )
    return lines


def _valid_quizzes(root: Path) -> dict[str, Quiz]:
    """Quizzes that parse, by file name; broken ones are already reported by the loader."""
    quizzes = {}
    for path in sorted((root / "quizzes").glob("*.yaml")):
        try:
            quizzes[str(path.relative_to(root))] = Quiz.model_validate(_yaml(path))
        except ValidationError:
            continue
    return quizzes


def _yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
