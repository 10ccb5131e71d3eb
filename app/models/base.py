"""Small helpers shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_minute(moment: datetime) -> datetime:
    """Times that could line a person up with an anonymous report (a login, a reporter's visit or
    message, an alert about a report) are kept no finer than the minute."""
    return moment.replace(second=0, microsecond=0)


def to_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always gives back aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
