"""School admins manage their school's people: invites, deactivation, password and 2FA resets."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app import audit
from app.admin import bp
from app.admin.forms import InviteForm
from app.auth import totp
from app.extensions import db
from app.ids import page_number
from app.models import Invite, Role, User
from app.models.base import utcnow
from app.passwords import generate_password
from app.security import role_required, school_scoped_or_404

admin_only = role_required(Role.SCHOOL_ADMIN)
PAGE_SIZE = 50


@bp.route("/")
@admin_only
def people():
    school_id = current_user.school_id
    staff = db.session.scalars(
        select(User).where(User.school_id == school_id, User.role != Role.STUDENT).order_by(User.display_name)
    ).all()
    page = request.args.get("page", 1, type=page_number) or 1
    students = db.paginate(
        select(User).where(User.school_id == school_id, User.role == Role.STUDENT).order_by(User.username),
        page=max(page, 1),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template("admin/people.html", staff=staff, students=students)


@bp.route("/invites", methods=["GET", "POST"])
@admin_only
def invites():
    form = InviteForm()
    new_link = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
            form.email.errors.append(_("Someone already has an account with this email."))
        else:
            invite, token = Invite.issue(
                current_user.school_id,
                form.role.data,
                email,
                current_user.id,
                current_app.config["INVITE_TTL_HOURS"],
            )
            db.session.add(invite)
            db.session.commit()
            new_link = url_for("auth.accept_invite", token=token, _external=True)
            form = InviteForm(formdata=None)
    pending = db.session.scalars(
        select(Invite).where(Invite.school_id == current_user.school_id).order_by(Invite.created_at.desc()).limit(100)
    ).all()
    status = 422 if form.errors else 200
    return render_template(
        "admin/invites.html",
        form=form,
        invites=pending,
        new_link=new_link,
        ttl=current_app.config["INVITE_TTL_HOURS"],
    ), status


@bp.route("/invites/<int:invite_id>/revoke", methods=["POST"])
@admin_only
def revoke_invite(invite_id: int):
    invite = school_scoped_or_404(Invite, invite_id)
    if invite.status == "pending":
        invite.revoked_at = utcnow()
        db.session.commit()
        flash(_("The invite link for %(email)s no longer works.", email=invite.email), "success")
    return redirect(url_for("admin.invites"))


def _user_action(user_id: int) -> User:
    # CSRFProtect has already checked the token of every POST.
    return school_scoped_or_404(User, user_id)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_only
def deactivate(user_id: int):
    user = _user_action(user_id)
    if user.id == current_user.id:
        flash(_("You cannot turn off your own account. Ask another school admin."), "error")
    else:
        user.deactivate()
        audit.record_account_action("account_off", user)
        db.session.commit()
        flash(_("%(name)s can no longer log in.", name=user.display_name), "success")
    return redirect(url_for("admin.people"))


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@admin_only
def activate(user_id: int):
    user = _user_action(user_id)
    user.active = True
    audit.record_account_action("account_on", user)
    db.session.commit()
    flash(_("%(name)s can log in again.", name=user.display_name), "success")
    return redirect(url_for("admin.people"))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_only
def reset_password(user_id: int):
    user = _user_action(user_id)
    temporary = generate_password()
    user.set_password(temporary)
    user.must_change_password = True
    user.locked_until = None
    user.failed_logins = 0
    audit.record_account_action("password_reset", user)
    db.session.commit()
    return render_template("admin/temporary_password.html", user=user, password=temporary)


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@admin_only
def reset_two_factor(user_id: int):
    user = _user_action(user_id)
    if user.id == current_user.id:
        flash(_("You cannot reset your own two-step login. Ask another school admin."), "error")
        return redirect(url_for("admin.people"))
    totp.disable(user)
    user.end_sessions()
    audit.record_account_action("two_factor_reset", user)
    db.session.commit()
    flash(
        _(
            "Two-step login for %(name)s was reset. They will set it up again at their next login.",
            name=user.display_name,
        ),
        "success",
    )
    return redirect(url_for("admin.people"))
