"""The command-line interface: user create / token / role, and seed-demo."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.demo import ACCOUNTS, ARTICLE_SLUG
from app.extensions import db
from app.models import ApiToken, Article, Comment, Role, User
from app.services import accounts
from tests.factories import make_comment

ROOT = Path(__file__).resolve().parents[2]


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_user_create(runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "Ed@Example.org",
            "--name",
            "Ed",
            "--role",
            "moderator",
            "--password",
            "long enough pass",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created moderator Ed <ed@example.org>." in result.output
    user = accounts.find_user_by_email("ed@example.org")
    assert user.role is Role.moderator


def test_user_create_prompts_for_a_hidden_password(runner, app):
    result = runner.invoke(
        args=["user", "create", "--email", "p@example.org", "--name", "P", "--role", "author"],
        input="prompted password\nprompted password\n",
    )
    assert result.exit_code == 0, result.output
    assert "prompted password" not in result.output
    assert accounts.authenticate("p@example.org", "prompted password", hash_method=app.config["PASSWORD_HASH_METHOD"])


def test_user_create_refuses_an_unknown_role(runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "owner",
            "--password",
            "long enough pass",
        ]
    )
    assert result.exit_code == 2
    assert "'owner' is not one of 'reader', 'author', 'moderator', 'admin'" in result.output
    assert _count(User) == 0


def test_user_create_refuses_duplicates_and_bad_values(runner, make_user):
    make_user(email="dup@example.org")
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "dup@example.org",
            "--name",
            "D",
            "--role",
            "reader",
            "--password",
            "long enough pass",
        ]
    )
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(
        args=["user", "create", "--email", "new@example.org", "--name", "N", "--role", "reader", "--password", "short"]
    )
    assert result.exit_code == 1 and "at least 10 characters" in result.output
    assert _count(User) == 1


def test_user_token_prints_a_working_token_last_and_stores_only_its_hash(runner, make_user, client):
    user = make_user("author")
    result = runner.invoke(args=["user", "token", user.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != token and token not in stored.token_hash
    response = client.post(
        "/api/v1/articles", json={"title": "Via token"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201


def test_user_token_for_an_unknown_email_fails(runner):
    result = runner.invoke(args=["user", "token", "ghost@example.org"])
    assert result.exit_code == 1 and "No account has the email address" in result.output


def test_user_role_changes_the_role(runner, make_user):
    user = make_user("reader")
    result = runner.invoke(args=["user", "role", user.email, "author"])
    assert result.exit_code == 0 and f"{user.email} is now author." in result.output
    db.session.expire_all()
    assert user.role is Role.author


def test_seed_demo_is_idempotent_and_prints_the_accounts(runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for account in ACCOUNTS:
        assert account.email in first.output and account.password in first.output
    counts = (_count(User), _count(Article), _count(Comment))
    assert counts == (4, 1, 13)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert (_count(User), _count(Article), _count(Comment)) == counts
    roles = {user.role for user in db.session.scalars(select(User))}
    assert roles == set(Role)


def test_demo_article_is_a_published_guest_post_with_a_list(runner, client):
    runner.invoke(args=["seed-demo"])
    page = client.get(f"/articles/{ARTICLE_SLUG}").get_data(as_text=True)
    assert "Small claims court" in page
    assert "Marisol Vega" in page and "published by Dana Reyes" in page
    assert '<li id="p-' in page


def test_demo_accounts_can_sign_in(runner, client, login):
    runner.invoke(args=["seed-demo"])
    for account in ACCOUNTS:
        response = login(account.email, account.password)
        assert response.status_code == 302, account.email
        client.post("/logout")


def test_demo_discussion_branches_and_has_the_hosts_answer(runner):
    runner.invoke(args=["seed-demo"])
    from app.demo import ARTICLE_SLUG
    from app.services.articles import find_article
    from app.services.threads import thread_page

    article = find_article(ARTICLE_SLUG)
    page = thread_page(article)
    assert article.comment_count == 10
    criticism = next(node for node in page.threads if "factual errors" in node.comment.body)
    names = [reply.comment.writer_name for reply in criticism.replies]
    assert names == ["Janet Holm", "Dana Reyes"]
    assert criticism.replies[1].badge == "host"  # Dana Reyes publishes Noor Haddad's guest post
    depth = 0
    node = criticism
    while node.replies:
        node, depth = node.replies[0], depth + 1
    assert depth == 4 and node.badge == "moderator"


def _python(code: str, tmp_path, **environment: str) -> str:
    """Run `code` in a fresh interpreter from the project's root, as gunicorn or the flask command would."""
    settings = {key: value for key, value in os.environ.items() if not key.startswith(("AFTERWORD_", "FLASK_"))}
    settings.update(SECRET_KEY="test", DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}", **environment)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=settings, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_served_app_leaves_out_the_commands_and_the_flask_command_keeps_them(tmp_path):
    """gunicorn's workers never migrate, import or export, so wsgi.py leaves the commands, Flask-Migrate, Alembic
    and lxml out of them; `flask --app wsgi db ...`, `import ...` and the rest still have their commands."""
    check = (
        "import sys, wsgi; commands = wsgi.app.cli.list_commands(None);"
        "print('alembic' in sys.modules, 'lxml' in sys.modules, 'db' in commands, 'import' in commands,"
        " 'user' in commands)"
    )
    assert _python(check, tmp_path) == "False False False False False"
    assert _python(check, tmp_path, FLASK_RUN_FROM_CLI="true") == "True True True True True"
    upgraded = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Running upgrade" in upgraded.stderr


def test_comments_rerender_renders_old_html_again_and_raises_the_discussion_version(runner, make_article):
    article = make_article()
    old = make_comment(article, "![A cat](https://example.org/cat.jpg)")
    kept = make_comment(article, "Plain words.")
    # As the earlier renderer stored it: a stray "!" before the link.
    old.body_html = '<p>!<a href="https://example.org/cat.jpg" rel="nofollow ugc noopener">A cat</a></p>\n'
    db.session.commit()
    article_id, old_id, kept_id, kept_html = article.id, old.id, kept.id, kept.body_html
    version = db.session.get(Article, article_id).discussion_version

    result = runner.invoke(args=["comments", "rerender"])
    assert result.exit_code == 0, result.output
    assert "Checked 2 comment(s); rendered 1 again." in result.output
    db.session.expire_all()
    assert db.session.get(Comment, old_id).body_html == (
        '<p><a href="https://example.org/cat.jpg" rel="nofollow ugc noopener">A cat</a></p>\n'
    )
    assert db.session.get(Comment, kept_id).body_html == kept_html
    assert db.session.get(Article, article_id).discussion_version > version
    again = runner.invoke(args=["comments", "rerender"])
    assert "Checked 2 comment(s); rendered 0 again." in again.output
