"""Turning a session into a user, and a checked password into a logged-in session."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_login import login_user
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.i18n import SESSION_KEY as LOCALE_KEY
from app.models import User
from app.models.base import utcnow
from app.prepared import prepared

PENDING_KEY = "pending_login"
PENDING_MINUTES = 10


@prepared()
def _user_with_school():
    """The school comes in the same query: every page reads its time zone or language. Built once:
    `session.get()` with options built its statement anew on every request (~40% of the lookup)."""
    return select(User).options(joinedload(User.school)).where(User.id == bindparam("uid", type_=Integer))


def load_user(user_id: str) -> User | None:
    """Session ids carry a version, so a password change or deactivation ends other sessions."""
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.execute(_user_with_school(), {"uid": uid}).scalar_one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def start_pending(user: User, next_url: str | None) -> None:
    """Password was right but a second step (code or enrolment) is still owed. The cookie carries
    a nonce the database must still hold: locking the account or finishing the login voids it."""
    nonce = user.start_pending_login()
    db.session.commit()
    session[PENDING_KEY] = {
        "uid": user.id,
        "ver": user.session_version,
        "n": nonce,
        "next": safe_next(next_url),
        "until": (utcnow() + timedelta(minutes=PENDING_MINUTES)).timestamp(),
    }


def pending_user() -> User | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if data.get("until", 0) < utcnow().timestamp():
        session.pop(PENDING_KEY, None)
        return None
    user = load_user(f"{data.get('uid')}:{data.get('ver')}")
    if user is None or user.is_locked() or not user.pending_login_matches(data.get("n")):
        session.pop(PENDING_KEY, None)
        return None
    return user


def finish_login(user: User, next_url: str | None = None):
    """Fresh session (no fixation), remember the language choice, go where the user was headed."""
    pending = session.get(PENDING_KEY) or {}
    next_url = safe_next(next_url) or pending.get("next")
    locale = session.get(LOCALE_KEY)
    session.clear()
    if locale and not user.locale:
        user.locale = locale
    if user.locale:
        session[LOCALE_KEY] = user.locale
    login_user(user)
    user.record_login()
    db.session.commit()
    current_app.logger.info("login user=%s", user.id)
    if user.must_change_password:
        return redirect(url_for("account.password"))
    return redirect(next_url or url_for("main.home"))


def find_student(school_code: str, username: str) -> User | None:
    from app.models import School

    stmt = (
        select(User)
        .join(School, School.id == User.school_id)
        .where(School.code == School.normalize_code(school_code))
        .where(User.username == username.strip().lower(), User.role == "student")
    )
    return db.session.scalar(stmt)


def find_staff(email: str) -> User | None:
    stmt = select(User).where(User.email == email.strip().lower(), User.role != "student")
    return db.session.scalar(stmt)


def next_param() -> str | None:
    return request.args.get("next") or request.form.get("next")
