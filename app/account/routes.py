"""A signed-in user's own account: password and two-factor codes."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app import audit
from app.account import bp
from app.account.forms import ChangePasswordForm, ConfirmPasswordForm, EnableTwoFactorForm
from app.auth import totp
from app.extensions import db
from app.models import Role
from app.security import role_required

ENROL_KEY = "enrol_secret"


@bp.route("/")
@login_required
def overview():
    return render_template("account/overview.html", history=audit.account_history(current_user))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("That is not your current password."))
        elif form.password.data == form.current.data:
            form.password.errors.append(_("Choose a password different from the current one."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.password.data)
            user.must_change_password = False
            db.session.commit()
            # The session id carries the new version: stay logged in here, out everywhere else.
            login_user(user)
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("account.overview"))
    history = audit.account_history(current_user, limit=1) if current_user.must_change_password else []
    return render_template("account/password.html", form=form, history=history), 200 if not form.errors else 422


staff_only = role_required(*Role.staff())


@bp.route("/two-factor", methods=["GET", "POST"])
@staff_only
def two_factor():
    if current_user.totp_enabled:
        return render_template("account/two_factor.html", form=ConfirmPasswordForm())
    secret = session.setdefault(ENROL_KEY, totp.new_secret())
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        codes = totp.enable(current_user, secret, form.code.data)
        if codes is not None:
            session.pop(ENROL_KEY, None)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("account.two_factor"))
        form.code.errors.append(_("That code is not right. Check the time on your phone and try again."))
    uri = totp.provisioning_uri(secret, current_user)
    return render_template(
        "auth/enrol.html", form=form, secret=secret, uri=uri, qr=totp.qr_svg(uri), required=False
    ), 200 if not form.errors else 422


def _confirmed_action(action):
    form = ConfirmPasswordForm()
    if not form.validate_on_submit() or not current_user.check_password(form.current.data):
        if form.current.data is not None and not form.current.errors:
            form.current.errors.append(_("That is not your password."))
        return render_template("account/two_factor.html", form=form), 422
    return action()


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@staff_only
def new_recovery_codes():
    if not current_user.totp_enabled:
        return redirect(url_for("account.two_factor"))

    def action():
        codes = current_user.new_recovery_codes()
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("account.two_factor"))

    return _confirmed_action(action)


@bp.route("/two-factor/disable", methods=["POST"])
@staff_only
def disable_two_factor():
    if current_user.totp_required:
        flash(_("Two-step login is required for your role and cannot be turned off."), "error")
        return redirect(url_for("account.two_factor"))

    def action():
        totp.disable(current_user)
        db.session.commit()
        flash(_("Two-step login is turned off."), "success")
        return redirect(url_for("account.two_factor"))

    return _confirmed_action(action)


# Pages a user with a temporary password may still reach: the change itself, and ways out or to help.
_OPEN_WHILE_TEMPORARY = {
    "account.password",
    "auth.logout",
    "static",
    "main.help_page",
    "main.set_language",
    "reports.start",
    "reports.step",
}


@bp.before_app_request
def require_new_password():
    """After an admin reset, nothing else works until the user picks their own password."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _OPEN_WHILE_TEMPORARY
    ):
        return redirect(url_for("account.password"))
    return None
