"""Markdown to safe HTML, and a lesson body to steps. Runs once, at start-up."""

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from pydantic import ValidationError

from app.content.schemas import BLOCKS, Callout, Reflect, Scenario

# Raw HTML in content is escaped by markdown-it and anything that slips through is cleaned by nh3.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"img"}  # images would be requests to other sites


class ContentProblem(Exception):
    """One problem in one place of one file; `field` names where."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def to_html(markdown_text: str) -> Markup:
    return Markup(clean(_md.render(markdown_text)))  # noqa: S704 - nh3 has kept only safe HTML


def clean(html: str) -> str:
    return nh3.clean(html, tags=_ALLOWED_TAGS, link_rel="noopener noreferrer")


Block = Scenario | Reflect | Callout
_SUBHEADING = re.compile(r"<(/?)h([3-6])\b")


@dataclass
class Step:
    number: int  # 1-based
    title: str
    parts: list[Markup | Block] = field(default_factory=list)

    @property
    def blocks(self) -> list[Block]:
        return [p for p in self.parts if not isinstance(p, Markup)]

    @cached_property
    def raised_parts(self) -> list[Markup | Block]:
        """The parts with `###` sub-headings as h2, for a page whose h1 is the step's title
        (the preview nests steps under h2, so it keeps them as h3). Made once per step."""
        raise_one = lambda m: f"<{m[1]}h{int(m[2]) - 1}"  # noqa: E731
        # Renumbering a heading tag of already-clean HTML keeps it clean.
        return [
            Markup(_SUBHEADING.sub(raise_one, p)) if isinstance(p, Markup) else p  # noqa: S704
            for p in self.parts
        ]


def split_steps(body: str, problems: list[ContentProblem]) -> list[Step]:
    """Each `##` heading starts a step; ```scenario / ```reflect / ```callout fences become blocks.
    Structural problems raise; problems inside blocks are added to `problems` and parsing goes on."""
    tokens = _md.parse(body)
    steps: list[Step] = []
    pending: list[Token] = []
    seen_blocks: set[int] = set()  # steps with a block, even one that failed to parse

    def flush() -> None:
        if pending:
            html = _md.renderer.render(pending, _md.options, {})
            if html.strip():
                steps[-1].parts.append(Markup(clean(html)))  # noqa: S704 - nh3 has kept only safe HTML
            pending.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag == "h2":
            if steps:
                flush()
            elif any(t.type != "softbreak" for t in pending):
                raise ContentProblem("body", "text before the first '## ' step heading")
            pending.clear()
            title = tokens[i + 1].content.strip()
            steps.append(Step(number=len(steps) + 1, title=title))
            i += 3  # heading_open, inline, heading_close
            continue
        if token.type == "fence" and token.info.strip() in BLOCKS:
            if not steps:
                raise ContentProblem("body", "a block before the first '## ' step heading")
            flush()
            seen_blocks.add(len(steps))
            block = _block(token, len(steps), problems)
            if block is not None:
                steps[-1].parts.append(block)
        else:
            pending.append(token)
        i += 1
    if not steps:
        raise ContentProblem("body", "no steps: start each step with a '## ' heading")
    flush()
    for step in steps:
        if not step.parts and step.number not in seen_blocks:
            raise ContentProblem(f"step {step.number} ({step.title})", "is empty")
    return steps


def _block(token: Token, step_number: int, problems: list[ContentProblem]) -> Block | None:
    kind = token.info.strip()
    line = token.map[0] + 1 if token.map else "?"
    where = f"step {step_number} {kind} (body line {line})"
    try:
        data = load_yaml(token.content) or {}
    except yaml.YAMLError as exc:
        problems.append(ContentProblem(where, yaml_problem(exc)))
        return None
    if not isinstance(data, dict):
        problems.append(ContentProblem(where, "the block body must be YAML key: value pairs"))
        return None
    try:
        return BLOCKS[kind].model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, prefix=where))
        return None


def yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"invalid YAML at line {mark.line + 1}: {what}" if mark else f"invalid YAML: {what}"


def pydantic_problems(exc: ValidationError, prefix: str = "") -> list[ContentProblem]:
    found = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        where = f"{prefix}: {loc}" if prefix and loc else (prefix or loc or "(top)")
        found.append(ContentProblem(where, error["msg"].removeprefix("Value error, ")))
    return found


FRONT_MATTER_PROBLEM = "the file must start with YAML front matter between '---' lines"


# libyaml's parser (PyYAML's C extension) reads the curriculum several times faster than the pure-Python
# one, and every worker reads it at start-up; the same safe subset of YAML either way.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, faster."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader, C or Python


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(YAML head, Markdown body) of a content file, or None when it has no front matter."""
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        return None
    head, body = text[4:].split("\n---\n", 1)
    return head, body
