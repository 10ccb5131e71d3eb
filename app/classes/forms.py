from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from app.auth.forms import new_password_field


def _current_school_year() -> str:
    return str(date.today().year)


class ClassForm(FlaskForm):
    name = StringField(
        _l("Class name"),
        validators=[DataRequired(message=_l("Give the class a name.")), Length(max=120)],
    )
    grade = IntegerField(
        _l("Grade (optional)"),
        validators=[Optional(), NumberRange(min=1, max=12, message=_l("Use a grade from 1 to 12."))],
    )
    school_year = StringField(
        _l("School year"),
        default=_current_school_year,
        validators=[DataRequired(message=_l("Enter the school year.")), Length(max=16)],
    )
    locale = SelectField(
        _l("Language of login cards"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
    )
    submit = SubmitField(_l("Save class"))


class RosterForm(FlaskForm):
    names = TextAreaField(
        _l("Students' names, one per line"),
        validators=[Length(max=20_000)],
        render_kw={"rows": 10},
    )
    csv_file = FileField(
        _l("Or upload a CSV file"),
        validators=[FileAllowed(["csv", "txt"], _l("Upload a .csv file."))],
    )
    submit = SubmitField(_l("Create accounts and print login cards"))


class CoTeacherForm(FlaskForm):
    teacher_id = SelectField(_l("Teacher"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Add co-teacher"))


class DeleteRosterForm(FlaskForm):
    confirm_name = StringField(
        _l("Type the class name to confirm"),
        validators=[DataRequired(message=_l("Type the class name to confirm."))],
    )
    submit = SubmitField(_l("Delete these accounts for good"))


class JoinCodeForm(FlaskForm):
    code = StringField(
        _l("Class code"),
        validators=[DataRequired(message=_l("Enter the code your teacher gave you.")), Length(max=20)],
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Join the class"))


class JoinSignupForm(FlaskForm):
    code = HiddenField(validators=[DataRequired(), Length(max=20)])
    display_name = StringField(
        _l("Your name as your teacher will see it"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=80)],
        render_kw={"autocomplete": "nickname"},
    )
    username = StringField(
        _l("Choose a username"),
        validators=[
            DataRequired(message=_l("Choose a username.")),
            Length(min=3, max=30, message=_l("Use 3 to 30 characters.")),
            Regexp(r"^[a-zA-Z0-9._-]+$", message=_l("Use only letters a-z, numbers, dots, dashes and underscores.")),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = new_password_field(_l("Choose a password"))
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create my account and join"))
