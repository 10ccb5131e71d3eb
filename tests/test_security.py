"""Headers on every response, CSRF, production settings, and failures that must not become 500s."""

import pytest
from sqlalchemy.exc import OperationalError

from app.models import Role
from config import ProductionConfig
from conftest import PASSWORD, csrf_token, login

PUBLIC_URLS = ["/", "/login", "/login/staff", "/help", "/report", "/does-not-exist", "/static/css/dari.css"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_headers_on_error_and_logged_in_pages(factory, as_user):
    school = factory.school()
    client = as_user(factory.user(school, Role.TEACHER))
    for response in (client.get("/account/"), client.get("/admin/"), client.post("/logout")):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert client.get("/").headers.get("Cache-Control") != "no-store"  # logged out now


def test_logged_in_pages_are_not_cached(factory, as_user):
    client = as_user(factory.user(factory.school(), Role.TEACHER))
    assert client.get("/account/").headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_other_sites(client):
    for url in ["/", "/login", "/help"]:
        page = client.get(url).get_data(as_text=True)
        assert "http://" not in page.replace("http://localhost", "")
        assert "https://" not in page
        assert "<script>" not in page and "style=" not in page  # CSP forbids inline code and styles


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def test_form_without_csrf_token_is_refused_with_a_clear_message(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"school_code": "A", "username": "b", "password": "c"})
    assert response.status_code == 400
    assert "This form was open too long or was changed outside the page" in response.get_data(as_text=True)


def test_tampered_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token[:-3] + "xyz", "school_code": "A", "username": "b", "password": "c"}
    )
    assert response.status_code == 400


