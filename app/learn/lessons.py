"""The catalogue, a module's page, and reading a lesson step by step."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Integer, String, bindparam, select

from app.content import library
from app.extensions import db
from app.learn import bp
from app.learn.forms import ReflectionForm
from app.learn.grading import standings
from app.models import LessonProgress, QuizAttempt, ReflectionAnswer, Role
from app.models.base import utcnow
from app.prepared import prepared
from app.transactions import begin_write, retrying, writing


def locale() -> str:
    return str(get_locale())


def module_or_404(module_id: str):
    module = library().get(module_id)
    if module is None:
        abort(404)
    return module


@prepared()
def _progress_statement():
    """Built once: every lesson step asks it, and building it cost as much as running it."""
    return select(LessonProgress).where(
        LessonProgress.user_id == bindparam("user_id", type_=Integer),
        LessonProgress.module_id == bindparam("module_id", type_=String),
    )


def progress_for(module_id: str) -> LessonProgress | None:
    return db.session.scalar(_progress_statement(), {"user_id": current_user.id, "module_id": module_id})


@bp.route("/")
@login_required
def catalogue():
    from app.classes.student_home import Home, student_home

    progress = {
        p.module_id: p
        for p in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == current_user.id))
    }
    scores = standings(current_user.id)
    in_progress = [p for p in progress.values() if p.completed_at is None and library().get(p.module_id)]
    resume = max(in_progress, key=lambda p: p.updated_at, default=None)
    home = student_home(current_user, progress, scores) if current_user.role == Role.STUDENT else Home([], set())
    return render_template(
        "learn/catalogue.html",
        assigned=home.items,
        excused=home.excused,
        modules=[m for m in library().modules if m.id not in home.assigned_ids],
        progress=progress,
        scores=scores,
        resume=resume,
        resume_module=library().get(resume.module_id) if resume else None,
        locale=locale(),
    )


@bp.route("/<module_id>")
@login_required
def module_page(module_id: str):
    module = module_or_404(module_id)
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == current_user.id, QuizAttempt.module_id == module.id)
        .where(QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc())
    ).all()
    return render_template(
        "learn/module.html",
        module=module,
        lesson=module.lesson(locale()),
        progress=progress_for(module.id),
        attempts=attempts,
        standing=standings(current_user.id, [module.id]).get(module.id),
    )


@bp.route("/<module_id>/step/<int:number>")
@login_required
def step(module_id: str, number: int):
    module = module_or_404(module_id)
    lesson = module.lesson(locale())
    if not 1 <= number <= lesson.step_count:
        abort(404)
    progress = progress_for(module.id)
    if progress is None or progress.current_step != number:
        remember_position(current_user.id, module.id, number)
        progress = progress_for(module.id)
    current = lesson.steps[number - 1]
    reflect_ids = [b.id for b in current.blocks if b.kind == "reflect"]
    saved = {}
    if reflect_ids:
        saved = {
            r.block_id: r
            for r in db.session.scalars(
                select(ReflectionAnswer).where(
                    ReflectionAnswer.user_id == current_user.id,
                    ReflectionAnswer.module_id == module.id,
                    ReflectionAnswer.block_id.in_(reflect_ids),
                )
            )
        }
    chosen = {b.id: request.args.get(f"s-{b.id}") for b in current.blocks if b.kind == "scenario"}
    return render_template(
        "learn/step.html",
        module=module,
        lesson=lesson,
        step=current,
        progress=progress,
        saved=saved,
        chosen=chosen,
        # No form object: a step read with GET shows no errors, and its forms carry the session's token.
    )


def remember_position(user_id: int, module_id: str, number: int) -> None:
    """Where the student is, for resuming. Written only when it moved: rereading a step, or
    arriving by Next (whose POST already recorded it), reads without waiting for the write lock."""

    def work() -> None:
        begin_write()
        progress = db.session.scalar(
            select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.module_id == module_id)
        )
        if progress is None:
            progress = LessonProgress(user_id=user_id, module_id=module_id)
            db.session.add(progress)
        progress.visit(number)
        db.session.commit()

    with writing():
        retrying(work)


@bp.route("/<module_id>/step/<int:number>", methods=["POST"])
@login_required
def finish_step(module_id: str, number: int):
    module = module_or_404(module_id)
    if not 1 <= number <= module.step_count:
        abort(404)
    progress = progress_for(module.id)
    if progress is None:
        progress = LessonProgress(user_id=current_user.id, module_id=module.id)
        db.session.add(progress)
    was_complete = progress.completed_at is not None
    progress.finish_step(number, module.step_count)
    db.session.commit()
    if number < module.step_count:
        return redirect(url_for("learn.step", module_id=module.id, number=number + 1))
    if not was_complete:
        flash(_("You finished the lesson. When you are ready, try the quiz."), "success")
    return redirect(url_for("learn.module_page", module_id=module.id))


@bp.route("/<module_id>/reflect/<block_id>", methods=["POST"])
@login_required
def save_reflection(module_id: str, block_id: str):
    module = module_or_404(module_id)
    if block_id not in module.block_ids("reflect"):
        abort(404)
    step_number = _step_of_block(module, block_id)
    form = ReflectionForm()
    if not form.validate_on_submit():
        # Keep what was typed: re-render the step with the text and the problem.
        lesson = module.lesson(locale())
        current = lesson.steps[step_number - 1]
        return render_template(
            "learn/step.html",
            module=module,
            lesson=lesson,
            step=current,
            progress=progress_for(module.id),
            saved={},
            chosen={},
            form=form,
            failed_block=block_id,
        ), 422
    text = (form.text.data or "").strip()
    answer = db.session.scalar(
        select(ReflectionAnswer).where(
            ReflectionAnswer.user_id == current_user.id,
            ReflectionAnswer.module_id == module.id,
            ReflectionAnswer.block_id == block_id,
        )
    )
    if not text:
        if answer is not None:
            db.session.delete(answer)
        flash(_("Your answer was cleared."), "info")
    else:
        if answer is None:
            answer = ReflectionAnswer(user_id=current_user.id, module_id=module.id, block_id=block_id, text=text)
            db.session.add(answer)
        answer.text, answer.updated_at = text, utcnow()
        flash(_("Saved. Only you can see this answer."), "success")
    db.session.commit()
    return redirect(url_for("learn.step", module_id=module.id, number=step_number, _anchor=f"reflect-{block_id}"))


def _step_of_block(module, block_id: str) -> int:
    for s in module.lessons["en"].steps:
        if any(getattr(b, "id", None) == block_id for b in s.blocks):
            return s.number
    abort(404)
