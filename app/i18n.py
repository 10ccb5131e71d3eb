"""Which language a page is shown in."""

from functools import cache, lru_cache

import flask_babel
from babel import Locale
from flask import current_app, g, request, session
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

SESSION_KEY = "locale"


def select_locale() -> Locale:
    """flask-babel's locale selector. It parses a code it is given on every request (~10 µs, a
    tenth of a cached page); a Locale it is given, it takes as it is."""
    return parsed_locale(choose_locale())


@cache
def parsed_locale(code: str) -> Locale:
    return Locale.parse(code)


def choose_locale() -> str:
    """The user's saved choice, then ?lang=, then Accept-Language, then the school's, then en."""
    languages = current_app.config["LANGUAGES"]
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and user.locale in languages:
        return user.locale
    if session.get(SESSION_KEY) in languages:
        return session[SESSION_KEY]
    asked = request.args.get("lang")
    if asked is not None and asked in languages:
        return asked
    best = _best_match(request.headers.get("Accept-Language", ""), tuple(languages))
    if best:
        return best
    if user is not None and user.school.default_locale in languages:
        return user.school.default_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=1024)
def _best_match(header: str, languages: tuple[str, ...]) -> str | None:
    """Parsing Accept-Language cost more than the rest of a kept public page's language choice;
    browsers send a handful of distinct headers, so each is parsed once per worker."""
    return parse_accept_header(header, LanguageAccept).best_match(languages) if header else None


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.school.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def request_translations(load=None):
    """flask-babel's catalog for this request's locale, found once per request rather than once per
    string (its own lookup costs ~8 µs; a grid page asks hundreds of times). Looked up again when
    force_locale changes the locale within the request."""
    try:
        store = g._get_current_object().__dict__  # one proxy lookup, not one per attribute
    except RuntimeError:  # outside any app context
        return (load or flask_babel.get_translations)()
    locale = getattr(store.get("_flask_babel"), "babel_locale", None)
    cached = store.get("_dari_translations")
    if locale is None or cached is None or cached[0] is not locale:
        translations = (load or flask_babel.get_translations)()
        cached = store["_dari_translations"] = (flask_babel.get_locale(), translations)
    return cached[1]


@pass_context
def template_gettext(context, string: str, **variables):
    """`_()` and `gettext()` in templates: as Jinja's "newstyle" gettext (escaped, %-formatted),
    without its two layers of context calls."""
    rv = request_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 - our own catalogue; Markup's % escapes the variables
    return rv % variables


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    rv = request_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 - our own catalogue; Markup's % escapes the variables
    return rv % variables


class RequestCachedDomain(flask_babel.Domain):
    """flask-babel's domain, its catalog found once per request for every gettext and lazy_gettext
    (form labels and messages) too, not only in templates."""

    def get_translations(self):
        return request_translations(super().get_translations)


def install_fast_gettext(app) -> None:
    """Replace flask-babel's template callables (installed by babel.init_app) with the fast ones,
    and its domain with the request-cached one."""
    from app.extensions import babel

    if not isinstance(vars(babel).get("domain_instance"), RequestCachedDomain):
        babel.domain_instance = RequestCachedDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
