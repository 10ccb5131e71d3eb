"""Configuration. Everything that differs between machines comes from environment variables."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("DARI_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def development_secret(name: str) -> str:
    """A secret generated once into instance/ so development restarts keep sessions valid."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'dari.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    LANGUAGES = ("en", "ko")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
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

    # Folder holding lessons/ and quizzes/; read once at start-up.
    CONTENT_ROOT = os.environ.get("CONTENT_ROOT", str(BASE_DIR))
    # The page quick-exit leaves for; neutral on purpose.
    QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.google.com/")
    TESTING = False
    DEMO = False

    @classmethod
    def finalize(cls, config: dict) -> None:
        """Fill what must exist; development gets a generated key in instance/."""
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = development_secret("secret_key")


class DevelopmentConfig(Config):
    DEMO = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
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


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def finalize(cls, config: dict) -> None:
        key = config.get("SECRET_KEY") or ""
        if len(key) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set to a random value of at least 32 characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise RuntimeError("ProductionConfig needs DATABASE_URL pointing at PostgreSQL.")


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}
