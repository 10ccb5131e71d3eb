"""A Korean page shows no English UI text: every page of the tour (tests/page_tour.py) is read as a
user would read it, and any English phrase or untranslated catalogue string in it fails the test.
The catalogue test (test_i18n.py) finds strings with no translation; this one also finds strings
that never went through gettext at all."""

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from tests.page_tour import tour

KO_PO = Path(__file__).resolve().parent.parent / "app/translations/ko/LC_MESSAGES/messages.po"
# Text that is English in Korean pages on purpose: names of things, typed codes, the language switch.
ALLOWED = re.compile(
    r"https?://\S+|[\w.+-]+@[\w.-]+|\bTOUR\b|Take It Down|Google Authenticator|Microsoft Authenticator"
    r"|1Password|CSV|UTF-8|Excel|Esc|QR"
)
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,})+\b")
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
SKIP_TAGS = {"script", "style", "code", "title"}


class VisibleText(HTMLParser):
    """Text a user sees or hears, outside elements marked as another language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = tag in SKIP_TAGS or (attrs.get("lang") not in (None, "ko"))
        if not (skipped or self.skipping):
            self.texts += [attrs[a] for a in READ_ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in ("input", "meta", "link", "br", "img", "hr", "source"):
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def english_in(html: str, untranslated: set[str]) -> list[str]:
    parser = VisibleText()
    body = html.split("<body", 1)[-1]
    parser.feed(body.split(">", 1)[-1] if "<body" in html else body)
    found = []
    for text in parser.texts:
        if text in untranslated or ENGLISH_PHRASE.search(ALLOWED.sub(" ", text)):
            found.append(text)
    return found


def _untranslated_ids() -> set[str]:
    """English msgids whose Korean is missing, so gettext would show the English."""
    with KO_PO.open("rb") as f:
        catalog = read_po(f)
    return {m.id for m in catalog if m.id and isinstance(m.id, str) and (not m.string or m.fuzzy)}


def test_the_checker_catches_english_on_a_korean_page():
    page = (
        '<body><main><h1>과제</h1><p>Print the cards</p><button aria-label="Close menu">×</button>'
        '<button lang="en">English</button><code>tiger42</code></main></body>'
    )
    assert english_in(page, set()) == ["Print the cards", "Close menu"]
    assert english_in("<body><p>Print</p></body>", {"Print"}) == ["Print"]


def test_korean_pages_have_no_english_ui_text(app):
    untranslated = _untranslated_ids()
    problems = []
    for url, html in tour(app, "ko"):
        assert '<html lang="ko">' in html, url
        problems += [f"{url}: {text!r}" for text in english_in(html, untranslated)]
    assert not problems, 'English on Korean pages (translate it, or mark it lang="en"):\n' + "\n".join(problems)
