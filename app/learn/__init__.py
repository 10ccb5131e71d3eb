from flask import Blueprint

bp = Blueprint("learn", __name__, template_folder="templates")

from app.learn import easy, lessons, quiz, staff  # noqa: E402,F401
