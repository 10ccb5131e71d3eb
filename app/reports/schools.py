"""Finding the school a report is for, by code or by name."""

from sqlalchemy import func, or_, select

from app.extensions import db
from app.ids import parse_id
from app.models import School

MAX_MATCHES = 10


def find_schools(text: str) -> list[School]:
    """An exact code wins; otherwise schools whose name contains the text (case-insensitive)."""
    text = (text or "").strip()
    if not text:
        return []
    exact = db.session.scalar(select(School).where(School.code == School.normalize_code(text)))
    if exact is not None:
        return [exact]
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(School)
        .where(or_(func.lower(School.name).like(f"%{escaped}%", escape="\\")))
        .order_by(School.name)
        .limit(MAX_MATCHES + 1)
    )
    return list(db.session.scalars(stmt))


def school_by_id(value: object) -> School | None:
    school_id = parse_id(value)
    return db.session.get(School, school_id) if school_id is not None else None
