"""Both languages are complete, and each page picks the language the user expects."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.extensions import db
from app.models import Role, User
from conftest import login

ROOT = Path(__file__).resolve().parent.parent
KO_PO = ROOT / "app/translations/ko/LC_MESSAGES/messages.po"


def lang_of(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_accept_language_chooses_korean(client):
    response = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert lang_of(response) == "ko"
    assert "지금 도움받기" in response.get_data(as_text=True)


def test_no_preference_means_english(client):
    assert lang_of(client.get("/")) == "en"


def test_query_parameter_beats_accept_language(client):
    assert lang_of(client.get("/?lang=ko", headers={"Accept-Language": "en"})) == "ko"
    assert lang_of(client.get("/?lang=xx", headers={"Accept-Language": "en"})) == "en"


def test_switcher_is_remembered_for_a_visitor(client):
    response = client.post("/language", data={"lang": "ko", "next": "/help"})
    assert response.headers["Location"] == "/help"
    assert lang_of(client.get("/help", headers={"Accept-Language": "en"})) == "ko"


def test_saved_choice_beats_everything_and_follows_the_user(app, factory):
    school = factory.school(locale="ko")
    teacher = factory.user(school, Role.TEACHER)
    client = app.test_client()
    login(client, teacher)
    client.post("/language", data={"lang": "en"})
    with app.app_context():
        assert db.session.get(User, teacher.id).locale == "en"
    other_device = app.test_client()
    login(other_device, teacher)
    assert lang_of(other_device.get("/?lang=ko", headers={"Accept-Language": "ko"})) == "en"


def test_school_default_applies_when_the_browser_says_nothing(app, factory):
    school = factory.school(locale="ko")
    student = factory.user(school, Role.STUDENT)
    client = app.test_client()
    login(client, student)
    assert lang_of(client.get("/")) == "ko"


def test_visitor_choice_is_kept_as_the_users_choice_after_login(app, factory):
    school = factory.school(locale="en")
    student = factory.user(school, Role.STUDENT)
    client = app.test_client()
    client.post("/language", data={"lang": "ko"})
    login(client, student)
    assert lang_of(client.get("/")) == "ko"
    client.post("/logout")
    assert lang_of(client.get("/")) == "ko"  # logging out does not reset the language


def test_help_lines_follow_the_language(client):
    korean = client.get("/help", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    for number in ("112", "117", "1366", "02-735-8994", "1388"):
        assert number in korean
    assert "디지털성범죄피해자지원센터" in korean
    english = client.get("/help", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Take It Down" in english and "1-800-843-5678" in english


def test_error_messages_are_translated(client, factory):
    school = factory.school()
    factory.user(school, Role.STUDENT)
    response = client.post(
        "/login",
        data={"school_code": school.code, "username": "nobody", "password": "x"},
        headers={"Accept-Language": "ko"},
    )
    assert "학교 코드, 아이디, 비밀번호가 맞지 않아요" in response.get_data(as_text=True)
    assert (
        "페이지를 찾을 수 없어요" in client.get("/nope", headers={"Accept-Language": "ko"}).get_data(as_text=True)
        or lang_of(client.get("/nope", headers={"Accept-Language": "ko"})) == "ko"
    )


def _source_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every UI string: one msgid in two contexts needs two translations."""
    method_map = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "pgettext": ((1, "c"), 2),
    }
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def test_korean_catalogue_covers_every_ui_string():
    with KO_PO.open("rb") as f:
        catalog = read_po(f)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[(message.context, key)] = all(strings) and not message.fuzzy
    missing = sorted((m for m in _source_messages() if not translated.get(m)), key=str)
    assert not missing, f"untranslated for Korean (run `make extract-messages`): {missing}"
