"""Which language a page is shown in."""
from flask import current_app, request, session
from flask_login import current_user

SESSION_KEY = "locale"


def select_locale() -> str:
    """The user's saved choice, then ?lang=, then Accept-Language, then the school's, then en."""
    languages = current_app.config["LANGUAGES"]
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and user.locale in languages:
        return user.locale
    if session.get(SESSION_KEY) in languages:
        return session[SESSION_KEY]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    best = request.accept_languages.best_match(languages)
    if best:
        return best
    if user is not None and user.school.default_locale in languages:
        return user.school.default_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.school.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
