"""Per quiz question, how a class answered: first-attempt success and the favourite wrong answer.
One query whatever the class size (GROUP BY)."""

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from app.classes.progress import class_students
from app.content.loader import Module
from app.content.schemas import Question
from app.extensions import db
from app.models import QuizAnswer, QuizAttempt


@dataclass
class Item:
    question: Question
    first: int = 0  # first submitted attempts that answered this question
    first_correct: int = 0
    attempts: int = 0  # all submitted attempts that answered it
    wrong: dict[str, int] = field(default_factory=dict)  # chosen option ids -> how often

    @property
    def share(self) -> int | None:
        return round(100 * self.first_correct / self.first) if self.first else None

    @property
    def misconception(self) -> tuple[list[str], int] | None:
        """The most-chosen wrong answer (option ids in the question's order) and how often."""
        if not self.wrong:
            return None
        chosen, count = min(self.wrong.items(), key=lambda kv: (-kv[1], kv[0]))
        ids = set(chosen.split(","))
        known = [o.id for o in self.question.options if o.id in ids]
        return known + sorted(ids - set(known)), count


def item_analysis(classroom_id: int, module: Module) -> list[Item]:
    """Per question, in quiz order: first-attempt success, the favourite wrong answer, attempt count.
    Answers in either language count together: item ids are shared."""
    items = {q.id: Item(q) for q in module.quiz.questions}
    stmt = (
        select(
            QuizAnswer.item_id,
            QuizAnswer.chosen,
            QuizAnswer.correct,
            func.count(),
            func.sum(case((QuizAttempt.number == 1, 1), else_=0)),
        )
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(QuizAttempt.module_id == module.id, QuizAttempt.submitted_at.is_not(None))
        .where(QuizAttempt.user_id.in_(class_students(classroom_id)))
        .group_by(QuizAnswer.item_id, QuizAnswer.chosen, QuizAnswer.correct)
    )
    for item_id, chosen, correct, count, first in db.session.execute(stmt):
        item = items.get(item_id)
        if item is None:  # a question since removed from the quiz
            continue
        item.attempts += count
        item.first += first or 0
        if correct:
            item.first_correct += first or 0
        else:
            item.wrong[chosen] = item.wrong.get(chosen, 0) + count
    return list(items.values())


def most_missed(items: list[Item], minimum: int = 1) -> Item | None:
    """The question fewest got right at the first try, among questions with at least `minimum`
    first answers (one student's slip is not a class's misconception); none while nobody missed any."""
    missed = [i for i in items if i.first >= max(minimum, 1) and i.first_correct < i.first]
    return min(missed, key=lambda i: i.first_correct / i.first, default=None)
