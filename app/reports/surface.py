"""The anonymous surface (/report and below) keeps apart from the account session.

The account cookie is path "/", so browsers send it to /report too. Here it is never opened,
loaded or refreshed: report pages get a session of their own (a separate cookie, path /report,
holding only the CSRF token and a language choice), and the logged-in user is never loaded, so
nothing on this surface can tie a report to an account, and no account cookie is set in reply."""

import copy

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import AnonymousUserMixin
from itsdangerous import URLSafeTimedSerializer

from app.i18n import SESSION_KEY as LOCALE_KEY
from app.security import is_report_path

REPORT_SESSION_COOKIE = "dari_report"
REPORT_SESSION_PATH = "/report"


def on_report_surface() -> bool:
    return bool(request) and is_report_path(request.path)


class SurfaceSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a separate cookie (and signing salt) on report pages."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask builds a serializer twice a request (about a tenth of a cached page); it depends
        only on the keys and salt, so each is built once (every app has its own interface)."""
        salt = "dari.report-surface" if on_report_surface() else self.salt
        key = (salt, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if key not in self._serializers:
            self._serializers[key] = self._build_serializer(app, salt)
        return self._serializers[key]

    def _build_serializer(self, app: Flask, salt: str) -> URLSafeTimedSerializer | None:
        # On a copy: setting self.salt for a moment would give a thread serving an account page
        # at that moment the report surface's salt.
        with_salt = copy.copy(self)
        with_salt.salt = salt
        return SecureCookieSessionInterface.get_signing_serializer(with_salt, app)

    def get_cookie_name(self, app: Flask) -> str:
        return REPORT_SESSION_COOKIE if on_report_surface() else super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        return REPORT_SESSION_PATH if on_report_surface() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "Strict" if on_report_surface() else super().get_cookie_samesite(app)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        # Only when something changed: a report page never re-sends a cookie just to refresh it.
        return session.modified if on_report_surface() else super().should_set_cookie(app, session)


def remember_language(lang: str | None) -> None:
    """A language chosen on the report pages (the report session's own, not the account's)."""
    if lang in current_app.config["LANGUAGES"]:
        session[LOCALE_KEY] = lang


def _anonymous_on_report_surface() -> None:
    """Flask-Login loads the user lazily into g._login_user; setting it first means it never
    loads one here (and never runs its session checks against the report session)."""
    if on_report_surface():
        g._login_user = AnonymousUserMixin()


def init_app(app: Flask) -> None:
    app.session_interface = SurfaceSessionInterface()
    app.before_request_funcs.setdefault(None, []).insert(0, _anonymous_on_report_surface)
