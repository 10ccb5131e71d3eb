"""Rate limiting only where a limit is set.

Flask-Limiter works out on every request which limits apply to it, even where none ever does (every
page read: the limits here are on logins, joining and reports). That costs more than serving a
cached public page (app.page_cache). Which limits apply depends only on the endpoint and method, so
each worker asks once per pair and lets the requests of a pair that no limit names skip the check."""

from flask import Flask, current_app, request
from flask_limiter.util import get_qualified_name

from app.extensions import limiter


def _limited(endpoint: str, method: str) -> bool:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's proxy
    view = app.view_functions.get(endpoint)
    manager = limiter.limit_manager
    defaults, decorated = manager.resolve_limits(
        app, endpoint, request.blueprint, get_qualified_name(view) if view else "", in_middleware=False
    )
    limits = [*manager.application_limits, *defaults, *decorated]
    return any(not limit.methods or method.lower() in limit.methods for limit in limits)


def no_limit_applies() -> bool:
    """Flask-Limiter's request filter: True lets this request skip every limit."""
    if request.endpoint is None:
        return False
    known: dict[tuple[str, str], bool] = current_app.extensions.setdefault("dari_unlimited", {})
    key = (request.endpoint, request.method)
    if key not in known:
        known[key] = not _limited(*key)
    return known[key]


def init_app(app: Flask) -> None:
    limiter.init_app(app)


# Once per process: the one Limiter object serves every app (the tests make many).
limiter.request_filter(no_limit_applies)
