"""Public pages: home, help lines, language choice, and the health check."""

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import literal, select
from sqlalchemy.exc import SQLAlchemyError

from app.auth.session import safe_next
from app.extensions import db
from app.helplines import help_lines
from app.i18n import SESSION_KEY
from app.main import bp
from app.models import Role


@bp.route("/")
def home():
    if current_user.is_authenticated:
        start = None
        if current_user.role == Role.TEACHER:
            from app.classes.getting_started import checklist

            start = checklist(current_user)
        return render_template("main/dashboard.html", start=start)
    return render_template("main/index.html")


@bp.route("/help")
def help_page():
    return render_template("main/help.html", lines=help_lines())


@bp.route("/language", methods=["POST"])
def set_language():
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
