"""Taking a quiz, and reading the result of an attempt."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.errors.handlers import render_error
from app.extensions import db
from app.learn import bp, grading
from app.learn.lessons import locale, module_or_404
from app.models import QuizAttempt


@bp.route("/<module_id>/quiz")
@login_required
def quiz(module_id: str):
    module = module_or_404(module_id)
    attempt = grading.open_attempt(current_user.id, module, locale())
    return render_template("learn/quiz.html", module=module, attempt=attempt, chosen={}, unanswered=[])


@bp.route("/<module_id>/quiz", methods=["POST"])
@login_required
def submit_quiz(module_id: str):
    module = module_or_404(module_id)
    attempt_id = request.form.get("attempt", type=int)
    attempt = db.session.get(QuizAttempt, attempt_id) if attempt_id else None
    if attempt is None or attempt.user_id != current_user.id or attempt.module_id != module.id:
        return _tampered(_("These answers do not belong to this quiz."))
    if attempt.submitted_at is not None:
        flash(_("You already handed in this attempt. Here is its result."), "info")
        return redirect(url_for("learn.result", module_id=module.id, attempt_id=attempt.id))
    try:
        answers, unanswered = grading.read_answers(module.quiz, request.form)
    except grading.Tampered:
        return _tampered(_("Some answers were not ones this quiz offers."))
    if unanswered:
        return render_template(
            "learn/quiz.html",
            module=module,
            attempt=attempt,
            chosen=answers,
            unanswered={q.id for q in unanswered},
        ), 422
    grading.submit(attempt, module.quiz, answers)
    db.session.commit()
    return redirect(url_for("learn.result", module_id=module.id, attempt_id=attempt.id))


def _tampered(message: str):
    db.session.rollback()
    return render_error(400, message + " " + _("Nothing was saved. Reload the quiz and try again."))


@bp.route("/<module_id>/quiz/attempts/<int:attempt_id>")
@login_required
def result(module_id: str, attempt_id: int):
    module = module_or_404(module_id)
    attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.user_id == current_user.id,  # a student's attempts are theirs alone
            QuizAttempt.module_id == module.id,
            QuizAttempt.submitted_at.is_not(None),
        )
    )
    if attempt is None:
        abort(404)
    answers = {a.item_id: a for a in attempt.answers}
    return render_template("learn/result.html", module=module, attempt=attempt, answers=answers)
