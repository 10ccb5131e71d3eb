"""What a new gunicorn worker would otherwise do on its first requests, done once in the master
before it forks (gunicorn.conf.py's when_ready), so that every worker starts warm.

gunicorn recycles each worker every GUNICORN_MAX_REQUESTS requests. A new worker used to compile
every SQL statement and load Babel's calendar data on its first requests: each first page of a
kind took 5 to 35 ms more, and the requests queued behind it on that worker waited as long. A
worker forked from a warm master inherits all of it (and wsgi.py's gc.freeze keeps it shared)."""

import importlib
import logging
import pkgutil
from datetime import UTC, datetime

from babel.dates import format_date, format_time, get_timezone
from flask import Flask, g
from flask_babel import force_locale, get_translations
from sqlalchemy import BindParameter, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import visitors

from app.extensions import db
from app.i18n import parsed_locale
from app.models import School
from app.prepared import FACTORIES

log = logging.getLogger(__name__)


def warm(app: Flask) -> int:
    """Compile the templates, load the dates' data and run every prepared statement once.
    Returns how many statements ran. Without a database it warms what it can: the workers will
    connect (or fail to) themselves, as they always did."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    _import_every_module()
    with app.app_context():
        g.db_mode = "read"  # SQLite: no write lock taken at start-up
        try:
            timezones = set(db.session.scalars(select(School.timezone).distinct()))
            ran = statements()
        except SQLAlchemyError as exc:
            log.warning(
                "warm-up: the database did not answer (%s); workers will compile their own statements",
                type(exc).__name__,
            )
            timezones, ran = set(), 0
        finally:
            db.session.remove()
            db.engine.dispose()  # the master keeps no connection: each worker opens its own
        dates(app.config["LANGUAGES"], {app.config["BABEL_DEFAULT_TIMEZONE"], *timezones})
    languages(app)
    app.url_map.update()  # werkzeug builds its URL matcher on the first request otherwise
    return ran


def _import_every_module() -> None:
    """Some pages import their module when first asked (the student home, a teacher's checklist):
    imported now, in the master, their statements are listed too and the import is not a worker's."""
    import app as package

    for module in pkgutil.walk_packages(package.__path__, "app."):
        importlib.import_module(module.name)


def statements() -> int:
    """Each prepared statement (app.prepared) run once with parameters that match nothing: that
    compiles it into the engine's cache, which the workers inherit."""
    ran = 0
    for factory in FACTORIES:
        built = factory()
        for statement in built if isinstance(built, tuple) else (built,):
            db.session.execute(statement, nothing(statement)).all()
            ran += 1
    db.session.rollback()
    return ran


def nothing(statement) -> dict:
    """A value for each parameter the statement leaves open: NULL, or an empty list for an IN."""
    return {
        element.key: [] if element.expanding else None
        for element in visitors.iterate(statement)
        if isinstance(element, BindParameter) and element.required
    }


def languages(app: Flask) -> None:
    """Each language's catalogue and locale data, which flask-babel and Babel load on first use."""
    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            parsed_locale(language)
            with force_locale(language):
                get_translations()


def dates(languages: list[str], timezones: set[str]) -> None:
    """A date and a time worded in each language and time zone, as app.templating.school_time does."""
    moment = datetime.now(UTC)
    for language in languages:
        format_date(moment, "medium", locale=language)
        for zone in timezones:
            try:
                tzinfo = get_timezone(zone)
            except LookupError:  # a school's time zone the pages will have to deal with; not here
                continue
            format_time(moment, "HH:mm", tzinfo=tzinfo, locale=language)
