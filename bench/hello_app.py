"""A bare Flask "hello world": the ceiling of the same gunicorn settings when the app does no work at all.

gunicorn -c gunicorn.conf.py bench.hello_app:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, str]:
    """A small JSON body, like the health endpoints return."""
    return {"hello": "world"}
