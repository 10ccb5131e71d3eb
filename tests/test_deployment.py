"""What a real deployment adds: a reverse proxy, several workers sharing Redis, a health check and
the scheduler. Redis and PostgreSQL are the machine's own; without them these tests skip (and CI,
which has them, fails on a skip)."""

import socket
import uuid

import pytest
from sqlalchemy import text as sql

from app import create_app
from app.extensions import db
from app.models import Role
from config import ProductionConfig
from conftest import (
    REPORT_WHAT as WHAT,
    TEST_DATABASE_URL,
    Factory,
    make_app,
    receipt_of,
    report_hidden_fields,
    send_report as send,
    start_report as start,
)

REDIS_URL = "redis://127.0.0.1:6379/15"


def text(response) -> str:
    return response.get_data(as_text=True)


def redis_or_skip():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report_from(client, address: str | None, remote: str = "127.0.0.1"):
    """File one report as the proxy would forward it: from the proxy's address, naming the client."""
    environ = {"REMOTE_ADDR": remote}
    headers = {"X-Forwarded-For": address} if address else {}
    page = client.post(
        "/report",
        data={"stage": "start", "school": "ALPHA", "category": "bullying"},
        environ_base=environ,
        headers=headers,
    ).get_data(as_text=True)
    data = {
        "stage": "details",
        **report_hidden_fields(page),
        "affected": "me",
        "what": WHAT,
        "consent_parents": "no",
        "consent_police": "no",
        "website": "",
    }
    return client.post("/report", data=data, environ_base=environ, headers=headers)


