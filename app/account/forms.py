from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from app.auth.forms import CodeForm, confirm_field, new_password_field
from app.passwords import MAX_LENGTH


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Change password"))


class ConfirmPasswordForm(FlaskForm):
    """Re-entering the password before a security change, so an unlocked laptop is not enough."""

    current = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Confirm"))


class EnableTwoFactorForm(CodeForm):
    pass
