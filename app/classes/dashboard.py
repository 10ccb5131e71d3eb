"""What a class learned: the progress grid, its CSV, quiz item analysis and one student's record.
Teachers of the class and school admins (read-only) may look; the rules live in progress.py."""

import csv
import io
from functools import cache
from typing import NamedTuple
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _, ngettext, pgettext
from markupsafe import Markup, escape
from werkzeug.utils import secure_filename

from app.classes import bp, item_analysis, progress
from app.classes.access import can_manage, class_or_404, student_in_class_or_404, teacher_or_admin
from app.content import library
from app.learn.lessons import locale
from app.models.base import utcnow

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.route("/classes/<int:class_id>/dashboard")
@teacher_or_admin
def dashboard(class_id: int):
    classroom = class_or_404(class_id, manage=False)
    board = progress.build_dashboard(classroom.id)
    sort = progress.resolve_sort(request.args.get("sort"), board.columns)
    labels = StatusText()
    urls = links(classroom.id, board)
    rows = grid(progress.sorted_rows(board, sort), labels, urls.pop("student_url"))
    return render_template(
        "classes/dashboard.html",
        classroom=classroom,
        board=board,
        grid=rows,
        totals=totals(board.columns),
        **urls,
        sort=sort,
        status_text=labels,
        locale=locale(),
        can_manage=can_manage(classroom),
        bar=bar,
    )


def links(class_id: int, board: progress.Dashboard) -> dict:
    """The grid's links, each built once here rather than by url_for in the template: one per student
    (its id appended by grid()), and per column its quiz items and its sort."""
    here = url_for("classes.dashboard", class_id=class_id)
    modules = [c.module.id for c in board.columns]
    return {
        "student_url": url_for("classes.student_detail", class_id=class_id, student_id=0).removesuffix("0"),
        "sort_urls": {key: f"{here}?{urlencode({'sort': key})}" for key in [*progress.SORTS, *modules]},
        "items_urls": {m: url_for("classes.items", class_id=class_id, module_id=m) for m in modules},
    }


def grid(rows: list[progress.Row], labels: "StatusText", student_url: str) -> list[Markup]:
    """The grid's rows as HTML, written here from plain values with every text already translated
    and escaped: the template printing 40 x 11 values one by one took a fifth of the page."""
    base = escape(student_url)
    html = []
    for row in rows:
        student = row.student
        late = row.overdue
        html.append(
            f'<tr><th scope="row"><a href="{base}{int(student.id)}">{escape(student.display_name)}</a> '
            f'<span class="username">{escape(student.username or "")}</span></th>'
            f'<td><span class="status">{escape(labels.of(row.done, row.assigned))}</span>'
            f"{bar(progress.percent(row.done, row.assigned))}</td>"
            f'<td class="overdue-col{" has-overdue" if late else ""}">{int(late)}</td>'
            + "".join([labels.cell(cell) for cell in row.cells])
            + "</tr>"
        )
    return [Markup(row) for row in html]  # noqa: S704 - every value above is escaped or a number


@cache
def bar(percent: int, kind: str = "done") -> Markup:
    """A bar is a picture of the words next to it: hidden from screen readers, which read the words.
    One per row and per total: a Python function remembering each (percent, kind), not a macro call."""
    return Markup(  # noqa: S704 - a whole number and one of the template's own kinds
        f'<svg class="bar bar-{escape(kind)}" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect width="{int(percent)}" height="10"/></svg>'
    )


class Total(NamedTuple):
    """One module's totals row, in words: the bar's text is what screen readers get."""

    done: str
    percent: int
    counts: str
    average: str
    bands: list[tuple[str, int, str, int]]  # (band, students, the same in words, % of those assigned)


def totals(columns: list[progress.Column]) -> list[Total]:
    """Per module (not per cell): done of assigned, who is on the way or late, the score spread.
    Each text is translated once for all the modules (per module it was a tenth of the page)."""
    names = [_("%(low)d–%(high)d%%", low=low, high=high) for low, high in progress.BANDS] + [_("No score yet")]
    no_scores, average = _("No quiz scores yet"), _("Average best score %(score)d%%")
    done, counts = _("%(done)d of %(assigned)d done"), _("%(in_progress)d in progress, %(overdue)d overdue")
    students: dict[int, str] = {}

    def in_words(n: int) -> str:
        if n not in students:
            students[n] = ngettext("%(num)d student", "%(num)d students", n)
        return students[n]

    return [
        Total(
            done % {"done": column.done, "assigned": column.assigned},
            progress.percent(column.done, column.assigned),
            counts % {"in_progress": column.in_progress, "overdue": column.overdue},
            no_scores if column.average is None else average % {"score": column.average},
            [
                (name, n, in_words(n), progress.percent(n, column.assigned))
                for name, n in zip(names, column.bands, strict=True)
            ],
        )
        for column in columns
    ]


