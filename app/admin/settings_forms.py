"""The school admin's report settings: contact and timing (a form), and per-category routing
(checkboxes drawn by the template and checked here against the school's active counselors)."""

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import TextInput

from app.models import Category

CONTACT_MAX = 200
ACK_MINUTES = (5, 240)
RETENTION_DAYS = (30, 3650)
DEFAULT_RETENTION_DAYS = 365
ROUTE_PREFIX = "route-"

CATEGORY_LABELS = {
    Category.AI_IMAGE: _l("AI-made or edited sexual image"),
    Category.REAL_IMAGE: _l("A real intimate image shared or threatened"),
    Category.SEXTORTION: _l("Threats or blackmail (sextortion)"),
    Category.BULLYING: _l("Bullying or harassment online"),
    Category.DANGER: _l("Someone may be in danger or may hurt themselves"),
    Category.OTHER: _l("Something else"),
}


def _strip_or_none(value):
    value = value.strip() if isinstance(value, str) else value
    return value or None


def _whole_number(label):
    # A text box with a numeric keyboard: number inputs change value on scroll and hide what was typed.
    return IntegerField(
        label,
        validators=[Optional()],
        widget=TextInput(),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
        invalid_value_message=_l("Enter a whole number, for example 30."),
    )


class ReportSettingsForm(FlaskForm):
    emergency_contact = StringField(
        _l("School emergency contact (optional)"),
        filters=[_strip_or_none],
        validators=[
            Length(
                max=CONTACT_MAX,
                message=_l("Please keep the emergency contact to %(max)d characters or fewer.", max=CONTACT_MAX),
            )
        ],
    )
    urgent_ack_minutes = _whole_number(_l("Minutes to acknowledge an urgent report (optional)"))
    retention_days = _whole_number(_l("Days to keep closed cases (optional)"))
    submit = SubmitField(_l("Save report settings"))

    def validate_urgent_ack_minutes(self, field):
        low, high = ACK_MINUTES
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(_("Enter a number of minutes from %(low)d to %(high)d.", low=low, high=high))

    def validate_retention_days(self, field):
        low, high = RETENTION_DAYS
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(_("Enter a number of days from %(low)d to %(high)d.", low=low, high=high))


def field_name(category: str) -> str:
    return ROUTE_PREFIX + category


# "Someone may be in danger" is urgent: it always goes to every counselor and admin, so it has no rule.
ROUTED_CATEGORIES = [c for c in Category if c != Category.DANGER]


def parse_routing(formdata: MultiDict, counselor_ids: set[int]) -> dict[str, set[int]]:
    """The counselors ticked for each category (an empty set: every counselor).

    The page only offers the school's active counselors under known categories, so anything else
    (another school's user, a teacher, a turned-off account, an unknown category, a non-number)
    was not typed by the admin: it is refused as a bad request before anything is saved."""
    known = {field_name(c): c.value for c in ROUTED_CATEGORIES}
    for key in formdata:
        if key.startswith(ROUTE_PREFIX) and key not in known:
            raise BadRequest("unknown routing category")
    routing: dict[str, set[int]] = {}
    for key, category in known.items():
        chosen = set()
        for raw in formdata.getlist(key):
            if not (raw.isascii() and raw.isdigit()) or int(raw) not in counselor_ids:
                raise BadRequest("not an active counselor of this school")
            chosen.add(int(raw))
        routing[category] = chosen
    return routing
