"""Configuration. Everything that differs between machines comes from environment variables."""

import os
import secrets
from pathlib import Path
from typing import Any, ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("DARI_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def development_secret(name: str, fernet: bool = False) -> str:
    """A secret generated once into instance/ so development restarts keep sessions and reports."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        if fernet:
            from cryptography.fernet import Fernet

            path.write_text(Fernet.generate_key().decode())
        else:
            path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _env_int(name: str, default: int | None = None) -> int | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}.") from None


def check_operations(config: dict) -> None:
    """Refuse settings that would silently mean something else (README, "Operations")."""
    minutes = config.get("URGENT_ACK_MINUTES")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise RuntimeError(
            f"URGENT_ACK_MINUTES must be a whole number of minutes, at least 1 (it is {minutes!r}): "
            "it is how long an urgent report may wait unacknowledged before everyone is alerted again."
        )
    claim, timeout = config.get("OUTBOX_CLAIM_SECONDS"), float(config.get("MAIL_TIMEOUT") or 0)
    if not isinstance(claim, (int, float)) or claim < 4 * timeout:
        raise RuntimeError(
            f"OUTBOX_CLAIM_SECONDS ({claim!r}) must be at least 4 x MAIL_TIMEOUT ({timeout:g}): a claim on an "
            "alert must outlast one send, or a slow send could be taken over and the alert sent twice."
        )


SHARED_LIMITER_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "valkey://", "valkeys://")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'dari.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    # How long one database write waits for a lock before that attempt fails and is retried
    # (app/transactions.py): SQLite's busy_timeout, PostgreSQL's lock_timeout.
    DB_LOCK_TIMEOUT_MS = int(os.environ.get("DB_LOCK_TIMEOUT_MS", "5000"))
    # PostgreSQL's planner cost of a random page read, for Dari's own connections. The server's
    # default (4) assumes spinning disks, and with it a class's pages scanned every student of the
    # school instead of looking up the class's few (app/transactions.py). Empty: the server's own.
    DB_RANDOM_PAGE_COST = os.environ.get("DB_RANDOM_PAGE_COST", "1.1")

    LANGUAGES = ("en", "ko")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Prefix of every rate-limit key, so several sites (or runs) can share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    # If the limiter's storage is down, let requests through (and log) rather than answer 500.
    RATELIMIT_SWALLOW_ERRORS = True
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host. 0: none, so
    # those headers are ignored (a client could forge them). Production must say (see README).
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT")
    # Set explicitly: Flask-Limiter otherwise keeps whatever the previously initialised app had.
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4
    MAX_CONTENT_LENGTH = 256 * 1024

    INVITE_TTL_HOURS = int(os.environ.get("INVITE_TTL_HOURS", "72"))
    MAX_FAILED_LOGINS = int(os.environ.get("MAX_FAILED_LOGINS", "5"))
    LOCKOUT_MINUTES = int(os.environ.get("LOCKOUT_MINUTES", "15"))
    # argon2id parameters (argon2-cffi defaults: RFC 9106 low-memory profile)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536

    # Report encryption: comma-separated Fernet keys, newest first (see README, "Report keys").
    REPORT_KEYS: ClassVar[list[str]] = [k.strip() for k in os.environ.get("REPORT_KEYS", "").split(",") if k.strip()]
    RECEIPT_SECRET = os.environ.get("RECEIPT_SECRET")
    # At least 1 (checked at start-up): 0 would alert everyone again on every escalation run.
    URGENT_ACK_MINUTES = _env_int("URGENT_ACK_MINUTES", 15)
    REPORT_RATE_LIMIT = os.environ.get("REPORT_RATE_LIMIT", "5 per 10 minutes; 20 per day")
    # The same report form sent again within this time of being opened shows the same receipt
    # (a double click, a refresh, a retry); later it shows only that it was sent.
    REPORT_REPEAT_WINDOW_MINUTES = int(os.environ.get("REPORT_REPEAT_WINDOW_MINUTES", "120"))
    # The reporter's follow-up page: closes after this many idle minutes; receipt codes tried per
    # network address (every attempt counts); each attempt takes at least this long, found or not.
    FOLLOWUP_IDLE_MINUTES = int(os.environ.get("FOLLOWUP_IDLE_MINUTES", "15"))
    FOLLOWUP_RATE_LIMIT = os.environ.get("FOLLOWUP_RATE_LIMIT", "10 per 10 minutes")
    FOLLOWUP_DELAY_SECONDS = float(os.environ.get("FOLLOWUP_DELAY_SECONDS", "1.0"))
    # Links in emails are built from this, since the outbox is delivered outside any request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Dari <no-reply@dari.local>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # How long a deliverer's claim on an alert lasts; after a crash another takes it over then.
    # It must outlast one send (MAIL, RCPT, DATA, each up to MAIL_TIMEOUT) and is checked so.
    OUTBOX_CLAIM_SECONDS = _env_int("OUTBOX_CLAIM_SECONDS", 60)
    # Deliver a new report's alerts right after the request commits, in a background thread.
    OUTBOX_DELIVER_AFTER_REQUEST = True
    # Item analysis names a most-missed question or a likely misconception only once this many
    # students have answered the question at their first attempt.
    ITEM_ANALYSIS_MIN_ANSWERS = int(os.environ.get("ITEM_ANALYSIS_MIN_ANSWERS", "5"))
    # How long each worker keeps a page that is the same for every visitor not logged in
    # (app/page_cache.py): the landing page, help lines, the first report page.
    PUBLIC_PAGE_SECONDS = float(os.environ.get("PUBLIC_PAGE_SECONDS", "60"))
    # Folder holding lessons/ and quizzes/; read once at start-up.
    CONTENT_ROOT = os.environ.get("CONTENT_ROOT", str(BASE_DIR))
    # The page quick-exit leaves for; neutral on purpose.
    QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.google.com/")
    TESTING = False
    DEMO = False

    @classmethod
    def finalize(cls, config: dict) -> None:
        """Fill what must exist; development gets generated keys in instance/."""
        check_operations(config)
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = development_secret("secret_key")
        if not config.get("REPORT_KEYS"):
            config["REPORT_KEYS"] = [development_secret("report_key", fernet=True)]
        if not config.get("RECEIPT_SECRET"):
            config["RECEIPT_SECRET"] = development_secret("receipt_secret")
        if config.get("TRUSTED_PROXY_COUNT") is None:
            config["TRUSTED_PROXY_COUNT"] = 0


class DevelopmentConfig(Config):
    DEMO = True


class TestConfig(Config):
    TESTING = True
    DEMO = True  # `flask demo` is tested; tests of its refusal turn this off
    SECRET_KEY = "test-secret-key"  # noqa: S105 - the test configuration's own throwaway values
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # Cheap hashing keeps the suite fast; production parameters are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SERVER_NAME = None
    # Small fixture modules keep engine tests independent of the curriculum; tests of the real
    # curriculum point CONTENT_ROOT at the repository.
    CONTENT_ROOT = str(BASE_DIR / "tests" / "content" / "valid")
    REPORT_KEYS: ClassVar[list[str]] = ["n9qUuqYVJQ4Gf3C9dnqXb7Z9xX0Cj8wJcXc0M8J0Z2Y="]
    RECEIPT_SECRET = "test-receipt-secret"  # noqa: S105 - as above
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # nothing listens: tests that send mail start an SMTP server and set the port
    MAIL_TIMEOUT = 2.0
    OUTBOX_DELIVER_AFTER_REQUEST = False  # tests deliver explicitly, or turn it on
    PUBLIC_BASE_URL = "http://dari.test"
    FOLLOWUP_DELAY_SECONDS = 0.0
    TRUSTED_PROXY_COUNT = 0
    DB_WRITE_GUARD = True  # a GET view that writes without @writes_on_get fails its test


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def finalize(cls, config: dict) -> None:
        check_operations(config)
        key = config.get("SECRET_KEY") or ""
        if len(key) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set to a random value of at least 32 characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise RuntimeError("ProductionConfig needs DATABASE_URL pointing at PostgreSQL.")
        if not config.get("REPORT_KEYS") or not config.get("RECEIPT_SECRET"):
            raise RuntimeError(
                "ProductionConfig needs REPORT_KEYS (Fernet keys, comma-separated, newest first) and "
                "RECEIPT_SECRET set; keep them outside the database and back them up."
            )
        proxies = config.get("TRUSTED_PROXY_COUNT")
        if proxies is None or proxies < 0:
            raise RuntimeError(
                "ProductionConfig needs TRUSTED_PROXY_COUNT: the number of reverse proxies in front of Dari "
                "that set X-Forwarded-For (1 for one nginx or Caddy; 0 if clients connect directly). Without it "
                "every reporter seems to come from the proxy's address and shares one rate limit."
            )
        if not config["RATELIMIT_STORAGE_URI"].startswith(SHARED_LIMITER_SCHEMES):
            raise RuntimeError(
                "ProductionConfig needs RATELIMIT_STORAGE_URI pointing at Redis (e.g. redis://127.0.0.1:6379/0), "
                "so that every worker process counts against the same limits."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}