@bp.route("/classes/<int:class_id>/dashboard.csv")
@teacher_or_admin
def dashboard_csv(class_id: int):
    classroom = class_or_404(class_id, manage=False)
    board = progress.build_dashboard(classroom.id)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the file as UTF-8 (Korean names) only with a BOM
    writer = csv.writer(out)
    for line in _csv_lines(board):
        writer.writerow([_neutralise(value) for value in line])
    name = secure_filename(classroom.name) or "class"
    filename = f"dari-{name}-{classroom.id}-progress-{utcnow():%Y-%m-%d}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_lines(board: progress.Dashboard):
    """The dashboard's data: per student the modules done of assigned and overdue, then per module
    the status (", overdue" included, as it always was), best score and an overdue flag."""
    lang, status_text = locale(), StatusText()
    header = [_("Student"), _("Username"), _("Modules done"), _("Modules assigned"), _("Modules overdue")]
    for column in board.columns:
        title = column.module.lesson(lang).meta.title
        header += [
            _("%(module)s: status", module=title),
            _("%(module)s: best score (%%)", module=title),
            _("%(module)s: overdue", module=title),
        ]
    yield header
    flag = {True: pgettext("overdue in the CSV", "Yes"), False: pgettext("overdue in the CSV", "No")}
    for row in board.rows:
        line = [row.student.display_name, row.student.username or "", row.done, row.assigned, row.overdue]
        for cell in row.cells:
            line += [
                status_text(cell, with_overdue=True),
                "" if cell.best is None else cell.best,
                flag[cell.overdue] if cell.counts else "",
            ]
        yield line


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@bp.route("/classes/<int:class_id>/modules/<module_id>/items")
@teacher_or_admin
def items(class_id: int, module_id: str):
    classroom = class_or_404(class_id, manage=False)
    module = library().get(module_id)
    if module is None:
        abort(404)
    analysis = item_analysis.item_analysis(classroom.id, module)
    minimum = current_app.config["ITEM_ANALYSIS_MIN_ANSWERS"]
    return render_template(
        "classes/items.html",
        classroom=classroom,
        module=module,
        lesson=module.lesson(locale()),
        items=analysis,
        most_missed=item_analysis.most_missed(analysis, minimum),
        minimum=minimum,
        students=max((i.first for i in analysis), default=0),
    )


@bp.route("/classes/<int:class_id>/students/<int:student_id>")
@teacher_or_admin
def student_detail(class_id: int, student_id: int):
    classroom = class_or_404(class_id, manage=False)
    student = student_in_class_or_404(classroom, student_id)
    return render_template(
        "classes/student.html",
        classroom=classroom,
        student=student,
        locale=locale(),
        record=progress.student_record(classroom.id, student.id),
        status_text=StatusText(),
    )


class StatusText:
    """A cell's status in words. Translated once per request, and each distinct cell worded once:
    a grid of 40 x 8 has a few dozen distinct cells, not 320."""

    def __init__(self):
        self.fixed = {
            progress.NOT_ASSIGNED: _("Not assigned"),
            progress.EXCUSED: _("Excused"),
            progress.NOT_STARTED: _("Not started"),
            progress.DONE: _("Done"),
        }
        self.in_progress = _("In progress (step %(n)d of %(m)d)")
        self.overdue = _("%(status)s, overdue")
        self.overdue_tag = _("Overdue")
        self._best = _("Best score %(score)d%%")
        self._of = _("%(done)d of %(assigned)d")
        self._texts: dict[tuple, str] = {}
        self._cells: dict[tuple, Markup] = {}

    def best(self, score: int) -> str:
        return self._best % {"score": score}

    def of(self, done: int, assigned: int) -> str:
        return self._of % {"done": done, "assigned": assigned}

    def __call__(self, cell: progress.Cell, with_overdue: bool = False) -> str:
        key = (cell.status, cell.step, cell.steps, with_overdue and cell.overdue)
        text = self._texts.get(key)
        if text is None:
            text = self.fixed.get(cell.status) or self.in_progress % {"n": cell.step, "m": cell.steps}
            if with_overdue and cell.overdue:
                text = self.overdue % {"status": text}
            self._texts[key] = text
        return text

    def cell(self, cell: progress.Cell) -> Markup:
        """One grid cell as HTML (<td> with its status, best score and overdue tag). A class has
        hundreds of cells and few distinct ones: each distinct cell is written and escaped once."""
        key = (cell.status, cell.step, cell.steps, cell.best, cell.overdue)
        found = self._cells.get(key)
        if found is None:
            # The status is one of progress.py's constants, never user input; the texts are escaped.
            css = f"cell cell-{cell.status}" + (" is-overdue" if cell.overdue else "")
            html = f'<td class="{css}"><span class="status">{escape(self(cell))}</span>'
            if cell.best is not None:
                html += f'<span class="score">{escape(self.best(cell.best))}</span>'
            if cell.overdue:
                html += f'<span class="tag tag-overdue">{escape(self.overdue_tag)}</span>'
            found = self._cells[key] = Markup(html + "</td>")  # noqa: S704 - built from escaped parts
        return found
