from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

from app.admin import audit_log, routes, settings, statistics, status  # noqa: E402,F401
