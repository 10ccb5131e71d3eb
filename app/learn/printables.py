"""For teaching a module in class: the teacher guide and a student handout to print, and the lesson
as slides for a projector. Staff only. `?lang=en|ko` prints a page in the class's language whatever
the teacher reads Dari in."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale

from app.learn import bp
from app.learn.lessons import locale, module_or_404
from app.learn.staff import MATERIAL_TITLES, staff_only


def print_language() -> str:
    asked = request.args.get("lang")
    return asked if asked is not None and asked in current_app.config["LANGUAGES"] else locale()


def alternatives(endpoint: str, lang: str, **values) -> dict[str, str]:
    return {code: url_for(endpoint, lang=code, **values) for code in current_app.config["LANGUAGES"] if code != lang}


@bp.route("/<module_id>/guide")
@staff_only
def guide(module_id: str):
    module, lang = module_or_404(module_id), print_language()
    with force_locale(lang):
        return render_template(
            "learn/guide.html",
            module=module,
            lesson=module.lesson(lang),
            guide=module.guide(lang),
            print_lang=lang,
            print_alternatives=alternatives("learn.guide", lang, module_id=module.id),
            material_titles=MATERIAL_TITLES,
        )


@bp.route("/<module_id>/materials/<kind>")
@staff_only
def material(module_id: str, kind: str):
    """A lesson plan or a family letter (가정통신문), on paper in either language."""
    module, lang = module_or_404(module_id), print_language()
    html = module.material(kind, lang) if kind in MATERIAL_TITLES else None
    if html is None:
        abort(404)
    with force_locale(lang):
        return render_template(
            "learn/material.html",
            module=module,
            lesson=module.lesson(lang),
            kind=kind,
            material=html,
            material_titles=MATERIAL_TITLES,
            print_lang=lang,
            print_alternatives=alternatives("learn.material", lang, module_id=module.id, kind=kind),
        )


@bp.route("/<module_id>/handout")
@staff_only
def handout(module_id: str):
    module, lang = module_or_404(module_id), print_language()
    lesson = module.lesson(lang)
    scenario = next((b for step in lesson.steps for b in step.blocks if b.kind == "scenario"), None)
    with force_locale(lang):
        return render_template(
            "learn/handout.html",
            module=module,
            lesson=lesson,
            scenario=scenario,
            print_lang=lang,
            print_alternatives=alternatives("learn.handout", lang, module_id=module.id),
            report_address=url_for("reports.start", _external=True),
        )


@bp.route("/<module_id>/slides")
@staff_only
def slides_start(module_id: str):
    return redirect(url_for("learn.slide", module_id=module_or_404(module_id).id, number=1))


@bp.route("/<module_id>/slides/<int:number>")
@staff_only
def slide(module_id: str, number: int):
    """One step per screen, large type; arrow keys move (static/js/slides.js), links work without it.
    Nothing is recorded: the teacher's reading is not a student's progress."""
    module = module_or_404(module_id)
    lesson = module.lesson(locale())
    if not 1 <= number <= lesson.step_count:
        return redirect(url_for("learn.slide", module_id=module.id, number=min(max(number, 1), lesson.step_count)))
    return render_template("learn/slide.html", module=module, lesson=lesson, step=lesson.steps[number - 1])
