from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.passwords import MAX_LENGTH, MIN_LENGTH


def new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("Use between %(min)d and %(max)d characters.", min=MIN_LENGTH, max=MAX_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_field():
    return PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(message=_l("Type the new password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class StudentLoginForm(FlaskForm):
    next = HiddenField()
    school_code = StringField(
        _l("School code"),
        validators=[DataRequired(message=_l("Enter your school code.")), Length(max=16)],
        render_kw={"autocomplete": "organization", "autocapitalize": "characters"},
    )
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter your username.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class StaffLoginForm(FlaskForm):
    next = HiddenField()
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(message=_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Continue"))


class RecoveryForm(FlaskForm):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(message=_l("Enter one of your recovery codes.")), Length(max=32)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Use recovery code"))


class AcceptInviteForm(FlaskForm):
    display_name = StringField(
        _l("Your name as colleagues and students will see it"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=80)],
        render_kw={"autocomplete": "name"},
    )
    password = new_password_field(_l("Choose a password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Create my account"))

    def validate_display_name(self, field):
        if not field.data.strip():
            raise ValidationError(_l("Enter your name."))
