"""Password hashing with argon2id (argon2-cffi); parameters come from configuration."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 128


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


# Burned on unknown users so a wrong username takes as long as a wrong password.
_DUMMY: dict[str, str] = {}


def waste_time(password: str) -> None:
    key = f"{current_app.config['ARGON2_TIME_COST']}:{current_app.config['ARGON2_MEMORY_COST']}"
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password")
    check_password(_DUMMY[key], password)


# No 0/o, 1/l/i: these passwords are read off a screen or a printed card.
_EASY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(groups: int = 3, size: int = 4) -> str:
    import secrets

    return "-".join("".join(secrets.choice(_EASY_ALPHABET) for _ in range(size)) for _ in range(groups))
