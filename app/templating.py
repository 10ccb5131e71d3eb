"""What every template can use."""

import time

from flask import Flask, current_app, g, get_template_attribute, request, session, url_for
from flask_babel import format_date, format_time, get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, select

from app import nav_counts
from app.extensions import db
from app.fragments import fragment
from app.helplines import help_lines
from app.i18n import install_fast_gettext
from app.models import Classroom, Enrollment, Role
from app.prepared import prepared

LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}


def register(app: Flask) -> None:
    install_fast_gettext(app)
    nav_counts.init_app(app)

    @app.context_processor
    def globals_for_templates():
        return {
            "help_lines": help_lines,
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
            "request_path": request.full_path.rstrip("?") if request else "/",
            "current_user_classes": _current_user_classes,
            "assigned_to_me": _assigned_to_me,
            "report_url": _report_url,
            "navigation": _navigation,
            "csrf_token": csrf_token,
        }

    app.add_template_filter(school_time, "school_time")
    # The same for every request in a language, so fragments (app/fragments.py) may use them too.
    app.jinja_env.globals.update(fragment=fragment, help_list_html=help_list_html, Role=Role)
    # Per session (so never in a fragment); over Flask-WTF's own, in globals and in every context.
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.template_filter("role_name")
    def role_name(role: str) -> str:
        from flask_babel import gettext as _

        names: dict[str, str] = {
            Role.STUDENT: _("Student"),
            Role.TEACHER: _("Teacher"),
            Role.COUNSELOR: _("Counselor"),
            Role.SCHOOL_ADMIN: _("School admin"),
        }
        return names.get(role, role)


def _current_user_classes() -> list:
    """The home page's class cards: three columns per class, not whole ORM objects."""
    if not current_user.is_authenticated:
        return []
    return list(
        db.session.execute(_classes_statement(), {"user_id": current_user.id, "school_id": current_user.school_id})
    )


@prepared()
def _classes_statement():
    """Built once (building it took a third of running it)."""
    user_id, school_id = bindparam("user_id", type_=Integer), bindparam("school_id", type_=Integer)
    return (
        select(Classroom.name, Classroom.grade, Classroom.school_year)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.user_id == user_id, Classroom.archived_at.is_(None), Classroom.school_id == school_id)
        .order_by(Classroom.name)
    )


def _navigation() -> Markup:
    """The menu for this person on this page, from the fragments kept per role, page and counts."""
    if not current_user.is_authenticated:
        return fragment("_nav.html", role=None, endpoint=request.endpoint)
    from app.counsel.nav import REPORT_ROLES, count_for_nav

    role = current_user.role
    to_do, late = _to_do_counts()
    reports = role in REPORT_ROLES
    return fragment(
        "_nav.html",
        role=role,
        endpoint=request.endpoint,
        to_do=to_do,
        late=late,
        reports=reports,
        attention=count_for_nav() if reports else None,
    )


def _report_url() -> str:
    """The Report link. /report never reads the account session, so the school (not the person)
    and the language travel in the link instead. The id, not the code: no query on every page."""
    school = current_user.school_id if current_user.is_authenticated else None
    key = (request.script_root, school, str(get_locale()))
    known = current_app.extensions.setdefault("dari_report_urls", {})  # a few per school: 2 languages
    if key not in known:
        known[key] = url_for("reports.start", school=school, lang=key[2])
    return known[key]


CSRF_REUSE_SECONDS = 300


def csrf_token() -> str:
    """Flask-WTF's token for the page's forms, signed once per session token every few minutes
    rather than on every page (signing cost a twentieth of a lesson page). A token signed earlier
    is as valid as a new one until WTF_CSRF_TIME_LIMIT after its signing; reusing it for at most
    CSRF_REUSE_SECONDS shortens that by as much."""
    if "csrf_token" in g:
        return g.csrf_token
    raw = session.get("csrf_token")
    known = current_app.extensions.setdefault("dari_signed_csrf", {})
    found = known.get(raw) if raw else None
    if found is not None and time.monotonic() - found[0] < CSRF_REUSE_SECONDS:
        g.csrf_token = found[1]  # where Flask-WTF keeps it for the request: forms use it too
        return found[1]
    token = generate_csrf()
    if len(known) >= 20_000:
        known.clear()
    known[session["csrf_token"]] = (time.monotonic(), token)
    return token


def help_list_html(class_: str = "") -> Markup:
    """The help lines as HTML. Every page shows them and they differ only by language, so each
    worker renders them once per locale (and list style), not once per request."""
    key = (str(get_locale()), class_)
    cache = current_app.extensions.setdefault("dari_help_lists", {})
    html = cache.get(key)
    if html is None:
        macro = get_template_attribute("_helplines.html", "help_list")
        html = cache[key] = Markup(macro(help_lines(), class_))  # noqa: S704 - a macro's autoescaped output
    return html


def school_time(moment) -> str:
    """A stored UTC moment as the school reads it: flask-babel's time zone is the school's. Each
    worker words a moment once per language and time zone (Babel's formatting took ~0.1 ms a date,
    and the same due dates come back on every page of a class)."""
    known = current_app.extensions.setdefault("dari_school_times", {})
    key = (moment, str(get_locale()), str(get_timezone()))
    text = known.get(key)
    if text is None:
        if len(known) >= 20_000:
            known.clear()
        text = known[key] = f"{format_date(moment, 'medium')} {format_time(moment, 'HH:mm')}"
    return text


def _assigned_to_me() -> list:
    """A student's assigned modules, in the order to do them (see app.classes.student_home)."""
    if not current_user.is_authenticated or current_user.role != Role.STUDENT:
        return []
    if "assigned_to_me" not in g:  # the menu's to-do count and the home page share one lookup
        from app.classes.student_home import assigned_modules

        g.assigned_to_me = assigned_modules(current_user)
        nav_counts.remember("to_do", _counts(g.assigned_to_me))
    return g.assigned_to_me


def _counts(items: list) -> tuple[int, int]:
    to_do = [item for item in items if not item.done]
    return len(to_do), sum(1 for item in to_do if item.overdue)


def _to_do_counts() -> tuple[int, int]:
    """(modules to do, of which overdue) for the menu. The home page lists them all and counts from
    that list; other pages use the count kept for this student (app.nav_counts)."""
    if not current_user.is_authenticated or current_user.role != Role.STUDENT:
        return 0, 0
    if "assigned_to_me" in g:
        return _counts(g.assigned_to_me)
    # Counted through _assigned_to_me: the home page's list, rendered after the menu, reuses it.
    return nav_counts.per_person("to_do", lambda: _counts(_assigned_to_me()))
