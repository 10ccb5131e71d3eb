"""Help lines shown by the "Get help now" button, per locale. Facts from shared/FACTS.md."""

from dataclasses import dataclass

from flask_babel import LazyString, get_locale, lazy_gettext as _l


@dataclass(frozen=True)
class HelpLine:
    # Lazy: translated when a page shows them, in that page's language.
    name: LazyString | str
    number: str
    description: LazyString | str
    tel: str | None = None


KOREA = (
    HelpLine(_l("Police emergency"), "112", _l("Call or text if someone is in danger now."), "112"),
    HelpLine(
        _l("School violence reporting and counselling"),
        "117",
        _l("Call 117, or text #0117."),
        "117",
    ),
    HelpLine(
        _l("Women's emergency line (24 hours)"),
        "1366",
        _l("Also the 24-hour line for digital sex-crime victims."),
        "1366",
    ),
    HelpLine(
        _l("Digital Sex Crime Victim Support Center"),
        "02-735-8994",
        _l("Counselling, help deleting images and videos, support with police and courts."),
        "027358994",
    ),
    HelpLine(
        _l("Youth counselling line"),
        "1388",
        _l("Call or text when you need someone to talk to."),
        "1388",
    ),
)

INTERNATIONAL = (
    HelpLine(
        _l("Take It Down (under 18, any country)"),
        "takeitdown.ncmec.org",
        _l("Removes images from participating platforms; the image never leaves your device."),
    ),
    HelpLine(
        _l("USA: NCMEC CyberTipline"), "1-800-843-5678", _l("Reports of child sexual exploitation."), "18008435678"
    ),
    HelpLine(
        _l("UK: Childline and Report Remove (under 18)"),
        "0800 1111",
        _l("Talk to someone, and get images removed."),
        "08001111",
    ),
    HelpLine(_l("Australia: eSafety Commissioner"), "esafety.gov.au", _l("Reports of image-based abuse.")),
    HelpLine(
        _l("In Korea"),
        "112 · 117 · 1366 · 02-735-8994",
        _l("Police, school violence, 24-hour and digital sex-crime support lines."),
    ),
)


def help_lines() -> tuple[HelpLine, ...]:
    return KOREA if str(get_locale()) == "ko" else INTERNATIONAL
