from flask import Blueprint

bp = Blueprint("learn", __name__, template_folder="templates")

from app.learn import easy, lessons, printables, quiz, retry, staff, staff_guides  # noqa: E402,F401
