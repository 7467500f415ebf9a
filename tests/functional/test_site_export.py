"""`flask export FILE.json` and `flask import afterword FILE.json`: a whole site out and back into an empty one with
nothing lost, run as an operator runs them (through the command line), then read through the pages and the API."""

import json
import os
import re
import stat

import pytest
from lxml import etree
from sqlalchemy import func, select, text, update

from app.extensions import db
from app.models import Article, Comment, CommentStatus, OutboxMessage, Role, User
from app.models.site_state import seed_site_versions
from app.services import moderation, site_export, sites, staff_mail, subscriptions, votes
from app.services.articles import update_article
from app.services.comments import Writer, delete_comment, edit_comment
from app.services.correction_requests import Requester, decide_request, request_correction
from app.services.notes import amend_note, retract_note
from app.services.settings import update_settings
from tests.conftest import ON_POSTGRES, PASSWORD
from tests.factories import OPEN, api_comment, make_chain, make_comment, make_guest, make_note, run_tasks

A, P, S, T = CommentStatus.approved, CommentStatus.pending, CommentStatus.spam, CommentStatus.trash


@pytest.fixture
def rich_site(make_user, make_article):
    """A site with a row in every table the export holds: every role, articles with revisions (one a draft, one
    with a guest byline), comments in every state (replies, edited, deleted with replies), flags, a ban, notes
    amended and retracted with citations, correction requests, settings, subscriptions and staff mail choices."""
    admin = make_user("admin", name="Ada Admin", email="ada@example.org")
    moderator = make_user("moderator", name="Mo Derator", email="mo@example.org")
    author = make_user("author", name="Dana Reyes", email="dana@example.org")
    reader = make_user("reader", name="Rita Reader", email="rita@example.org")
    tides = make_article(author, title="Tides & currents", body="The moon pulls.\n\nThe sea follows.")
    update_article(tides, body="The moon pulls.\n\nThe sea follows, twice a day.", editor=author)
    make_article(author, title="A draft", published=False)
    guest = make_article(author, title="A guest's view", guest=("Sam Specialist", "Oceanographer"))

    first = make_comment(tides, "Great post, **Dana**!", make_guest("Zoë Łukasiewicz", "zoe@example.org"))
    reply = make_comment(tides, "Thanks!", Writer(user=author), parent=first)
    make_comment(tides, "A reply to the reply.", Writer(user=reader), parent=reply)
    edited = make_comment(
        tides, "First words.", make_guest("Eddie Editor", "eddie@example.org", website="https://e.example")
    )
    edit_comment(edited, "Second words.", OPEN)
    gone = make_comment(tides, "I will delete this.", make_guest("Del Eted", "del@example.org"))
    make_comment(tides, "A reply that keeps it on the page.", make_guest("Ray Plier", "ray@example.org"), parent=gone)
    delete_comment(gone)
    make_comment(tides, "Waiting for a look.", status=P)
    spam = make_comment(
        tides, "Buy cheap pills", make_guest("Spammer", "spam@example.org"), status=S, moderator=moderator
    )
    make_comment(tides, "Off topic.", status=T, moderator=moderator, trash_reason="off_topic")
    make_comment(guest, "On the guest's article.")
    flagged = make_comment(guest, "Something contested.")
    moderation.flag_comment(flagged, "guest:abc", "factual_error", "It is wrong.", OPEN, ip_network="203.0.113.0/24")
    moderation.create_ban("email", spam.writer_email, "Pills", moderator)
    votes.vote(first, votes.user_voter_key(reader), user=reader, ip_network="198.51.100.0/24")
    votes.vote(first, "guest:def", ip_network="203.0.113.0/24")
    votes.pin(first, author)

    note = make_note(tides, author, "correction", "The sea follows twice a day.", prompted_by=[first.id])
    amend_note(note, author, body="The sea follows about twice a day.")
    retract_note(make_note(tides, author, "update", "An update."), author, "It was wrong.")
    asked = request_correction(tides, Requester(name="Cora Rector", email="cora@example.org"), "It is 12h25.", OPEN)
    decide_request(asked, "resolve", author, note_id=note.id)
    request_correction(tides, Requester(user=reader), "Spelling.", OPEN)

    update_settings({"link_limit": 3}, admin)
    subscriptions.subscribe(tides, reader)
    subscriptions.subscribe(tides, None, "follower@example.org")
    make_comment(tides, "A new reply for the follower.", parent=first)
    staff_mail.choose(moderator, "daily")
    blog = sites.register_site(admin, sites.SiteFields(name="The blog", origins="https://blog.example"))
    embedded = sites.thread_for_page(blog, None, "https://blog.example/posts/snow.html", "First snow")
    make_comment(embedded, "Comment on the blog's page.", make_guest("Bea Blogreader", "bea@example.org"))
    run_tasks()  # the spam learner's lessons from the moderators' decisions
    db.session.commit()
    return {"admin": admin, "moderator": moderator, "author": author, "reader": reader, "tides": tides}


