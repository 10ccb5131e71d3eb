"""Staff guides that belong to no one module: the incident flowchart, what to do when the suspected
perpetrator is in the class or the victim is a teacher, curriculum alignment, grade bands."""

from flask import abort, render_template

from app.content import library
from app.learn import bp
from app.learn.lessons import locale
from app.learn.staff import staff_only


@bp.route("/staff-guides")
@staff_only
def staff_guides():
    guides = [(g, g.page(locale())) for g in library().staff_guides]
    return render_template("learn/staff_guides.html", guides=guides)


@bp.route("/staff-guides/<name>")
@staff_only
def staff_guide(name: str):
    guide = library().staff_guide(name)
    if guide is None:
        abort(404)
    return render_template("learn/staff_guide.html", guide=guide, page=guide.page(locale()))
