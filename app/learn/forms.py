from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

REFLECTION_MAX = 2000


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        _l("Your answer (only you can see it)"),
        validators=[
            Length(max=REFLECTION_MAX, message=_l("Please keep it under %(max)d characters.", max=REFLECTION_MAX))
        ],
    )
