"""Whole pages that are the same for everyone who is not logged in: the landing page, the help
lines and the first report page, kept as HTML in each worker for PUBLIC_PAGE_SECONDS.

These are the pages a whole school opens at once (an assembly told to look at /report), and they
hold nothing about the visitor: no account, no form token (their forms need none, see
app.main.routes.set_language and app.reports.routes.step), no message meant for one person. So
the HTML depends only on the page's address and language. Anything personal makes the page
uncacheable for that request: a logged-in user, or a message waiting to be shown."""

import time
from collections.abc import Callable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

MAX_ENTRIES = 2_000  # per worker; past it the cache starts afresh (odd query strings cannot fill memory)


def public_page(render: Callable[[], str]) -> str:
    """The page `render()` gives, or the HTML it gave for this address and language within
    PUBLIC_PAGE_SECONDS."""
    if current_user.is_authenticated or "_flashes" in session:
        return render()
    key = (request.script_root, request.full_path, str(get_locale()))
    cache: dict[tuple, tuple[float, str]] = current_app.extensions.setdefault("dari_public_pages", {})
    now = time.monotonic()
    found = cache.get(key)
    if found is not None and now - found[0] < current_app.config["PUBLIC_PAGE_SECONDS"]:
        return found[1]
    html = render()
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = (now, html)
    return html
