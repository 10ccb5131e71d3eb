"""Korean style rules that a machine can check (docs/CONTENT.md, "Korean style", rules 1-3).

They run on Korean text only, after YAML and Markdown are parsed, so YAML's own quoting, link
addresses and code are never mistaken for prose."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from markdown_it.token import Token

from app.content.render import _md, load_yaml
from app.content.schemas import BLOCKS

# Latin letters around it only: Korean particles follow directly ("Dari에서"), and \b counts Hangul as a word.
BRAND = re.compile(r"(?<![A-Za-z])(?:Dari|DARI)(?![A-Za-z])")
# An apostrophe between two Latin letters (an English title such as "Children's") is not a quote mark.
STRAIGHT_QUOTE = re.compile(r"\"|(?<![A-Za-z])'|'(?![A-Za-z])")
FRONT_MATTER_TEXT = ("title", "summary", "objectives", "content_note")

BRAND_PROBLEM = "the brand name in Korean text is 다리, not “Dari”"
QUOTE_PROBLEM = "straight quote mark in Korean text; use “…” for quotes and ‘…’ inside them"
ITALIC_PROBLEM = "italics (*…* or _…_) are not used in Korean; use **bold** sparingly, or nothing"


def _snippet(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - 12), min(len(text), match.end() + 12)
    return " ".join(text[start:end].split())


def prose_problems(text: str) -> list[str]:
    """Brand name and quote marks in one run of Korean prose (no Markdown syntax in it)."""
    found = []
    for pattern, problem in ((BRAND, BRAND_PROBLEM), (STRAIGHT_QUOTE, QUOTE_PROBLEM)):
        match = pattern.search(text)
        if match:
            found.append(f"{problem} (near “{_snippet(text, match)}”)")
    return found


def _inline_problems(children: list[Token] | None) -> list[str]:
    found, italic, in_em = [], None, False
    for child in children or []:
        if child.type in ("em_open", "em_close"):
            in_em = child.type == "em_open"
            italic = "" if in_em and italic is None else italic
        elif child.type == "text":
            found.extend(prose_problems(child.content))
            if in_em and not italic:
                italic = child.content
    if italic is not None:
        found.append(f"{ITALIC_PROBLEM} (near “{italic[:30]}”)")
    return found


def text_problems(text: str) -> list[str]:
    """A plain-text field (quiz string, block field, front matter): read as inline Markdown would be,
    so that *this* counts as italics but a lone asterisk does not."""
    return _inline_problems(_md.parseInline(text)[0].children) if text.strip() else []


def _strings(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in parsed YAML, with a dotted path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


def markdown_problems(markdown: str, first_line: int = 1) -> list[tuple[str, str]]:
    """(field, problem) for Korean Markdown: prose by line, lesson blocks by their YAML fields."""
    found: list[tuple[str, str]] = []
    for token in _md.parse(markdown):
        line = f"line {token.map[0] + first_line}" if token.map else "line ?"
        if token.type == "inline":
            found.extend((line, p) for p in _inline_problems(token.children))
        elif token.type == "fence" and token.info.strip() in BLOCKS:
            try:
                data = load_yaml(token.content)
            except yaml.YAMLError:
                continue  # the loader reports broken blocks
            for path, value in _strings(data):
                found.extend((f"{line} {token.info.strip()}: {path}", p) for p in text_problems(value))
    return found


def lesson_problems(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        return markdown_problems(text)
    head, body = text[4:].split("\n---\n", 1)
    found: list[tuple[str, str]] = []
    try:
        meta = load_yaml(head) or {}
    except yaml.YAMLError:
        meta = {}
    for name in FRONT_MATTER_TEXT:
        for sub, value in _strings(meta.get(name) if isinstance(meta, dict) else None, name):
            found.extend((f"front matter: {sub}", p) for p in text_problems(value))
    return found + markdown_problems(body, first_line=head.count("\n") + 4)


def quiz_problems(data: Any) -> list[tuple[str, str]]:
    """Every `ko` string of a parsed quiz, named like the loader names quiz fields."""
    found: list[tuple[str, str]] = []
    for q_index, question in enumerate((data or {}).get("questions") or []):
        if not isinstance(question, dict):
            continue
        where = f"questions.{q_index}({question.get('id', '?')})"
        for path, value in _strings(question):
            if not path.endswith(".ko"):
                continue
            parts = path.split(".")
            if parts[0] == "options" and len(parts) > 2 and parts[1].isdigit():
                option = question["options"][int(parts[1])]
                option_id = option.get("id", "?") if isinstance(option, dict) else "?"
                parts[1] = f"{parts[1]}({option_id})"
            found.extend((f"{where}.{'.'.join(parts)}", p) for p in text_problems(value))
    return found
