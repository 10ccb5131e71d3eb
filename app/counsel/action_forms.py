"""Forms and words of the action checklist on a case.

Dates are typed in the school's time zone. Whether an action goes against the reporter's wishes
is decided by the server from the report (never sent by the form); when it does, a reason is
required. Routes refuse kinds and statuses no honest page could send (400) before these run."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import Length, ValidationError

from app.models import ActionKind, RemovalStatus
from app.models.base import utcnow

PLATFORM_MAX, DETAIL_MAX, REASON_MAX = 80, 2000, 1000
EARLIEST = date(2000, 1, 1)

# Keyed by the enums and looked up with the stored strings: a StrEnum member is equal to its value.
KIND_LABELS: dict[str, LazyString] = {
    ActionKind.EVIDENCE: _l("Evidence recorded"),
    ActionKind.POLICE: _l("Police report made"),
    ActionKind.SUPPORT_CENTER: _l("Referred to the Digital Sex Crime Victim Support Center or 1366"),
    ActionKind.REMOVAL: _l("Removal requested from a platform"),
    ActionKind.PARENTS: _l("Parents or guardians contacted"),
}
RECORD_LABELS: dict[str, LazyString] = {
    ActionKind.EVIDENCE: _l("Record evidence"),
    ActionKind.POLICE: _l("Record a police report"),
    ActionKind.SUPPORT_CENTER: _l("Record a referral"),
    ActionKind.REMOVAL: _l("Record a removal request"),
    ActionKind.PARENTS: _l("Record contact with parents or guardians"),
}
KIND_HINTS: dict[str, LazyString] = {
    ActionKind.EVIDENCE: _l(
        "Write down where the content is: links, account and channel names, and when you saw it. "
        "Never save, copy, screenshot or upload the images themselves."
    ),
    ActionKind.POLICE: _l("Police: 112. Note the police station and the report number, not the content."),
    ActionKind.SUPPORT_CENTER: _l(
        "Digital Sex Crime Victim Support Center: 02-735-8994 (help deleting images, support with police "
        "and courts). Women's emergency line, 24 hours: 1366."
    ),
    ActionKind.REMOVAL: _l("One request per platform. Update its status when the platform answers."),
    ActionKind.PARENTS: _l("Note who was contacted and how, without repeating what happened."),
}
REMOVAL_STATUS_LABELS: dict[str | None, LazyString] = {
    RemovalStatus.REQUESTED: _l("Requested"),
    RemovalStatus.REMOVED: _l("Removed"),
    RemovalStatus.REFUSED: _l("Refused"),
}
# The report's consent question each kind would go against when the answer was "no".
WISH_WARNINGS: dict[str, tuple[str, LazyString]] = {
    ActionKind.POLICE: (
        "consent_police",
        _l(
            "The reporter answered “No” to “May the school contact the police?”. You can still do it when "
            "the law or someone's safety requires it, but you must write down why."
        ),
    ),
    ActionKind.PARENTS: (
        "consent_parents",
        _l(
            "The reporter answered “No” to “May the school contact parents or guardians?”. You can still do it "
            "when the law or someone's safety requires it, but you must write down why."
        ),
    ),
}


def _too_long(limit: int):
    return Length(max=limit, message=_l("Please keep this under %(max)d characters.", max=limit))


def school_today(tz: ZoneInfo) -> date:
    return utcnow().astimezone(tz).date()


class ActionForm(FlaskForm):
    """One step done on a case. Set `school_tz`, `action_kind` and `against_wishes` before validating."""

    school_tz: ZoneInfo = ZoneInfo("UTC")
    action_kind: ActionKind = ActionKind.EVIDENCE
    against_wishes: bool = False

    kind = HiddenField()
    done_on = DateField(
        _l("Date"),
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-03-02."),
    )
    platform = StringField(_l("Platform"), validators=[_too_long(PLATFORM_MAX)])
    reason = TextAreaField(
        _l("Why are you doing this against the reporter's wishes?"),
        validators=[_too_long(REASON_MAX)],
        render_kw={"rows": 4},
    )
    detail = TextAreaField(_l("Details (optional)"), validators=[_too_long(DETAIL_MAX)], render_kw={"rows": 5})

    def validate_done_on(self, field):
        if field.data is None:
            if not field.raw_data or not field.raw_data[0]:
                raise ValidationError(_("Enter the date it was done."))
            return  # the field names its own problem
        today = school_today(self.school_tz)
        if field.data > today:
            raise ValidationError(_("The date cannot be in the future. Today is %(today)s.", today=today.isoformat()))
        if field.data < EARLIEST:
            raise ValidationError(_("Enter a date from the year 2000 on."))

    def validate_platform(self, field):
        field.data = (field.data or "").strip()
        if self.action_kind == ActionKind.REMOVAL and not field.data:
            raise ValidationError(_("Name the platform, for example Instagram, Telegram or X."))

    def validate_reason(self, field):
        field.data = (field.data or "").strip()
        if self.against_wishes and not field.data:
            raise ValidationError(
                _(
                    "Write why this is needed although the reporter asked the school not to, "
                    "for example a legal duty to report or a risk to someone's safety."
                )
            )

    def moment(self) -> datetime:
        """The stored moment: noon of the chosen day at the school, or now if that is earlier."""
        noon = datetime.combine(self.done_on.data, time(12), tzinfo=self.school_tz).astimezone(UTC)
        return min(noon, utcnow())


class RemovalStatusForm(FlaskForm):
    """The status of one removal request; built with prefix=f"action-{id}" so each has its own ids."""

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(str(s), label) for s, label in REMOVAL_STATUS_LABELS.items()],
    )