def test_real_forms_carry_a_working_csrf_token(csrf_app):
    from conftest import Factory

    factory = Factory(csrf_app)
    teacher = factory.user(factory.school(), Role.TEACHER)
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login/staff").get_data(as_text=True))
    response = client.post("/login/staff", data={"csrf_token": token, "email": teacher.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 400  # a logout without the token does nothing
    assert client.post("/logout", data={"csrf_token": csrf_token(page)}).status_code == 302


@pytest.mark.parametrize("key", [None, "", "short-key"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    from app import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_sqlite(monkeypatch):
    from app import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite:///prod.db")
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    client.post("/language", data={"lang": "ko"})
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_development_secret_key_is_generated_once(tmp_path, monkeypatch):
    import config

    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.development_secret("secret_key")
    assert len(first) > 40 and config.development_secret("secret_key") == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_failure_shows_a_friendly_page_and_saves_nothing(app, client, factory, monkeypatch):
    from app.extensions import db

    school = factory.school()
    teacher = factory.user(school, Role.TEACHER)
    login(client, teacher)

    def broken_commit():
        raise OperationalError("COMMIT", {}, Exception("database is gone"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = client.post(
        "/account/password", data={"current": PASSWORD, "password": "a-brand-new-pass", "confirm": "a-brand-new-pass"}
    )
    assert response.status_code == 500
    assert "What you just did was not saved" in response.get_data(as_text=True)
    monkeypatch.undo()
    # The session was rolled back: the old password still works.
    assert (
        app.test_client().post("/login/staff", data={"email": teacher.email, "password": PASSWORD}).status_code == 302
    )


# Each malformed request gets the answer a person would expect, not merely "something below 500".
@pytest.mark.parametrize(
    "method,url,kwargs,status,location",
    [
        # Undecodable bodies: the login form comes back, asking again.
        ("post", "/login", {"data": "%%%", "content_type": "application/x-www-form-urlencoded"}, 422, None),
        ("post", "/login", {"data": b"\xff\xfe", "content_type": "multipart/form-data; boundary=x"}, 422, None),
        # An unknown language and an off-site `next` are ignored: back to our own front page.
        ("post", "/language", {"data": {"lang": "xx", "next": "//evil.example"}}, 302, "/"),
        # A protected page asks for a login first, keeping where the visitor was going.
        ("get", "/admin/?page=-5", {}, 302, "/login?next=%2Fadmin%2F%3Fpage%3D-5"),
        ("get", "/invite/" + "x" * 3000, {}, 404, None),
        # A two-step code with no password step before it starts the staff login again.
        ("post", "/login/verify", {"data": {"otp-code": "1" * 100}}, 302, "/login/staff"),
        ("put", "/login", {}, 405, None),
    ],
)
def test_malformed_requests_get_a_clear_answer(client, method, url, kwargs, status, location):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, response.status_code
    assert response.headers.get("Location") == location
    if status == 422:
        page = response.get_data(as_text=True)
        assert 'name="school_code"' in page and 'name="username"' in page


@pytest.mark.parametrize("page", ["-5", "abc", "0"])
def test_a_nonsense_page_number_shows_the_first_page(factory, as_user, page):
    admin = factory.user(factory.school(), Role.SCHOOL_ADMIN)
    response = as_user(admin).get(f"/admin/?page={page}")
    assert response.status_code == 200 and admin.display_name in response.get_data(as_text=True)


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not _redis_reachable(REDIS_URL), reason="no Redis at 127.0.0.1:6379")
def test_login_rate_limit_works_with_redis_storage(app_factory):
    import secrets

    import redis

    app = app_factory(RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_RATE_LIMIT="2 per minute")
    # A documentation-range address unique to this run, so runs a few seconds apart never share a count.
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    client = app.test_client()
    statuses = [
        client.post(
            "/login/staff", data={"email": "a@b.c", "password": "x"}, environ_base={"REMOTE_ADDR": address}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{address}*")
    assert keys, "the counter is not in Redis"


HUGE = str(2**64)  # past any database integer: Python accepts it, the driver raises OverflowError


@pytest.mark.parametrize(
    "role,method,url",
    [
        (Role.TEACHER, "get", f"/classes/{HUGE}"),
        (Role.TEACHER, "get", f"/classes/{HUGE}/dashboard"),
        (Role.TEACHER, "post", f"/classes/{HUGE}/students/1/reset-password"),
        (Role.TEACHER, "get", f"/classes/1/students/{HUGE}"),
        (Role.SCHOOL_ADMIN, "post", f"/admin/users/{HUGE}/deactivate"),
        (Role.SCHOOL_ADMIN, "post", f"/admin/users/{HUGE}/reset-password"),
        (Role.SCHOOL_ADMIN, "post", f"/admin/invites/{HUGE}/revoke"),
        (Role.COUNSELOR, "get", f"/counsel/reports/{HUGE}"),
        (Role.COUNSELOR, "post", f"/counsel/reports/{HUGE}/actions/1"),
        (Role.STUDENT, "get", f"/learn/sample-consent/quiz/attempts/{HUGE}"),
    ],
)
def test_huge_ids_in_urls_are_not_found(factory, as_user, role, method, url):
    client = as_user(factory.user(factory.school("ALPHA"), role))
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(
    "role,url", [(Role.SCHOOL_ADMIN, "/admin/"), (Role.SCHOOL_ADMIN, "/admin/audit"), (Role.COUNSELOR, "/counsel/")]
)
def test_huge_page_numbers_are_not_a_crash(factory, as_user, role, url):
    client = as_user(factory.user(factory.school("ALPHA"), role))
    assert client.get(f"{url}?page={HUGE}").status_code == 200


@pytest.mark.parametrize("school_id", [HUGE, "-1", "1e9", "０"])
def test_the_report_form_refuses_a_bad_school_id(client, factory, school_id):
    factory.school("ALPHA")
    response = client.post("/report", data={"stage": "continue", "school_id": school_id, "category": "other"})
    assert response.status_code == 400
    start = client.post(
        "/report", data={"stage": "start", "school": "Alpha", "school_id": school_id, "category": "other"}
    )
    assert start.status_code == 200  # the typed name still finds the school


def test_limits_hold_where_set_and_pages_without_one_skip_the_check(app_factory):
    from app.extensions import limiter
    from app.limits import no_limit_applies

    app = app_factory(RATELIMIT_ENABLED=True)

    @limiter.limit("2 per minute")
    def limited_read():
        return "ok"

    app.add_url_rule("/limited-read", view_func=limited_read)
    client = app.test_client()
    assert [client.get("/limited-read").status_code for _ in range(3)] == [200, 200, 429]
    with app.test_request_context("/help"):
        app.preprocess_request()
        assert no_limit_applies()
    with app.test_request_context("/login", method="POST"):
        app.preprocess_request()
        assert not no_limit_applies()
    with app.test_request_context("/limited-read"):
        app.preprocess_request()
        assert not no_limit_applies()


def test_a_signed_form_token_is_reused_within_one_session_only(csrf_app):
    from conftest import Factory

    factory = Factory(csrf_app)
    school = factory.school()
    first, second = (factory.user(school, Role.TEACHER) for _ in range(2))
    clients = []
    for teacher in (first, second):
        client = csrf_app.test_client()
        token = csrf_token(client.get("/login/staff").get_data(as_text=True))
        client.post("/login/staff", data={"csrf_token": token, "email": teacher.email, "password": PASSWORD})
        clients.append(client)
    mine, theirs = (csrf_token(c.get("/").get_data(as_text=True)) for c in clients)
    assert mine != theirs
    assert csrf_token(clients[0].get("/account/").get_data(as_text=True)) == mine  # kept, not signed again
    assert clients[0].post("/logout", data={"csrf_token": theirs}).status_code == 400
    assert clients[0].post("/logout", data={"csrf_token": mine}).status_code == 302
