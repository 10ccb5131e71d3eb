"""Staff read every module whole: the lesson, the quiz with its answers, the teacher guide and the
classroom materials (lesson plan, family letter) where a module has them."""
from flask import abort, render_template
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


@bp.route("/<module_id>/guide")
@staff_only
def guide(module_id: str):
    module = module_or_404(module_id)
    return render_template("learn/guide.html", module=module, lesson=module.lesson(locale()), guide=module.guide(locale()),
                           material_titles=MATERIAL_TITLES)


@bp.route("/<module_id>/materials/<kind>")
@staff_only
def material(module_id: str, kind: str):
    module = module_or_404(module_id)
    html = module.material(kind, locale()) if kind in MATERIAL_TITLES else None
    if html is None:
        abort(404)
    return render_template("learn/material.html", module=module, lesson=module.lesson(locale()), kind=kind, material=html,
                           material_titles=MATERIAL_TITLES)
