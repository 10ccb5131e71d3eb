"""Quiz attempts: shuffling, reading a submission strictly, and scoring on the server."""

import random
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, func, select
from werkzeug.datastructures import MultiDict

from app.content.loader import Module
from app.content.schemas import Question, Quiz
from app.extensions import db
from app.models import QuizAnswer, QuizAttempt
from app.models.base import utcnow
from app.prepared import prepared
from app.transactions import begin_write, retrying, writing

FIELD_PREFIX = "q-"
ALLOWED_FIELDS = {"csrf_token", "attempt", "submit"}


class Tampered(ValueError):
    """A submission no honest form could produce: answered with 400, nothing recorded."""


@prepared()
def _open_statement():
    """Built once: every quiz page asks it (building it cost about a third of running it)."""
    return (
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == bindparam("user_id", type_=Integer),
            QuizAttempt.module_id == bindparam("module_id", type_=String),
        )
        .where(QuizAttempt.submitted_at.is_(None))
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def _open(user_id: int, module: Module) -> QuizAttempt | None:
    attempt = db.session.scalar(_open_statement(), {"user_id": user_id, "module_id": module.id})
    return attempt if attempt is not None and _order_fits(attempt.option_order, module.quiz) else None


def open_attempt(user_id: int, module: Module, locale: str) -> QuizAttempt:
    """The student's unsubmitted attempt at this quiz, or a new one with freshly shuffled options.
    Reopening the quiz only reads; the write lock is taken only to start an attempt."""
    attempt = _open(user_id, module)
    if attempt is not None:
        return attempt
    with writing():
        return retrying(lambda: _start(user_id, module, locale))


def _start(user_id: int, module: Module, locale: str) -> QuizAttempt:
    begin_write()
    attempt = _open(user_id, module)  # a second tab may have started one meanwhile
    if attempt is not None:
        db.session.rollback()
        return attempt
    rng = random.SystemRandom()
    order = {}
    for question in module.quiz.questions:
        ids = [o.id for o in question.options]
        if question.type != "true_false":  # true, then false reads naturally; keep it
            rng.shuffle(ids)
        order[question.id] = ids
    attempt = QuizAttempt(user_id=user_id, module_id=module.id, locale=locale, option_order=order)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _order_fits(order: dict, quiz: Quiz) -> bool:
    """An attempt opened before the quiz file changed is replaced rather than half-matched."""
    return set(order) == {q.id for q in quiz.questions} and all(
        set(order[q.id]) == {o.id for o in q.options} for q in quiz.questions
    )


def read_answers(quiz: Quiz, form: MultiDict) -> tuple[dict[str, list[str]], list[Question]]:
    """Chosen option ids per question, and the questions left unanswered.
    Raises Tampered for unknown fields, unknown options, duplicates or several answers to one."""
    known = {FIELD_PREFIX + q.id for q in quiz.questions}
    for key in form:
        if key not in known and key not in ALLOWED_FIELDS:
            raise Tampered(f"unknown field {key[:80]!r}")
    answers, unanswered = {}, []
    for question in quiz.questions:
        values = form.getlist(FIELD_PREFIX + question.id)
        option_ids = {o.id for o in question.options}
        if len(set(values)) != len(values):
            raise Tampered(f"the same option was sent twice for {question.id!r}")
        if any(v not in option_ids for v in values):
            raise Tampered(f"an option that question {question.id!r} does not have")
        if question.type != "multiple" and len(values) > 1:
            raise Tampered(f"several answers to single-answer question {question.id!r}")
        if values:
            answers[question.id] = sorted(values)
        else:
            unanswered.append(question)
    return answers, unanswered


def submit(attempt: QuizAttempt, quiz: Quiz, answers: dict[str, list[str]]) -> None:
    """Score the attempt and store every answer in one transaction."""
    correct = 0
    for question in quiz.questions:
        chosen = answers[question.id]
        right = frozenset(chosen) == question.correct_ids
        correct += right
        attempt.answers.append(QuizAnswer(item_id=question.id, chosen=",".join(chosen), correct=right))
    previous = db.session.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(
            QuizAttempt.user_id == attempt.user_id,
            QuizAttempt.module_id == attempt.module_id,
            QuizAttempt.submitted_at.is_not(None),
        )
    )
    total = len(quiz.questions)
    attempt.number = (previous or 0) + 1
    attempt.correct_count, attempt.total = correct, total
    attempt.score = round(100 * correct / total)
    attempt.passed = attempt.score >= quiz.pass_mark
    attempt.submitted_at = utcnow()


@dataclass
class Standing:
    attempts: int
    best: int | None
    latest: int | None
    passed: bool


@prepared((True,), (False,))
def _standings_statement(some_modules: bool):
    """Built once per shape: building it cost about as much as running it (every student page)."""
    stmt = (
        select(QuizAttempt.module_id, QuizAttempt.score, QuizAttempt.passed)
        .where(QuizAttempt.user_id == bindparam("user_id", type_=Integer), QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    if some_modules:
        stmt = stmt.where(QuizAttempt.module_id.in_(bindparam("module_ids", expanding=True)))
    return stmt


def standings(user_id: int, module_ids: list[str] | None = None) -> dict[str, Standing]:
    """Best and latest score per module, for one student, in one query."""
    params: dict = {"user_id": user_id}
    if module_ids is not None:
        params["module_ids"] = list(module_ids)
    result: dict[str, Standing] = {}
    for module_id, score, passed in db.session.execute(_standings_statement(module_ids is not None), params):
        s = result.setdefault(module_id, Standing(0, None, None, False))
        s.attempts += 1
        s.best = score if s.best is None or score is None else max(s.best, score)
        s.latest = score
        s.passed = s.passed or bool(passed)
    return result
