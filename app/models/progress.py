"""What a student did in lessons and quizzes. Module, block and item ids come from content files."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

MODULE_ID = String(60)


class LessonProgress(Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(MODULE_ID)
    current_step: Mapped[int] = mapped_column(default=1)  # where "continue" goes
    steps_done: Mapped[int] = mapped_column(default=0)  # furthest step finished
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def finish_step(self, number: int, step_count: int) -> None:
        self.steps_done = max(self.steps_done or 0, number)
        self.current_step = min(number + 1, step_count)
        self.updated_at = utcnow()
        if number >= step_count and self.completed_at is None:
            self.completed_at = utcnow()

    def visit(self, number: int) -> None:
        self.current_step = number
        self.updated_at = utcnow()


class ReflectionAnswer(Model):
    """A student's private answer to a reflect block: only that student ever sees it."""

    __tablename__ = "reflection_answers"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(MODULE_ID)
    block_id: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_module", "user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(MODULE_ID)
    locale: Mapped[str] = mapped_column(String(8))
    # {question id: [option ids in the order shown]} — fixed for the attempt so a reload keeps it.
    option_order: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    number: Mapped[int | None]  # 1 for the first submitted attempt at this module
    correct_count: Mapped[int | None]
    total: Mapped[int | None]
    score: Mapped[int | None]  # percent
    passed: Mapped[bool | None] = mapped_column(Boolean)

    answers: Mapped[list["QuizAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.id"
    )


class QuizAnswer(Model):
    """One question of one attempt. Per-class item statistics group these by item_id."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(60), index=True)
    chosen: Mapped[str] = mapped_column(String(400))  # option ids, sorted, comma-separated
    correct: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")

    @property
    def chosen_ids(self) -> list[str]:
        return [c for c in self.chosen.split(",") if c]
