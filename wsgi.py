"""Entry point for `flask` (FLASK_APP=wsgi) and gunicorn (`gunicorn wsgi:app`)."""

import sys

from app import create_app

# Invalid lessons stop the app from starting, except for `flask content check`, whose job is to
# list every problem in them.
app = create_app(strict_content=sys.argv[1:3] != ["content", "check"])
