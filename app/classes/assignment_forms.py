"""Forms for assigning modules to a class, changing an assignment and excusing a student.

Due dates are typed in the school's time zone and stored in UTC. Routes check the ids a form
sends against what the page offered before these forms run (anything else is a 400)."""

from collections.abc import Mapping
from datetime import UTC, datetime, time
from types import MappingProxyType
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.fields import DateField, TimeField
from wtforms.validators import Length, Optional, ValidationError

from app.models.base import utcnow
from app.templating import school_time

END_OF_DAY = time(23, 59)
WHOLE_CLASS, CHOSEN = "class", "chosen"
NOTE_MAX = 200


class Checkboxes(SelectMultipleField):
    """Several checkboxes sharing one name. Templates draw them; routes refuse values not offered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)


class AssignmentForm(FlaskForm):
    """Due date and audience of one assignment. Set `school_tz` (and, when editing,
    `previous_due`) before validating."""

    school_tz: ZoneInfo = ZoneInfo("UTC")
    previous_due: datetime | None = None

    due_date = DateField(
        _l("Due date (optional)"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-12-01."),
    )
    due_time = TimeField(
        _l("Time (optional)"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[Optional()],
        invalid_value_message=_l("Enter the time as hours:minutes, for example 09:00."),
    )
    audience = RadioField(
        _l("Who should do it"),
        choices=[
            SelectChoice(WHOLE_CLASS, _l("The whole class")),
            SelectChoice(CHOSEN, _l("Only the students I choose")),
        ],
        default=WHOLE_CLASS,
    )
    students = Checkboxes(_l("Students"))

    def due_moment(self) -> datetime | None:
        if self.due_date.data is None:
            return None
        local = datetime.combine(self.due_date.data, self.due_time.data or END_OF_DAY, tzinfo=self.school_tz)
        return local.astimezone(UTC)

    def validate_due_date(self, field):
        if self.due_time.raw_data and self.due_time.data is None:
            return  # the time field names its own problem
        moment = self.due_moment()
        if moment is not None and moment != self.previous_due and moment <= utcnow():
            raise ValidationError(
                _(
                    "The due date %(when)s has already passed. Choose a later date or time.",
                    when=school_time(moment),
                )
            )

    def validate_due_time(self, field):
        if field.data is not None and self.due_date.data is None and not self.due_date.raw_data:
            raise ValidationError(_("Choose a date for this time, or leave the time empty."))

    def validate_students(self, field):
        if self.audience.data == CHOSEN and not field.data:
            raise ValidationError(_("Choose at least one student, or assign it to the whole class."))

    @property
    def chosen_ids(self) -> set[int]:
        """Students chosen, or an empty set for the whole class (routes checked the ids)."""
        if self.audience.data != CHOSEN:
            return set()
        return {int(v) for v in self.students.data or []}


class AssignForm(AssignmentForm):
    """Assign one or more modules at once. Set `already` to {module id: title} of modules the
    class already has."""

    already: Mapping[str, str] = MappingProxyType({})

    modules = Checkboxes(_l("Modules to assign"))

    def validate_modules(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one module."))
        taken = [self.already[m] for m in field.data if m in self.already]
        if taken:
            raise ValidationError(
                _(
                    "Already assigned to this class: %(titles)s. Change it from its own page instead.",
                    titles=", ".join(taken),
                )
            )


class ExcuseForm(FlaskForm):
    note = StringField(
        _l("Note for teachers (optional)"),
        validators=[Length(max=NOTE_MAX, message=_l("Please keep the note under %(max)d characters.", max=NOTE_MAX))],
    )


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in, but CSRF-protected."""
