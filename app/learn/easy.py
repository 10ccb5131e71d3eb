"""The easy-read (쉬운 글) version of a lesson: one page of short sentences for younger students and
special-education classes. Students and staff both read it; it lives beside the lesson, not in it,
so it stores no progress."""

from flask import abort, render_template
from flask_login import login_required

from app.learn import bp
from app.learn.lessons import locale, module_or_404


@bp.route("/<module_id>/easy")
@login_required
def easy(module_id: str):
    module = module_or_404(module_id)
    html = module.material("easy", locale())
    if html is None:
        abort(404)
    return render_template("learn/easy.html", module=module, lesson=module.lesson(locale()), easy=html)
