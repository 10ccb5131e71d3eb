"""The second yardstick for scripts/bench.py: the bare page (`bench_bare.py`) for a logged-in
user, with nothing else: Flask-Login, a signed session cookie and one SQLAlchemy query per request
for the user, in the benchmark's own database. What any Flask + Flask-Login + SQLAlchemy page for a
logged-in person costs before it does anything of its own; served with the same gunicorn settings.

Only ever served by the benchmark, on loopback: `POST /login/<id>` logs anyone in as anyone."""

import os

from bench_bare import ITEMS, PAGE
from flask import Flask, render_template
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str]


app = Flask(__name__)
# gunicorn.conf.py preloads the app, so both workers share this key.
app.config.update(SECRET_KEY=os.urandom(32), SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"])
db.init_app(app)
login_manager = LoginManager(app)
login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))
app.jinja_loader = DictLoader({"page.html": PAGE.replace("<h1>{{ title }}", "<h1>{{ title }}, {{ name }}")})


@app.route("/")
@login_required
def page():
    return render_template("page.html", title="Twenty items", name=current_user.display_name, items=ITEMS)


@app.route("/login/<int:user_id>", methods=["POST"])
def login(user_id: int):
    login_user(db.get_or_404(User, user_id))
    return "ok"
