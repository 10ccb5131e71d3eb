from flask import Blueprint

bp = Blueprint("classes", __name__, template_folder="templates")

from app.classes import assignments, dashboard, joining, roster_routes, routes  # noqa: E402,F401
