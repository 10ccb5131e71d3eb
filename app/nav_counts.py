"""Counts in the navigation (a student's modules to do, a counselor's reports needing attention),
kept a short time per person in each worker instead of being counted again on every page.

A count is the same on every page a person clicks through, and counting it cost more than the rest
of a lesson page. Each worker keeps it NAV_COUNT_SECONDS per person. What the person did themselves
shows at once, whichever worker serves the next page: every request of theirs that may write bumps a
number in their session cookie, and that number is part of the key. Other people's changes (a new
assignment, a new report) show within NAV_COUNT_SECONDS."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request, session
from flask_login import current_user

from app.transactions import SAFE_METHODS, may_write

T = TypeVar("T")
STAMP = "nav_stamp"
MAX_ENTRIES = 20_000  # per worker; past it the cache starts afresh rather than grow


def _cache() -> dict[tuple, tuple[float, Any]]:
    return current_app.extensions.setdefault("dari_nav_counts", {})


def _writing() -> bool:
    return request.method not in SAFE_METHODS or may_write()


def _key(name: str) -> tuple:
    return (name, current_user.id, session.get(STAMP, 0))


def per_person(name: str, compute: Callable[[], T]) -> T:
    """`compute()` for the current user, or what it gave on an earlier page within NAV_COUNT_SECONDS."""
    cached = _cache().get(_key(name))
    fresh_for = current_app.config.get("NAV_COUNT_SECONDS", 30)
    if cached is not None and time.monotonic() - cached[0] < fresh_for and not _writing():
        return cached[1]
    value = compute()
    if value is not None:  # None: it could not be counted (the badge is left out); try again next page
        remember(name, value)
    return value


def remember(name: str, value: Any) -> None:
    """Store a count for the current user (also one the page computed anyway: the home page lists
    every module to do)."""
    cache = _cache()
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[_key(name)] = (time.monotonic(), value)


def _bump_after_writing(response: Response) -> Response:
    """After a request of theirs that may have changed a count (a POST that redirects shows no
    navigation), the next page, in any worker, counts afresh."""
    if _writing() and current_user.is_authenticated:
        session[STAMP] = session.get(STAMP, 0) % 1_000_000 + 1
    return response


def init_app(app: Flask) -> None:
    app.after_request(_bump_after_writing)
