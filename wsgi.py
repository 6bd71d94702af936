"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from app import create_app
from app.i18n import catalogue

app = create_app()
catalogue.warm()  # before the first request, not in it (see the docstring)
