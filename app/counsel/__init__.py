from flask import Blueprint

bp = Blueprint("counsel", __name__, template_folder="templates")

from app.counsel import actions, case, inbox, nav  # noqa: E402,F401
