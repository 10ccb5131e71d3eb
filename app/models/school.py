from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow


class School(Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Short code students type at login and reporters can search by; stored upper-case.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    default_locale: Mapped[str] = mapped_column(String(8), default="ko")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    # Shown at once to someone reporting that a person may be in danger.
    emergency_contact: Mapped[str | None] = mapped_column(String(200))
    urgent_ack_minutes: Mapped[int | None]  # overrides URGENT_ACK_MINUTES for this school
    retention_days: Mapped[int | None]  # closed cases are purged after this; default 365
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @staticmethod
    def normalize_code(code: str) -> str:
        return (code or "").strip().upper()

    def __repr__(self) -> str:
        return f"<School {self.code}>"