def export(runner, path, *options):
    result = runner.invoke(args=["export", *options, str(path)])
    assert result.exit_code == 0, result.output
    return result


def read_export(path) -> dict:
    document = json.loads(path.read_text(encoding="utf-8"))
    document.pop("exported_at")
    return document


def empty_the_site():
    """What `flask db upgrade` leaves on a new database: every table empty (ids start again at 1)."""
    db.session.remove()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if ON_POSTGRES:
            connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
        seed_site_versions(connection)


def test_a_site_exported_and_imported_into_an_empty_one_exports_the_same(app, runner, rich_site, tmp_path, client):
    first, second = tmp_path / "site.json", tmp_path / "again.json"
    export(runner, first)
    before = read_export(first)
    assert before["format"] == "afterword-export" and before["version"] == 1
    # The site built above has rows in every table the file holds, so the comparison below misses none of them.
    assert {name: len(rows) for name, rows in before["tables"].items() if not rows} == {}
    assert list(before["tables"]) == [part.name for part in site_export.TABLES]
    assert {row["status"] for row in before["tables"]["comments"]} == {"approved", "pending", "spam", "trash"}
    assert all("password_hash" not in row and "session_token" not in row for row in before["tables"]["users"])

    empty_the_site()
    result = runner.invoke(args=["import", "afterword", str(first)])
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output and "comments 13" in result.output and "Forgot your password" in result.output

    export(runner, second)
    assert read_export(second) == before

    # Through the pages and the API, as readers and staff see it.
    tides = db.session.scalar(select(Article).where(Article.title == "Tides & currents"))
    page = client.get(f"/articles/{tides.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Zoë Łukasiewicz" in html and "<strong>Dana</strong>" in html and "twice a day" in html
    assert "Buy cheap pills" not in html and "I will delete this." not in html
    thread = client.get(f"/api/v1/articles/{tides.slug}/comments").get_json()
    assert thread["count"] == tides.comment_count == 6
    assert client.get(f"/articles/{tides.slug}/history").status_code == 200
    # A new comment and a new account get new ids (on PostgreSQL, past the imported ones: the sequences moved on).
    new_id = api_comment(client, tides, "After the move.")
    assert new_id > max(row["id"] for row in before["tables"]["comments"])
    # The embedded discussion still belongs to its site and its page.
    snow = db.session.scalar(select(Article).where(Article.title == "First snow"))
    assert snow.page_url == "https://blog.example/posts/snow.html"
    assert sites.site_for_origin("https://blog.example") is not None


def test_imported_accounts_keep_their_roles_but_not_their_passwords(app, runner, rich_site, tmp_path, client, login):
    path = tmp_path / "site.json"
    export(runner, path)
    empty_the_site()
    assert runner.invoke(args=["import", "afterword", str(path)]).exit_code == 0
    users = {user.email: user for user in db.session.scalars(select(User))}
    assert {email: user.role for email, user in users.items()} == {
        "ada@example.org": Role.admin,
        "mo@example.org": Role.moderator,
        "dana@example.org": Role.author,
        "rita@example.org": Role.reader,
    }
    hashes = [user.password_hash for user in users.values()]
    assert len(set(hashes)) == len(hashes) and all("$" not in value for value in hashes)
    login("ada@example.org", PASSWORD)
    assert client.get("/account").status_code == 302  # the old password does not sign in: not signed in

    # "Forgot your password?" gives the account a new one.
    client.post("/password/forgot", data={"email": "ada@example.org"})
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "password_reset"))
    (link,) = set(re.findall(r"http://localhost(/password/reset/\S+)", mail.body))
    done = client.post(link, data={"password": "a new password here", "confirm": "a new password here"})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert client.get("/admin/users").status_code == 200  # an admin still


