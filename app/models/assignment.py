"""Modules a teacher put in front of a class, with due dates, chosen students and excusals."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.classroom import Classroom


class Assignment(Model):
    __tablename__ = "assignments"
    # One assignment per module per class; editing changes its due date or students.
    __table_args__ = (UniqueConstraint("classroom_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # stored in UTC, entered in school time
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped["Classroom"] = relationship(back_populates="assignments")
    # Empty means the whole class.
    chosen: Mapped[list["AssignmentStudent"]] = relationship(cascade="all, delete-orphan")
    excusals: Mapped[list["Excusal"]] = relationship(cascade="all, delete-orphan")

    @property
    def chosen_ids(self) -> set[int]:
        return {c.user_id for c in self.chosen}

    @property
    def excused_ids(self) -> set[int]:
        return {e.user_id for e in self.excusals}

    def applies_to(self, user_id: int) -> bool:
        return not self.chosen or user_id in self.chosen_ids

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.due_at is not None and self.due_at < (now or utcnow())


class AssignmentStudent(Model):
    __tablename__ = "assignment_students"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Excusal(Model):
    """The teacher gave this student an alternative to a (sensitive) module."""

    __tablename__ = "excusals"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
