"""Access rules and response headers that hold on every page."""

import logging
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required
from sqlalchemy import Integer, bindparam, select

from app.extensions import csrf, db
from app.models import Classroom, Invite, User
from app.prepared import prepared

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def role_required(*roles: str):
    """Logged in and holding one of `roles`; anyone else gets 403 (anonymous users go to login)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_csrf_token() -> None:
    """In a view exempt from the global CSRF check because only some of its requests need the
    token: check it for this one (a missing or wrong token ends the request with a 400)."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


@prepared((Classroom,), (User,), (Invite,))
def _scoped_statement(model):
    """Built once per model: every class page, and the admin's people and invitation pages, load their
    object this way."""
    return select(model).where(
        model.id == bindparam("object_id", type_=Integer), model.school_id == bindparam("school_id", type_=Integer)
    )


def school_scoped_or_404(model, object_id, *criteria):
    """The one way to load school data by id: another school's object is indistinguishable
    from a missing one."""
    stmt = _scoped_statement(model)
    obj = db.session.scalar(stmt.where(*criteria), {"object_id": object_id, "school_id": current_user.school_id})
    if obj is None:
        abort(404)
    return obj


EVERY_RESPONSE = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def set_security_headers(response):
    headers = response.headers
    # One look at what the view already set, not one scan of the headers per header added.
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(name, value) for name, value in EVERY_RESPONSE if name.lower() not in present])
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages for a signed-in user hold school data: never keep them in a shared cache.
    if current_user and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    if is_report_path(request.path):
        # Nothing of a report may linger in a cache or leak to the next site visited.
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "no-referrer"
    return response


def is_report_path(path: str) -> bool:
    return path == "/report" or path.startswith("/report/")


class _ReportLogFilter(logging.Filter):
    """Drops access-log lines for report pages (they carry the client's address) and the rate
    limiter's breach lines (they carry it too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "/report" not in message and "ratelimit" not in message.lower()


def keep_reports_out_of_logs() -> None:
    report_filter = _ReportLogFilter()
    for name in ("werkzeug", "flask-limiter", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ReportLogFilter) for f in logger.filters):
            logger.addFilter(report_filter)
