"""Staff guides: guides/<name>.<locale>.md, pages for school staff that belong to no one module
(the incident flowchart, the curriculum alignment notes). Loaded and rendered once with the lessons."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import yaml
from markupsafe import Markup
from pydantic import Field, ValidationError

from app.content.render import (
    FRONT_MATTER_PROBLEM,
    ContentProblem,
    load_yaml,
    pydantic_problems,
    split_front_matter,
    to_html,
    yaml_problem,
)
from app.content.schemas import LOCALES, SLUG, Strict

GUIDES_DIR = "guides"


class Problems(Protocol):
    """Where loading reports what is wrong (the loader's collector)."""

    lines: list[str]

    def add(self, path: Path, field_: str, problem: str) -> None: ...

    def add_all(self, path: Path, problems: list[ContentProblem]) -> None: ...


class GuideMeta(Strict):
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=400)
    order: int = Field(ge=0)
    # "flowchart" draws the page's ordered lists as boxes joined by arrows and fits it on one printed page.
    layout: Literal["page", "flowchart"] = "page"


@dataclass
class GuidePage:
    meta: GuideMeta
    html: Markup


@dataclass
class StaffGuide:
    name: str
    pages: dict[str, GuidePage]  # locale -> page

    def page(self, locale: str) -> GuidePage:
        return self.pages.get(locale) or self.pages["en"]

    @property
    def order(self) -> int:
        return self.pages["en"].meta.order

    @property
    def layout(self) -> str:
        return self.pages["en"].meta.layout


def load_guides(root: Path, out: Problems) -> list[StaffGuide]:
    """Every guide under root/guides, in both languages or neither; problems go to `out` (the
    loader's collector). No guides folder means no guides: a school may run without them."""
    directory = root / GUIDES_DIR
    names = sorted({p.name.split(".")[0] for p in directory.glob("*.md")}) if directory.is_dir() else []
    guides = []
    for name in names:
        guide = _load_guide(directory, name, out)
        if guide is not None:
            guides.append(guide)
    return sorted(guides, key=lambda g: (g.order, g.name))


def _load_guide(directory: Path, name: str, out: Problems) -> StaffGuide | None:
    paths = {locale: directory / f"{name}.{locale}.md" for locale in LOCALES}
    before = len(out.lines)
    if re.fullmatch(SLUG, name) is None:
        out.add(
            directory / f"{name}.en.md", "(file)", f"guide name {name!r} must be lower-case words joined by hyphens"
        )
    present = [locale for locale, path in paths.items() if path.exists()]
    pages = {}
    for locale, path in paths.items():
        if locale not in present:
            others = ", ".join(paths[p].name for p in present)
            out.add(path, "(file)", f"missing: {others} exists, so this language is needed too (or remove both)")
            continue
        page = _load_page(path, out)
        if page is not None:
            pages[locale] = page
    if len(pages) == len(LOCALES):
        en, ko = pages["en"].meta, pages["ko"].meta
        for field_ in ("order", "layout"):
            if getattr(en, field_) != getattr(ko, field_):
                out.add(
                    paths["ko"], f"front matter: {field_}", f"differs from {paths['en'].name} ({getattr(en, field_)!r})"
                )
    if len(out.lines) > before:
        return None
    return StaffGuide(name=name, pages=pages)


def _load_page(path: Path, out: Problems) -> GuidePage | None:
    text = path.read_text(encoding="utf-8")
    parts = split_front_matter(text)
    if parts is None:
        out.add(path, "front matter", FRONT_MATTER_PROBLEM)
        return None
    head, body = parts
    try:
        meta = GuideMeta.model_validate(load_yaml(head) or {})
    except yaml.YAMLError as exc:
        out.add(path, "front matter", yaml_problem(exc))
        return None
    except ValidationError as exc:
        out.add_all(path, pydantic_problems(exc, prefix="front matter"))
        return None
    if not body.strip():
        out.add(path, "body", "is empty")
        return None
    return GuidePage(meta=meta, html=to_html(body))
