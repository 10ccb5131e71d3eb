"""The main pages are valid HTML, checked by the Nu HTML Checker (the W3C validator's engine).
vnu.jar comes from npm (`npm ci` at the repository root installs the pinned vnu-jar) and runs on
the system's Java; the test skips, saying which, when either is missing. Nothing is downloaded."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.page_tour import tour

# Starts a Java process per language: part of `make test`, left out of the `make test-fast` loop.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")


def _skip_reason() -> str | None:
    if JAVA is None:
        return "no java on PATH: install a JRE (apt-get install default-jre-headless) to validate HTML"
    if not VNU_JAR.exists():
        return f"no {VNU_JAR.relative_to(ROOT)}: run `npm ci` at the repository root to install vnu-jar"
    return None


def validate(pages: list[tuple[str, str]], folder: Path) -> list[str]:
    """Every error the checker finds, as 'url line N: message'. One Java start for all pages."""
    files = {}
    for n, (url, html) in enumerate(pages):
        path = folder / f"page{n}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = url
    paths = [str(folder / name) for name in files]
    run = subprocess.run(
        [JAVA, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *paths],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stderr or run.stdout or '{"messages": []}')
    return [
        f"{files.get(Path(m.get('url', '')).name, m.get('url'))} line {m.get('lastLine')}: {m.get('message')}"
        for m in report["messages"]
        if m.get("type") == "error"
    ]


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_the_checker_reports_invalid_html(tmp_path):
    problems = validate([("/broken", "<!doctype html><html lang=en><title>x</title><h1><div>no</h1>")], tmp_path)
    assert problems and all(p.startswith("/broken line") for p in problems)


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_main_pages_are_valid_html(app, tmp_path, lang):
    problems = validate(tour(app, lang), tmp_path)
    assert not problems, "Nu HTML Checker errors:\n" + "\n".join(problems)
