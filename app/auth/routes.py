"""Logging in and out, the second step for staff, and accepting an invite."""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from app.auth import bp, session as auth_session, totp
from app.auth.forms import AcceptInviteForm, CodeForm, RecoveryForm, StaffLoginForm, StudentLoginForm
from app.extensions import db, limiter
from app.models import Invite, User
from app.models.base import utcnow
from app.passwords import waste_time


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _check_password(user: User | None, password: str) -> str | None:
    """None when the password is right; otherwise the message to show. Wrong passwords count
    towards a lockout; the message never tells whether the account exists."""
    cfg = current_app.config
    if user is None:
        waste_time(password)
        return "bad"
    if user.is_locked():
        return "locked"
    if not user.check_password(password):
        user.record_failed_login(cfg["MAX_FAILED_LOGINS"], cfg["LOCKOUT_MINUTES"])
        db.session.commit()
        return "locked" if user.is_locked() else "bad"
    if not user.active:
        return "inactive"
    return None


def _problem_message(problem: str, student: bool) -> str:
    if problem == "locked":
        return _(
            "Too many wrong tries. This account is locked for %(minutes)d minutes. "
            "If you forgot your password, ask a school admin or your teacher to reset it.",
            minutes=current_app.config["LOCKOUT_MINUTES"],
        )
    if problem == "inactive":
        return _("This account has been turned off. Ask your school admin if you think this is a mistake.")
    if student:
        return _("That school code, username and password do not match. Check them and try again.")
    return _("That email and password do not match. Check them and try again.")


def _after_password(user: User, next_url: str | None):
    if user.totp_enabled:
        auth_session.start_pending(user, next_url)
        return redirect(url_for("auth.verify"))
    if user.totp_required:
        auth_session.start_pending(user, next_url)
        return redirect(url_for("auth.enrol"))
    return auth_session.finish_login(user, next_url)


def _password_login(form, find_user, template: str, student: bool):
    """The shared first step of both login pages: check the password, then the second step."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if form.validate_on_submit():
        user = find_user(form)
        problem = _check_password(user, form.password.data)
        if problem is None:
            return _after_password(user, form.next.data)
        form.form_errors.append(_problem_message(problem, student=student))
    return render_template(template, form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    return _password_login(
        StudentLoginForm(next=auth_session.next_param()),
        lambda f: auth_session.find_student(f.school_code.data, f.username.data),
        "auth/login_student.html",
        student=True,
    )


@bp.route("/login/staff", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login_staff():
    return _password_login(
        StaffLoginForm(next=auth_session.next_param()),
        lambda f: auth_session.find_staff(f.email.data),
        "auth/login_staff.html",
        student=False,
    )


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def verify():
    user = auth_session.pending_user()
    if user is None or not user.totp_enabled:
        flash(_("Your login timed out. Please log in again."), "info")
        return redirect(url_for("auth.login_staff"))
    form, recovery = CodeForm(prefix="otp"), RecoveryForm(prefix="rc")
    cfg = current_app.config
    used = None
    failed_form: CodeForm | RecoveryForm
    if form.submit.data and form.validate_on_submit():
        used = totp.verify(user, form.code.data)
        failed_form = form
    elif recovery.submit.data and recovery.validate_on_submit():
        used = user.use_recovery_code(recovery.recovery_code.data)
        failed_form = recovery
    if used:
        return auth_session.finish_login(user)
    if used is False:
        user.record_failed_login(cfg["MAX_FAILED_LOGINS"], cfg["LOCKOUT_MINUTES"])
        db.session.commit()
        if user.is_locked():
            session.pop(auth_session.PENDING_KEY, None)
            flash(_problem_message("locked", student=False), "error")
            return redirect(url_for("auth.login_staff"))
        failed_form.form_errors.append(_("That code is not right. Check your app and try again."))
    status = 422 if (form.errors or recovery.errors) else 200
    return render_template("auth/verify.html", form=form, recovery=recovery), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def enrol():
    """Counselors and admins set up their authenticator before their first session starts."""
    user = auth_session.pending_user()
    if user is None or user.totp_enabled:
        flash(_("Your login timed out. Please log in again."), "info")
        return redirect(url_for("auth.login_staff"))
    secret = session.setdefault("enrol_secret", totp.new_secret())
    form = CodeForm()
    if form.validate_on_submit():
        codes = totp.enable(user, secret, form.code.data)
        if codes is not None:
            session.pop("enrol_secret", None)
            response = auth_session.finish_login(user)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=response.location)
        form.code.errors.append(_("That code is not right. Check the time on your phone and try again."))
    uri = totp.provisioning_uri(secret, user)
    return render_template(
        "auth/enrol.html", form=form, secret=secret, uri=uri, qr=totp.qr_svg(uri), required=True
    ), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
def logout():
    # Logging out should not switch the page to another language.
    locale = current_user.locale if current_user.is_authenticated else None
    locale = locale or session.get("locale")
    if current_user.is_authenticated:
        # A copy of the cookie (a shared school computer) must not outlive the logout: the
        # signed cookie cannot be revoked, so the version it names is retired instead.
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == Invite.digest(token)))
    if invite is None or invite.status != "pending":
        status = invite.status if invite else "unknown"
        return render_template("auth/invite_invalid.html", status=status), 410 if invite else 404
    if current_user.is_authenticated:
        logout_user()
        session.clear()
    form = AcceptInviteForm()
    if form.validate_on_submit():
        if db.session.scalar(select(User.id).where(User.email == invite.email)):
            form.form_errors.append(_("An account with this email already exists. Log in instead."))
        else:
            user = User(
                school_id=invite.school_id,
                role=invite.role,
                email=invite.email,
                display_name=form.display_name.data.strip(),
            )
            user.set_password(form.password.data)
            db.session.add(user)
            invite.accepted_at = utcnow()
            db.session.commit()
            flash(_("Your account is ready. Log in with your email and new password."), "success")
            return redirect(url_for("auth.login_staff"))
    return render_template("auth/accept_invite.html", form=form, invite=invite), 200 if not form.errors else 422
