"""Entry point for `flask` (FLASK_APP=wsgi) and gunicorn (`gunicorn wsgi:app`)."""

import gc
import sys

from app import create_app

# Invalid lessons stop the app from starting, except for `flask content check`, whose job is to
# list every problem in them.
app = create_app(strict_content=sys.argv[1:3] != ["content", "check"])

# What start-up built (the rendered curriculum, templates, mappers: ~150,000 objects) lives as long
# as the worker. Left to the cyclic collector, each full collection walks all of it, pausing a
# request for up to ~110 ms (measured on the class dashboard); frozen, it is never walked again.
gc.collect()
gc.freeze()
