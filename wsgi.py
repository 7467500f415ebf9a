"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`.

Under the `flask` command the app has its `flask db` commands; served by gunicorn it leaves them (and Alembic)
out, which keeps every worker some 11 MiB smaller.
"""

import os

from app import create_app

app = create_app(migrations=os.environ.get("FLASK_RUN_FROM_CLI") == "true")
