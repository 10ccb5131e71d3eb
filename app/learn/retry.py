"""Retrying the questions a student missed in one attempt: practice that is checked on the server
and explained, but not stored and not scored (the student's attempts and best score stay as they are)."""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.errors.handlers import render_error
from app.extensions import db
from app.learn import bp, grading
from app.learn.lessons import module_or_404
from app.models import QuizAttempt


def _missed(module_id: str, attempt_id: int):
    module = module_or_404(module_id)
    attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.user_id == current_user.id,  # only one's own attempts
            QuizAttempt.module_id == module.id,
            QuizAttempt.submitted_at.is_not(None),
        )
    )
    if attempt is None:
        abort(404)
    wrong = {a.item_id for a in attempt.answers if not a.correct}
    questions = [q for q in module.quiz.questions if q.id in wrong]
    return module, attempt, questions


@bp.route("/<module_id>/quiz/attempts/<int:attempt_id>/retry", methods=["GET", "POST"])
@login_required
def retry_missed(module_id: str, attempt_id: int):
    module, attempt, questions = _missed(module_id, attempt_id)
    if request.method == "GET":
        return render_template(
            "learn/retry.html",
            module=module,
            attempt=attempt,
            questions=questions,
            chosen={},
            unanswered=set(),
            checked=None,
        )
    try:
        chosen, unanswered = grading.read_answers(module.quiz.model_copy(update={"questions": questions}), request.form)
    except grading.Tampered:
        return render_error(400, _("Some answers were not ones these questions offer. Reload the page and try again."))
    if unanswered:
        return render_template(
            "learn/retry.html",
            module=module,
            attempt=attempt,
            questions=questions,
            chosen=chosen,
            unanswered={q.id for q in unanswered},
            checked=None,
        ), 422
    checked = {q.id: frozenset(chosen[q.id]) == q.correct_ids for q in questions}
    return render_template(
        "learn/retry.html",
        module=module,
        attempt=attempt,
        questions=questions,
        chosen=chosen,
        unanswered=set(),
        checked=checked,
    )
