"""Parts of every page rendered once and kept: the header's first row, the navigation, the footer.

They are the same for everyone with the same role, language and counts, yet rendering them took as
long as loading the user and as long as most pages' own content. `fragment("_nav.html", role=...)`
renders a template with exactly the values it is given (no request, no user, no context
processors) and keeps the HTML per template, language and values in each worker. What a fragment
shows can only come from those values, so they are its whole key; tests/test_fragments.py checks
that fragment templates use nothing else."""

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

FRAGMENTS = ("_header_top.html", "_nav.html", "_footer.html", "_head_assets.html")
# What a fragment may use besides its values: the same for every request in a language.
SHARED_NAMES = frozenset({"_", "gettext", "ngettext", "url_for", "help_list_html", "Role"})
MAX_ENTRIES = 5_000  # per worker; past it the cache starts afresh


def fragment(name: str, **values) -> Markup:
    key = (name, request.script_root, str(get_locale()), *sorted(values.items()))
    cache: dict[tuple, Markup] = current_app.extensions.setdefault("dari_fragments", {})
    html = cache.get(key)
    if html is None:
        template = current_app.jinja_env.get_template(name)
        html = Markup(template.render(**values))  # noqa: S704 - an autoescaped template's output
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = html
    return html
