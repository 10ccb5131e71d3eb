"""Encryption of report text at rest and the receipt code. The keys live in configuration,
never in the database, so a database dump alone reveals no report and opens none."""

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys = current_app.config["REPORT_KEYS"]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(text: str | None) -> str | None:
    if text is None or text == "":
        return None
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise RuntimeError(
            "a report could not be decrypted: is REPORT_KEYS missing the key it was written with?"
        ) from None


def rotate(token: str | None) -> str | None:
    """Re-encrypt with the first (newest) key; old keys can then be retired."""
    if token is None:
        return None
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def new_receipt() -> str:
    """16 random digits: the reporter's only way back to their report."""
    return f"{secrets.randbelow(10**16):016d}"


def format_receipt(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, 16, 4))


def normalize_receipt(text: str) -> str | None:
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    return digits if len(digits) == 16 else None


def keyed_hash(value: str) -> str:
    secret = current_app.config["RECEIPT_SECRET"].encode("utf-8")
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
