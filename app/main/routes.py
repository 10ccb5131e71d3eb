"""Public pages: home, help lines, language choice, and the health check."""

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import literal, select
from sqlalchemy.exc import SQLAlchemyError

from app.auth.session import safe_next
from app.extensions import csrf, db
from app.helplines import help_lines
from app.i18n import SESSION_KEY
from app.main import bp
from app.models import Role
from app.page_cache import public_page
from app.security import require_csrf_token


@bp.route("/")
def home():
    if current_user.is_authenticated:
        start = None
        if current_user.role == Role.TEACHER:
            from app.classes.getting_started import checklist

            start = checklist(current_user)
        return render_template("main/dashboard.html", start=start)
    return public_page(lambda: render_template("main/index.html"))


@bp.route("/help")
def help_page():
    return public_page(lambda: render_template("main/help.html", lines=help_lines()))


@bp.route("/language", methods=["POST"])
@csrf.exempt
def set_language():
    """Anyone may switch language. A visitor who is not logged in changes only their own cookie, so
    the form needs no token, and pages for such visitors hold none (app.page_cache). A logged-in
    user's choice is saved to their account: that needs the token."""
    if current_user.is_authenticated:
        require_csrf_token()
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session[SESSION_KEY] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
def healthz():
    """For the load balancer and the container healthcheck: is this worker able to reach the
    database? No session, no template, nothing identifying."""
    try:
        db.session.execute(select(literal(1)))
        db.session.rollback()
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.error("healthz: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
