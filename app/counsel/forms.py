"""Forms on the counselor's case page, and the words shown for statuses and outcomes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.models.report import Status

TEXT_MAX = 4000

STATUS_LABELS = {
    Status.NEW: _l("New"),
    Status.ACKNOWLEDGED: _l("Acknowledged"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.REFERRED: _l("Referred"),
    Status.CLOSED: _l("Closed"),
}
# "New" is where a report starts; once someone has it, it never goes back there.
SETTABLE_STATUSES = (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REFERRED, Status.CLOSED)

OUTCOME_LABELS = {
    "supported": _l("Supported"),
    "content_removed": _l("Content removed"),
    "referred_police": _l("Referred to the police"),
    "referred_support_center": _l("Referred to a support center"),
    "no_further_action": _l("No further action"),
    "other": _l("Other"),
}

CONSENT_WORDS = {"yes": _l("Yes"), "no": _l("No"), "not_sure": _l("Not sure")}


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (acknowledge)."""

    submit = SubmitField(_l("Acknowledge"))


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"), validate_choice=True)
    submit = SubmitField(_l("Save assignment"))

    def set_people(self, people, nobody_label) -> None:
        """people: (user id, name) pairs; an empty value means nobody."""
        self.assignee.choices = [SelectChoice("", nobody_label)] + [
            SelectChoice(str(user_id), name) for user_id, name in people
        ]


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Status"),
        validate_choice=True,
        choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in SETTABLE_STATUSES],
    )
    outcome = SelectField(
        _l("Outcome (needed to close)"),
        validate_choice=True,
        default="",
        choices=[SelectChoice("", _l("Choose an outcome"))]
        + [SelectChoice(value, label) for value, label in OUTCOME_LABELS.items()],
    )
    submit = SubmitField(_l("Change status"))


def _text_field(label, empty_message):
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=empty_message),
            Length(max=TEXT_MAX, message=_l("Please keep this under %(max)d characters.", max=TEXT_MAX)),
        ],
        render_kw={"rows": 4},
    )


class NoteForm(FlaskForm):
    body = _text_field(_l("Internal note (only staff see this)"), _l("Write the note before saving it."))
    submit = SubmitField(_l("Save note"))


class MessageForm(FlaskForm):
    body = _text_field(_l("Message to the person who reported"), _l("Write a message before sending it."))
    submit = SubmitField(_l("Send message"))
