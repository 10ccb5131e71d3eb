from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.models import Role


def staff_role_choices():
    return [
        SelectChoice(Role.TEACHER.value, _l("Teacher")),
        SelectChoice(Role.COUNSELOR.value, _l("Counselor")),
        SelectChoice(Role.SCHOOL_ADMIN.value, _l("School admin")),
    ]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter the new staff member's email address.")),
            Length(max=254),
            Email(message=_l("This does not look like an email address."), check_deliverability=False),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=staff_role_choices,
        validate_choice=True,
    )
    submit = SubmitField(_l("Create invite link"))
