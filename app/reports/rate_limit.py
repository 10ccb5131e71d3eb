"""Rate limits on the anonymous surface, counted per network address in the limiter's short-lived
storage only (never the database). Behind a proxy the address is the client's, as far as the
configured TRUSTED_PROXY_COUNT can tell (ProxyFix, in create_app).

A report is checked before it is stored but counted only once it is stored, so a report refused
for another reason (or sent twice) uses up nothing. If the limiter's storage is unreachable, a
report goes through: refusing a frightened person because Redis is down would be the worse failure.
"""

import logging

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from app.extensions import limiter

log = logging.getLogger(__name__)


def _items(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


def _scope(name: str) -> str:
    # The same prefix Flask-Limiter gives its own keys, so two sites can share one Redis.
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}{name}"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def allows_report() -> bool:
    if not _enabled():
        return True
    try:
        return all(
            limiter.limiter.test(item, _scope("report-submit"), get_remote_address())
            for item in _items("REPORT_RATE_LIMIT")
        )
    except Exception as exc:  # noqa: BLE001 - any storage failure: let the report through
        log.warning("rate limit storage unavailable (%s); report allowed", type(exc).__name__)
        return True


def count_report() -> None:
    if not _enabled():
        return
    try:
        for item in _items("REPORT_RATE_LIMIT"):
            limiter.limiter.hit(item, _scope("report-submit"), get_remote_address())
    except Exception as exc:  # noqa: BLE001 - the report is stored; a missed count is harmless
        log.warning("rate limit storage unavailable (%s); report not counted", type(exc).__name__)


def allows_followup_attempt() -> bool:
    """Every receipt code tried counts, right or wrong. With the limiter's storage down the attempt
    goes through: 16-digit codes and the padded delay still make guessing hopeless meanwhile."""
    if not _enabled():
        return True
    try:
        # Every limit is hit, even after one says no, so each window keeps counting the attempt.
        hits = [
            limiter.limiter.hit(item, _scope("report-followup"), get_remote_address())
            for item in _items("FOLLOWUP_RATE_LIMIT")
        ]
    except Exception as exc:  # noqa: BLE001 - any storage failure: let the reporter in
        log.warning("rate limit storage unavailable (%s); follow-up attempt allowed", type(exc).__name__)
        return True
    return all(hits)
