from collections.abc import Mapping
from typing import TypeVar

from flask_babel import LazyString, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from app.models.report import Affected, Category

CATEGORY_LABELS = {
    Category.AI_IMAGE: _l("An AI-made or edited sexual image of someone"),
    Category.REAL_IMAGE: _l("A real intimate image was shared, or someone threatens to share it"),
    Category.SEXTORTION: _l("Threats or blackmail (someone wants photos, money or something else)"),
    Category.BULLYING: _l("Bullying or harassment online"),
    Category.DANGER: _l("Someone may be in danger or may hurt themselves"),
    Category.OTHER: _l("Something else"),
}
AFFECTED_LABELS = {
    Affected.ME: _l("Me"),
    Affected.FRIEND: _l("A friend"),
    Affected.SOMEONE_ELSE: _l("Someone else"),
    Affected.STAFF: _l("A teacher or staff member"),
}
WANT_LABELS = {
    "school_to_know": _l("I want the school to know"),
    "talk_to_someone": _l("I want to talk to someone"),
    "removal_help": _l("I want help getting images or posts removed"),
}
CONSENT_LABELS = {"yes": _l("Yes"), "no": _l("No"), "not_sure": _l("Not sure")}

WHAT_MAX, WHERE_MAX, WHEN_MAX = 5000, 1000, 200


Key = TypeVar("Key", bound=str)


def _choices(labels: Mapping[Key, LazyString]) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class CheckboxList(SelectMultipleField):  # type: ignore[misc]  # WTForms ships no type information
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class StartForm(FlaskForm):
    class Meta:
        csrf = False  # the first step changes nothing (app.reports.routes.step)

    school = StringField(
        _l("Which school?"),
        validators=[DataRequired(message=_l("Type your school's name or school code.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )
    school_id = HiddenField()
    category = RadioField(
        _l("What is happening?"),
        choices=_choices(CATEGORY_LABELS),
        validators=[DataRequired(message=_l('Choose what is happening. If nothing fits, choose "Something else".'))],
    )
    submit = SubmitField(_l("Next"))


class DetailsForm(FlaskForm):
    school_id = HiddenField(validators=[DataRequired()])
    category = HiddenField(validators=[DataRequired()])
    submission = HiddenField(validators=[DataRequired(), Length(max=200)])
    affected = RadioField(
        _l("Who is this happening to?"),
        choices=_choices(AFFECTED_LABELS),
        validators=[DataRequired(message=_l("Choose who this is happening to."))],
    )
    where = TextAreaField(
        _l("Where is it happening? (optional)"),
        validators=[
            Optional(),
            Length(max=WHERE_MAX, message=_l("Please keep this under %(max)d characters.", max=WHERE_MAX)),
        ],
        render_kw={"rows": 3},
    )
    when = StringField(
        _l("When did it happen or start? (optional)"),
        validators=[
            Optional(),
            Length(max=WHEN_MAX, message=_l("Please keep this under %(max)d characters.", max=WHEN_MAX)),
        ],
    )
    what = TextAreaField(
        _l("What happened? Tell it in your own words."),
        validators=[
            DataRequired(message=_l("Write a few words about what happened, so the counselor can help.")),
            Length(
                max=WHAT_MAX,
                message=_l(
                    "Please keep this under %(max)d characters. You can add more later with your receipt code.",
                    max=WHAT_MAX,
                ),
            ),
        ],
        render_kw={"rows": 7},
    )
    wants = CheckboxList(_l("What would you like? (choose any)"), choices=_choices(WANT_LABELS), validate_choice=True)
    consent_parents = RadioField(
        _l("May the school contact parents or guardians?"), choices=_choices(CONSENT_LABELS), default="not_sure"
    )
    consent_police = RadioField(
        _l("May the school contact the police?"), choices=_choices(CONSENT_LABELS), default="not_sure"
    )
    # Left empty by people; bots fill every field.
    website = StringField(_l("Leave this empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    submit = SubmitField(_l("Send my report"))
