"""Staff read every module whole: the lesson with the quiz and its answers (the teacher guide,
handout, slides and classroom materials are in printables.py)."""

from flask import render_template
from flask_babel import lazy_gettext as _l

from app.learn import bp
from app.learn.lessons import locale, module_or_404
from app.models import Role
from app.security import role_required

staff_only = role_required(*Role.staff())
# The staff-only kinds of loader.MATERIALS; the easy-read version has its own page for students (easy.py).
MATERIAL_TITLES = {"plan": _l("Lesson plan"), "family": _l("Family letter")}


@bp.route("/<module_id>/preview")
@staff_only
def preview(module_id: str):
    module = module_or_404(module_id)
    return render_template("learn/preview.html", module=module, lesson=module.lesson(locale()))
