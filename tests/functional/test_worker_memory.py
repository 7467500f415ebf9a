"""What keeps a served worker small (issue 14, docs/performance.md "Memory") without changing what it does.

A package a worker may never use is imported where it is first needed, so these tests run a fresh interpreter
that loads wsgi.py as gunicorn does and goes through the public surface: a guest's comment through the whole
spam pipeline, the thread as JSON and the article page. Figures are for bench/memory.py; here, only behaviour.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, event

from app.extensions import SQLITE_CACHED_STATEMENTS
from tests.akismet_fake import SPAM_MARKER, VALID_KEY, running_fake

ROOT = Path(__file__).resolve().parents[2]
# Packages a worker serving comments without an Akismet key has no use for.
UNUSED_WITHOUT_A_KEY = ["akismet", "httpx", "anyio", "app.services.spam.akismet_client"]
# What only the `flask` command runs (migrations, imports and exports, the demo, the spam evaluation), and mail
# while none is sent: never in a served worker that posts and reads.
UNUSED_BY_A_SERVED_WORKER = [
    "alembic",
    "flask_migrate",
    "app.cli",
    "app.importers",
    "app.services.importing",
    "app.services.site_export",
    "app.services.wxr_export",
    "app.services.spam.evaluation",
    "app.demo",
    "lxml",
    "ijson",
    "flask_mailman",
    "app.services.mail_client",
]

# Loads the app as gunicorn does, makes an article, posts a guest's comment (named by argv[1]) through the API,
# reads the thread and the page, and prints what the comment was judged and which modules are loaded.
SERVE = """
import json, sys
import wsgi
from app.extensions import db
from app.models import Comment
from app.services import accounts
from app.services.articles import create_article

app = wsgi.app
with app.app_context():
    db.create_all()
    author = accounts.create_user(
        "a@example.org", "Author", "a long password", "author", hash_method="pbkdf2:sha256:1000", min_length=8
    )
    slug = create_article(author, "Title", "One.\\n\\nTwo.", published=True).slug
    db.session.commit()
client = app.test_client()
posted = client.post(
    f"/api/v1/articles/{slug}/comments",
    json={"name": sys.argv[1], "email": "guest@example.org", "body": "Does the deadline differ for oral agreements?"},
)
thread = client.get(f"/api/v1/articles/{slug}/comments")
page = client.get(f"/articles/{slug}")
with app.app_context():
    comment = db.session.get(Comment, posted.get_json()["comment"]["id"])
    reasons = [reason["code"] for reason in comment.reasons or []]
print(json.dumps({
    "answers": [posted.status_code, thread.status_code, page.status_code],
    "status": comment.status.value,
    "reasons": reasons,
    "loaded": sorted(name for name in sys.argv[2:] if name in sys.modules),
}))
"""


def _serve(tmp_path: Path, writer: str, **environment: str) -> dict:
    settings = {key: value for key, value in os.environ.items() if not key.startswith(("AFTERWORD_", "FLASK_"))}
    settings.update(
        SECRET_KEY="test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        AFTERWORD_RATELIMIT_ENABLED="false",
        **environment,
    )
    done = subprocess.run(
        [sys.executable, "-c", SERVE, writer, *UNUSED_WITHOUT_A_KEY, *UNUSED_BY_A_SERVED_WORKER],
        cwd=ROOT,
        env=settings,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_an_akismet_key_a_worker_never_loads_the_akismet_client_nor_the_commands_nor_mail(tmp_path):
    served = _serve(tmp_path, "Gail Guest")
    assert served["answers"][1:] == [200, 200] and served["answers"][0] in {201, 202}
    assert "akismet" not in served["reasons"]
    assert served["loaded"] == []


def test_with_a_key_the_akismet_client_is_loaded_on_first_use_and_judges_the_comment(tmp_path):
    with running_fake() as fake:
        served = _serve(
            tmp_path,
            SPAM_MARKER,  # Akismet's documented test name, which its fake calls spam
            AFTERWORD_AKISMET_KEY=VALID_KEY,
            AFTERWORD_AKISMET_API_URL=fake.url,
            AFTERWORD_AKISMET_BLOG_URL="https://blog.example/",
        )
        checked = fake.calls("comment-check")
    assert len(checked) == 1 and checked[0].form["comment_author"] == SPAM_MARKER
    assert served["answers"] == [202, 200, 200]
    assert served["status"] == "spam" and "akismet" in served["reasons"]
    assert served["loaded"] == sorted(UNUSED_WITHOUT_A_KEY)


def _connect_arguments(engine) -> dict:
    seen: dict = {}
    event.listen(engine, "do_connect", lambda dialect, record, cargs, cparams: seen.update(cparams))
    engine.connect().close()
    engine.dispose()
    return seen


def test_a_sqlite_connection_keeps_a_bounded_number_of_prepared_statements():
    """Statements with lists of ids differ for every length; Python's default of 128 kept ~7 MiB of them."""
    assert _connect_arguments(create_engine("sqlite://"))["cached_statements"] == SQLITE_CACHED_STATEMENTS < 128
    # An engine that names its own number keeps it.
    named = create_engine("sqlite://", connect_args={"cached_statements": 7})
    assert _connect_arguments(named)["cached_statements"] == 7
