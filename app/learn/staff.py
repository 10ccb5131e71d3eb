"""Staff read every module whole: the lesson, the quiz with its answers, and the teacher guide."""
from flask import render_template

from app.learn import bp
from app.learn.lessons import locale, module_or_404
from app.models import Role
from app.security import role_required

staff_only = role_required(*Role.staff())


@bp.route("/<module_id>/preview")
@staff_only
def preview(module_id: str):
    module = module_or_404(module_id)
    return render_template("learn/preview.html", module=module, lesson=module.lesson(locale()))


@bp.route("/<module_id>/guide")
@staff_only
def guide(module_id: str):
    module = module_or_404(module_id)
    return render_template("learn/guide.html", module=module, lesson=module.lesson(locale()), guide=module.guide(locale()))