def test_the_file_is_readable_by_its_owner_only_and_the_output_says_what_it_holds(app, runner, rich_site, tmp_path):
    path = tmp_path / "site.json"
    path.write_text("old")
    path.chmod(0o644)
    result = export(runner, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "afterword-export version 1" in result.output
    assert "users 4, sites 1, site_origins 1, articles 4," in result.output and "email addresses" in result.output
    # One row to a line: the file reads (and diffs) line by line.
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('{"format": "afterword-export", "version": 1')
    assert sum(1 for line in lines if line.startswith('   {"article_id"')) >= 12


def test_importing_into_a_site_that_is_not_empty_is_refused_and_changes_nothing(
    app, runner, rich_site, tmp_path, make_user
):
    path = tmp_path / "site.json"
    export(runner, path)
    comments = db.session.scalar(select(func.count(Comment.id)))
    result = runner.invoke(args=["import", "afterword", str(path)])
    assert result.exit_code == 1
    assert "This site is not empty (4 users, 1 sites, 1 site_origins, 4 articles" in result.output
    assert "Nothing was imported" in result.output
    assert db.session.scalar(select(func.count(Comment.id))) == comments

    empty_the_site()
    make_user("admin")
    result = runner.invoke(args=["import", "afterword", str(path)])
    assert result.exit_code == 1 and "not empty (1 users)" in result.output
    assert db.session.scalar(select(func.count(Comment.id))) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "something-else", "version": 1, "tables": {}}', "not an Afterword export"),
        ('{"format": "afterword-export", "version": 2, "tables": {}}', "version 2; this site reads version 1"),
        ('{"format": "afterword-export", "version": 1, "tables": {"widgets": []}}', "table this site does not know"),
        ('{"format": "afterword-export", "version": 1, "tables": {"comments": [], "users": []}}', "comes too late"),
        ('{"format": "afterword-export", "version": 1, "tables": {"users": [{"id": 1, "emial": "x"}]}}', "emial"),
        ('{"format": "afterword-export", "version": 1, "tables": {"users": [{"id": 1,', "not valid JSON"),
        ('{"format": "afterword-export", "version": 1, "tables": {"users": [{"created_at": "May"}]}}', "cannot read"),
        ('{"format": "afterword-export", "version": 1, "tables": {"users": [{"id": 1}]}}', "database refused"),
        ("[]", "no tables"),
    ],
)
def test_a_file_that_is_not_a_readable_export_is_refused(app, runner, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = runner.invoke(args=["import", "afterword", str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Nothing was imported." in result.output
    assert site_export.site_contents() == {}


def test_a_file_broken_after_some_rows_imports_nothing(app, runner, rich_site, tmp_path):
    path = tmp_path / "site.json"
    export(runner, path)
    cut = tmp_path / "cut.json"
    content = path.read_text(encoding="utf-8")
    cut.write_text(content[: content.index('"comment_revisions"')])
    empty_the_site()
    result = runner.invoke(args=["import", "afterword", str(cut)])
    assert result.exit_code == 1 and "not valid JSON" in result.output
    assert site_export.site_contents() == {}


def test_a_dry_run_reads_everything_and_writes_nothing(app, runner, rich_site, tmp_path):
    path = tmp_path / "site.json"
    export(runner, path)
    empty_the_site()
    result = runner.invoke(args=["import", "afterword", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: nothing written" in result.output and "comments 13" in result.output
    assert site_export.site_contents() == {}


def test_every_table_is_either_in_the_export_or_left_out_for_a_reason(app):
    exported = {part.name for part in site_export.TABLES}
    assert exported.isdisjoint(site_export.LEFT_OUT)
    assert set(db.metadata.tables) - exported - set(site_export.LEFT_OUT) == set()
    # Parents before children: each table's references point at tables earlier in the list (or at itself).
    seen: set[str] = set()
    for part in site_export.TABLES:
        for key in part.table.foreign_keys:
            assert key.column.table.name in seen | {part.name}, (part.name, key.target_fullname)
        seen.add(part.name)


def test_guest_bylines_and_unicode_survive(app, runner, make_user, make_article, tmp_path):
    author = make_user("author")
    article = make_article(author, title="Ünïcödé — “quotes”", guest=("Sam 日本", "Bio & more"))
    make_comment(article, 'He said "<script>alert(1)</script>" \u2028 and left.')
    path = tmp_path / "site.json"
    export(runner, path)
    before = read_export(path)
    empty_the_site()
    assert runner.invoke(args=["import", "afterword", str(path)]).exit_code == 0
    export(runner, path)
    assert read_export(path) == before
    assert db.session.scalar(select(Article.guest_author_name)) == "Sam 日本"


# --- WordPress (WXR) ---------------------------------------------------------------------------


def thread_shape(article: Article) -> list[tuple]:
    """The public thread: each comment's writer, words and the writer of the public comment it answers (or of the
    nearest public one above it: a removed comment is not in a WordPress export, its replies move up)."""
    db.session.expire_all()
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.article_id == article.id, Comment.status == A, Comment.deleted_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    by_id = {comment.id: comment for comment in db.session.scalars(select(Comment))}
    shape = []
    for comment in comments:
        answered = by_id.get(comment.in_reply_to_id or comment.parent_id or 0)
        while answered is not None and not answered.is_public:
            answered = by_id.get(answered.in_reply_to_id or answered.parent_id or 0)
        words = " ".join(comment.body.replace("*", "").split())
        shape.append((comment.writer_name, comment.writer_email, words, answered.writer_name if answered else None))
    return shape


def test_wxr_holds_published_articles_and_public_comments_and_wordpress_import_reads_them_back(
    app, runner, rich_site, tmp_path
):
    path = tmp_path / "site.xml"
    result = export(runner, path, "--format", "wxr")
    assert "3 published article(s) with 9 public comment(s), as WordPress WXR 1.2" in result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = path.read_text(encoding="utf-8")
    channel = etree.parse(str(path)).getroot().find("channel")
    assert channel.findtext("{http://wordpress.org/export/1.2/}wxr_version") == "1.2"
    items = channel.findall("item")
    assert [item.findtext("{http://wordpress.org/export/1.2/}status") for item in items] == ["publish"] * 3
    assert "A draft" not in content  # drafts stay here
    for hidden in ("Buy cheap pills", "Waiting for a look.", "Off topic.", "I will delete this."):
        assert hidden not in content
    assert "&lt;strong&gt;Dana&lt;/strong&gt;" in content  # the comment's HTML, escaped once by the serialiser
    tides = db.session.get(Article, rich_site["tides"].id)
    expected = thread_shape(tides)
    assert len(expected) == 6
    assert (
        "Ray Plier",
        "ray@example.org",
        "A reply that keeps it on the page.",
        None,
    ) in expected  # its parent is gone

    empty_the_site()
    runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "ada@example.org",
            "--name",
            "Ada",
            "--role",
            "admin",
            "--password",
            PASSWORD,
        ]
    )
    result = runner.invoke(args=["import", "wordpress", str(path)])
    assert result.exit_code == 0, result.output
    assert "Articles: 3 created" in result.output and "Comments: 9 imported (9 approved)." in result.output
    imported = db.session.scalar(select(Article).where(Article.title == "Tides & currents"))
    assert imported.slug == tides.slug and imported.comment_count == 6
    assert "twice a day" in imported.body_html
    assert thread_shape(imported) == expected


def test_many_rows_and_a_reply_filed_before_the_comment_it_answers_come_back(app, runner, make_article, tmp_path):
    article = make_article()
    make_chain(article, 1200)  # more rows than one batch
    early = make_comment(article, "Written first, answering the one below.").id
    late = make_comment(article, "Written after it.").id
    # As an import from another platform can leave it: a reply with a smaller id than the comment it answers.
    db.session.execute(
        update(Comment).where(Comment.id == early).values(parent_id=late, in_reply_to_id=late, root_id=late)
    )
    db.session.commit()
    path = tmp_path / "site.json"
    export(runner, path)
    before = read_export(path)
    empty_the_site()
    result = runner.invoke(args=["import", "afterword", str(path)])
    assert result.exit_code == 0, result.output
    assert "comments 1203" in result.output
    export(runner, path)
    assert read_export(path) == before
    assert db.session.get(Comment, early).parent_id == late


def test_export_to_a_place_that_cannot_be_written_says_so(app, runner, tmp_path):
    result = runner.invoke(args=["export", str(tmp_path / "missing" / "site.json")])
    assert result.exit_code == 1 and "Cannot write" in result.output and "No such file or directory" in result.output
