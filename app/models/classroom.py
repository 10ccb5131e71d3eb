import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, select, true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.assignment import Assignment
    from app.models.school import School
    from app.models.user import User

# No 0/O, 1/I/L: students type join codes from a board or a slide.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


class Classroom(Model):
    __tablename__ = "classrooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    grade: Mapped[int | None]
    school_year: Mapped[str] = mapped_column(String(16))
    # Language of the class's printed login cards and default for its students.
    locale: Mapped[str] = mapped_column(String(8), default="ko", server_default="ko")
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    # Turning joining off keeps the code, so a student who types it hears "turned off", not "wrong".
    join_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped["School"] = relationship()
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="classroom", cascade="all, delete-orphan")
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan", order_by="Assignment.id"
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def new_join_code(self) -> str:
        """A fresh code unused by any class (codes are global: /join does not ask for a school)."""
        while True:
            code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            if db.session.scalar(select(Classroom.id).where(Classroom.join_code == code)) is None:
                self.join_code, self.join_enabled = code, True
                return code

    @staticmethod
    def normalize_code(code: str) -> str:
        return "".join((code or "").split()).upper().replace("-", "")


class Enrollment(Model):
    """A user's place in a class: students learn in it, teachers teach it (co-teachers too)."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("classroom_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="enrollments")
    user: Mapped["User"] = relationship()
