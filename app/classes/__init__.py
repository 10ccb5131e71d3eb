from flask import Blueprint

bp = Blueprint("classes", __name__, template_folder="templates")

from app.classes import assignments, dashboard, joining, roster, routes  # noqa: E402,F401
