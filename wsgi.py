"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`.

Under the `flask` command the app has its commands (`flask db`, `flask import`, ...); served by gunicorn it leaves
them out, with Alembic, lxml and the rest of what only they use, which keeps every worker some 17 MiB smaller.
"""

import os

from app import create_app

app = create_app(commands=os.environ.get("FLASK_RUN_FROM_CLI") == "true")