# --- behind a reverse proxy ---------------------------------------------------------------------
def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(app_factory):
    app = app_factory(REPORT_RATE_LIMIT="2 per minute", TRUSTED_PROXY_COUNT=0)
    Factory(app).school("ALPHA")
    client = app.test_client()
    statuses = [report_from(client, f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]  # one client forging three addresses is still one client


def test_behind_one_proxy_each_reporter_has_their_own_limit(app_factory):
    app = app_factory(REPORT_RATE_LIMIT="2 per minute", TRUSTED_PROXY_COUNT=1)
    Factory(app).school("ALPHA")
    client = app.test_client()
    # Many students, one proxy address: none is refused because of the others.
    assert [report_from(client, f"198.51.100.{n}").status_code for n in range(6)] == [200] * 6
    # One student sending more than the limit is refused, and keeps what they wrote.
    assert report_from(client, "203.0.113.5").status_code == 200
    assert report_from(client, "203.0.113.5").status_code == 200
    refused = report_from(client, "203.0.113.5")
    assert refused.status_code == 429 and WHAT in text(refused)


def test_only_the_last_hop_counts_when_a_client_forges_the_header(app_factory):
    """nginx appends the real address to whatever the client sent: the forged part is ignored."""
    app = app_factory(REPORT_RATE_LIMIT="2 per minute", TRUSTED_PROXY_COUNT=1)
    Factory(app).school("ALPHA")
    client = app.test_client()
    statuses = [report_from(client, f"10.0.0.{n}, 203.0.113.9").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


def test_hsts_is_sent_when_the_trusted_proxy_says_https(app_factory):
    trusting = app_factory(TRUSTED_PROXY_COUNT=1).test_client()
    response = trusting.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in trusting.get("/").headers
    untrusting = app_factory(TRUSTED_PROXY_COUNT=0).test_client()
    assert "Strict-Transport-Security" not in untrusting.get("/", headers={"X-Forwarded-Proto": "https"}).headers


# --- production configuration -------------------------------------------------------------------
@pytest.fixture
def production(monkeypatch):
    """A production configuration that would start, for tests to take one thing away from."""
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://dari@127.0.0.1:1/dari")
    monkeypatch.setattr(ProductionConfig, "REPORT_KEYS", ["n9qUuqYVJQ4Gf3C9dnqXb7Z9xX0Cj8wJcXc0M8J0Z2Y="])
    monkeypatch.setattr(ProductionConfig, "RECEIPT_SECRET", "r" * 40)
    monkeypatch.setattr(ProductionConfig, "TRUSTED_PROXY_COUNT", 1)
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", REDIS_URL)
    return monkeypatch


def test_production_starts_with_a_proxy_setting_and_redis(production):
    app = create_app(ProductionConfig)
    assert app.config["TRUSTED_PROXY_COUNT"] == 1
    assert "lock_timeout" in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]


def test_production_connections_plan_for_a_database_in_memory(production):
    options = create_app(ProductionConfig).config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert "-c random_page_cost=1.1" in options
    production.setattr(ProductionConfig, "DB_RANDOM_PAGE_COST", "")  # a school's DBA tuned the server
    options = create_app(ProductionConfig).config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert "random_page_cost" not in options
    assert "lock_timeout" in options


@pytest.mark.parametrize("value", ["fast", "0", "-1", "inf", "1.1; DROP TABLE users"])
def test_production_refuses_to_start_with_a_page_cost_postgresql_would_refuse(production, value):
    production.setattr(ProductionConfig, "DB_RANDOM_PAGE_COST", value)
    with pytest.raises(RuntimeError, match="DB_RANDOM_PAGE_COST"):
        create_app(ProductionConfig)


def test_the_suites_database_gets_the_page_cost_on_every_connection(app):
    """On PostgreSQL (CI's second run) the setting reaches the server; SQLite takes no options."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(sql("SHOW random_page_cost")).scalar() == "1.1"
        else:
            assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_production_refuses_to_start_without_saying_how_many_proxies(production):
    production.setattr(ProductionConfig, "TRUSTED_PROXY_COUNT", None)
    with pytest.raises(RuntimeError, match="TRUSTED_PROXY_COUNT"):
        create_app(ProductionConfig)


@pytest.mark.parametrize("uri", ["memory://", "memcached://127.0.0.1:11211"])
def test_production_refuses_to_start_with_limits_each_worker_keeps_alone(production, uri):
    production.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", uri)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(ProductionConfig)


def test_a_proxy_count_that_is_not_a_number_is_named(monkeypatch):
    import config

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "one")
    with pytest.raises(RuntimeError, match="TRUSTED_PROXY_COUNT must be a whole number"):
        config._env_int("TRUSTED_PROXY_COUNT")


# --- several workers, one Redis -----------------------------------------------------------------
def test_two_workers_share_one_limit_through_redis(app_factory, tmp_path):
    redis_or_skip()
    settings = {
        "REPORT_RATE_LIMIT": "2 per minute",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"dari-test-{uuid.uuid4().hex}",
        "TRUSTED_PROXY_COUNT": 1,
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'workers.db'}",
    }
    first, second = app_factory(**settings), app_factory(**settings)  # two processes' worth of app
    Factory(first).school("ALPHA")
    one, two = first.test_client(), second.test_client()
    assert report_from(one, "203.0.113.20").status_code == 200
    assert report_from(one, "203.0.113.20").status_code == 200
    # The other worker knows: this reporter has used up the limit.
    assert report_from(two, "203.0.113.20").status_code == 429


def test_a_report_goes_through_while_the_limiters_redis_is_down(app_factory):
    app = app_factory(REPORT_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    Factory(app).school("ALPHA")
    client = app.test_client()
    page = text(start(client))
    response = send(client, page)
    assert response.status_code == 200 and receipt_of(response)


def test_logins_do_not_fail_while_the_limiters_redis_is_down(app_factory):
    app = app_factory(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().post("/login", data={"school_code": "X", "username": "a", "password": "b"})
    assert response.status_code == 422  # the form answers; the limiter's outage is not the user's problem


# --- health check and scheduler -----------------------------------------------------------------
def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers


def test_healthz_says_unavailable_when_the_database_does_not(tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no-such-dir' / 'dari.db'}")  # cannot be opened
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_the_scheduler_delivers_alerts_escalates_and_purges_in_one_round(app_factory, smtp_server):
    app = app_factory(MAIL_PORT=smtp_server.port)
    factory = Factory(app)
    factory.user(factory.school("GAMMA"), Role.COUNSELOR)
    client = app.test_client()
    page = client.post("/report", data={"stage": "start", "school": "GAMMA", "category": "bullying"}).get_data(
        as_text=True
    )
    send(client, page)  # one report, one counselor: one alert waiting in the outbox
    result = app.test_cli_runner().invoke(args=["schedule", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1 escalated 0 purged 0"
    [mail] = smtp_server.wait_for(1)
    assert mail.message["Message-ID"].startswith("<dari.")


def test_a_failing_job_does_not_stop_the_others(app_factory):
    """The mail server is down: delivery fails, escalation and purge still run."""
    app = app_factory()
    with app.app_context():
        from app.scheduler import run_round

        done = run_round(purge=True)
    assert done == {"sent": 0, "escalated": 0, "purged": 0}


def test_a_reporter_can_open_their_report_while_the_limiters_redis_is_down(app_factory):
    app = app_factory(FOLLOWUP_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    Factory(app).school("ALPHA")
    client = app.test_client()
    receipt = receipt_of(send(client, text(start(client))))
    response = client.post("/report/follow-up", data={"code": receipt})
    assert response.status_code == 303  # the report opens; the limiter's outage is not the reporter's problem
