"""Time-based one-time codes (RFC 6238) via pyotp, with replay protection."""

import hmac
import re
import time

import pyotp
import segno

from app.models import User
from app.models.base import utcnow

ISSUER = "Dari"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.login_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    # Inline SVG: no image request, nothing leaves the page.
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1a1a1a", light="#ffffff", title="QR")


def normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str, after_step: int | None, now: float | None = None) -> int | None:
    """The time step the code belongs to (±1 step for clock drift), if it was not used before."""
    code = normalize(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now or time.time()) // totp.interval)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(user: User, code: str) -> bool:
    step = matching_step(user.totp_secret or "", code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor on if the code proves the app is set up; returns new recovery codes."""
    step = matching_step(secret, code, None)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    return user.new_recovery_codes()


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes = []
