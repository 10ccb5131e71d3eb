"""Students join a class with its code, with an account they have or one they make here."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.session import finish_login
from app.classes import bp
from app.classes.forms import JoinCodeForm, JoinSignupForm
from app.extensions import db, limiter
from app.models import Classroom, Enrollment, Role, User


def _join_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def find_class(code: str) -> Classroom | str:
    """The class for a code, or the message that tells the student plainly what is wrong."""
    classroom = db.session.scalar(select(Classroom).where(Classroom.join_code == Classroom.normalize_code(code)))
    if classroom is None:
        return _("There is no class with that code. Check it with your teacher — codes have 6 letters and numbers.")
    if not classroom.join_enabled or classroom.archived:
        return _("Joining this class with a code is turned off. Ask your teacher.")
    return classroom


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"])
def join():
    if current_user.is_authenticated and current_user.role != Role.STUDENT:
        return render_template("classes/join_staff.html"), 403
    form = JoinCodeForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        classroom = find_class(form.code.data)
        if isinstance(classroom, str):
            form.code.errors.append(classroom)
        elif current_user.is_authenticated:
            return _enroll(current_user, classroom)
        else:
            signup = JoinSignupForm(formdata=None, code=classroom.join_code)
            return render_template("classes/join_account.html", classroom=classroom, signup=signup)
    return render_template("classes/join.html", form=form), 422 if form.errors else 200


def _enroll(user: User, classroom: Classroom):
    if user.school_id != classroom.school_id:
        flash(_("That code is for a class at another school. Check it with your teacher."), "error")
        return redirect(url_for("classes.join"))
    exists = db.session.scalar(
        select(Enrollment.id).where(Enrollment.classroom_id == classroom.id, Enrollment.user_id == user.id)
    )
    if exists:
        flash(_("You are already in %(name)s.", name=classroom.name), "info")
    else:
        db.session.add(Enrollment(classroom_id=classroom.id, user_id=user.id))
        db.session.commit()
        flash(_("You joined %(name)s.", name=classroom.name), "success")
    return redirect(url_for("learn.catalogue"))


@bp.route("/join/account", methods=["POST"])
@limiter.limit(_join_limit)
def join_signup():
    """A student without an account makes one for the class's school and joins in one step."""
    if current_user.is_authenticated:
        return redirect(url_for("classes.join"))
    signup = JoinSignupForm()
    classroom = find_class(signup.code.data or "")
    if isinstance(classroom, str):
        flash(classroom, "error")
        return redirect(url_for("classes.join"))
    if signup.validate_on_submit():
        username = signup.username.data.strip().lower()
        taken = db.session.scalar(
            select(User.id).where(User.school_id == classroom.school_id, User.username == username)
        )
        if taken:
            signup.username.errors.append(_("That username is taken at your school. Try another."))
        else:
            user = User(
                school_id=classroom.school_id,
                role=Role.STUDENT,
                username=username,
                display_name=signup.display_name.data.strip(),
                locale=classroom.locale,
            )
            user.set_password(signup.password.data)
            db.session.add(user)
            db.session.flush()
            db.session.add(Enrollment(classroom_id=classroom.id, user_id=user.id))
            db.session.commit()
            response = finish_login(user, url_for("learn.catalogue"))  # starts a fresh session
            flash(
                _(
                    "Welcome! You joined %(name)s. To log in next time you need your school code %(school)s "
                    "and your username %(username)s.",
                    name=classroom.name,
                    school=classroom.school.code,
                    username=username,
                ),
                "success",
            )
            return response
    return render_template("classes/join_account.html", classroom=classroom, signup=signup), 422
