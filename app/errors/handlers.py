"""Friendly error pages in the user's language; a failed request never leaves a half-done write."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.errors import bp
from app.extensions import db

MESSAGES = {
    400: (
        _l("Something in that request was not right"),
        _l("The page got something it could not use. Go back, reload the page and try again."),
    ),
    403: (
        _l("This page is not for your account"),
        _l("Your account does not have access to this page. If you think it should, ask your school admin."),
    ),
    404: (_l("We could not find that page"), _l("The address may be mistyped, or the page may have been removed.")),
    405: (
        _l("Something in that request was not right"),
        _l("That page cannot be used this way. Go back and try again."),
    ),
    410: (_l("This link no longer works"), _l("Ask for a new link.")),
    413: (_l("That was too much to send at once"), _l("Shorten what you wrote and try again.")),
    429: (_l("Please wait a moment"), _l("There were too many tries in a short time. Wait a minute, then try again.")),
    500: (_l("Something went wrong on our side"), _l("What you just did was not saved. Please try again in a moment.")),
}


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return render_error(
        400,
        _l(
            "This form was open too long or was changed outside the page, so it was not sent. "
            "Go back, reload the page and try again."
        ),
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code and error.code < 400:
        return error
    return render_error(error.code or 500)


@bp.app_errorhandler(Exception)
def unhandled(error):
    # Roll back first: whatever the failed request wrote must not leak into the next one.
    db.session.rollback()
    if isinstance(error, HTTPException):
        return http_error(error)
    from flask import current_app

    current_app.logger.exception("unhandled error")
    return render_error(500)
