"""Entry point for `flask` (FLASK_APP=wsgi) and gunicorn (`gunicorn wsgi:app`)."""
from app import create_app

app = create_app()
