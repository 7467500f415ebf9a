"""`flask import wordpress|disqus|isso|commento FILE`, run as a site owner runs it: through the command line, on
hand-made exports of each platform (tests/fixtures/import/), then read back through the thread API and the models.
"""

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    Comment,
    CommentStatus,
    ModerationEvent,
    OutboxMessage,
    SpamExample,
    Task,
)
from app.services import moderation
from app.services.articles import create_article
from tests.factories import make_comment, recount_visible_replies

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
A, P, S, T = CommentStatus.approved, CommentStatus.pending, CommentStatus.spam, CommentStatus.trash


def run_import(runner, platform: str, name: str | Path, *options: str):
    result = runner.invoke(args=["import", platform, str(FIXTURES / name), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def by_origin() -> dict[str, Comment]:
    db.session.expire_all()
    return {comment.origin_id: comment for comment in db.session.scalars(select(Comment))}


def assert_counters_hold() -> None:
    """visible_replies as the listeners keep it, and each article's comment_count as the services count it."""
    assert {cid: pair for cid, pair in recount_visible_replies().items() if pair[0] != pair[1]} == {}
    for article in db.session.scalars(select(Article)):
        published = db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.article_id == article.id, Comment.status == A, Comment.deleted_at.is_(None)
            )
        )
        assert article.comment_count == published, article


def snapshot() -> list[tuple]:
    db.session.expire_all()
    comments = db.session.execute(
        select(Comment.id, Comment.parent_id, Comment.status, Comment.visible_replies, Comment.body_html)
    ).all()
    articles = db.session.execute(select(Article.id, Article.comment_count, Article.discussion_version)).all()
    events = db.session.scalar(select(func.count(ModerationEvent.id)))
    return sorted(comments) + sorted(articles) + [("events", events)]


@pytest.fixture
def site(make_user):
    """An admin (who owns what has no author here) and Dana, the blog's author, with an account here."""
    return make_user("admin", name="Site Admin", email="admin@example.org"), make_user(
        "author", name="Dana Host", email="dana@example.org"
    )


# --- WordPress ---------------------------------------------------------------------------------


def test_wordpress_posts_become_articles_and_comments_keep_their_states_and_threads(app, runner, site):
    admin, dana = site
    result = run_import(runner, "wordpress", "wordpress.xml")
    assert result.exit_code == 0, result.output
    assert "Articles: 4 created, 0 matched." in result.output
    assert "Comments: 19 imported (16 approved, 1 pending, 1 spam, 1 trash)." in result.output
    assert "1 pingback; 1 trackback" in result.output
    assert "1 attachment (not a post or page)" in result.output and "1 nav_menu_item" in result.output

    articles = {article.origin_id: article for article in db.session.scalars(select(Article))}
    tides, chat, about, broken = articles["11"], articles["12"], articles["13"], articles["16"]
    assert tides.slug == "tides-and-currents" and tides.title == "Tides & currents explained"
    assert tides.author_id == dana.id and tides.guest_author_name is None  # the author's account, found by email
    assert tides.status is ArticleStatus.published and tides.published_at.isoformat() == "2019-05-01T08:00:00+00:00"
    assert "<em>moon</em>" in tides.body_html and "<h2>Currents</h2>" in tides.body_html
    assert "excerpt" not in tides.body
    assert chat.author_id == admin.id and chat.guest_author_name == "Sam Specialist"  # no account: a guest byline
    assert not chat.comments_open
    assert about.status is ArticleStatus.draft and about.published_at is None
    assert broken.is_published
    # A published article has its first public version, dated when it went live.
    revision = db.session.scalar(select(ArticleRevision).where(ArticleRevision.article_id == tides.id))
    assert revision.created_at == tides.published_at

    comments = by_origin()
    states = {key: comments[key].status for key in ("101", "103", "104", "105")}
    assert states == {"101": A, "103": P, "104": S, "105": T}
    assert "106" not in comments and "107" not in comments and "120" not in comments
    ada, reply = comments["101"], comments["102"]
    assert reply.parent_id == ada.id and reply.in_reply_to_id == ada.id and reply.root_id == ada.id
    assert reply.user_id == dana.id  # a registered WordPress user, matched by email: the Author badge
    assert ada.writer_website == "https://ada.example.net" and ada.ip_network == "198.51.100.0/24"
    assert ada.created_at.isoformat() == "2019-05-01T09:00:00+00:00"
    assert ada.body == "Great post!\nSecond line.\n\nA second **paragraph** with [a link](https://example.net/ref)."
    assert '<a href="https://example.net/ref" rel="nofollow ugc noopener">a link</a>' in ada.body_html
    # The same sanitiser as a posted comment: no script, no image.
    assert "script" not in comments["109"].body_html and "<img" not in comments["109"].body_html
    zoe = comments["108"]
    assert zoe.writer_name == "Zoë Łukasiewicz-Øster 日本" and "спасибо" in zoe.body
    assert zoe.created_at.isoformat() == "2019-05-03T08:30:00+00:00"  # no GMT date: the local one
    assert zoe.parent_id == comments["103"].id
    assert_counters_hold()


def test_a_chain_ten_deep_is_placed_as_posting_places_it_past_the_depth_limit(app, runner, site):
    run_import(runner, "wordpress", "wordpress.xml")
    comments = by_origin()
    chain = [comments[str(200 + n)] for n in range(10)]
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4, 4, 4, 4, 4, 4]  # max_depth 5: the deepest level is 4
    assert all(c.root_id == chain[0].id for c in chain[1:])
    for earlier, later in zip(chain, chain[1:], strict=False):
        assert later.in_reply_to_id == earlier.id  # each still answers the one before
    assert {c.parent_id for c in chain[5:]} == {chain[3].id}  # past the limit: beside, under depth 3
    assert [c.visible_replies for c in chain] == [9, 8, 7, 6, 1, 1, 1, 1, 1, 0]
    assert [c.id for c in chain] == sorted(c.id for c in chain)  # ids rise in the order they were written


def test_broken_records_are_named_and_nothing_of_them_is_imported(app, runner, site):
    result = run_import(runner, "wordpress", "wordpress.xml")
    assert "Errors: 2 record(s) could not be read:" in result.output
    assert "comment ? on post 16 (line 453): it has no wp:comment_id" in result.output
    assert "comment 132 on post 16 (line 459): its date" in result.output
    comments = by_origin()
    assert "132" not in comments
    assert {"130", "133"} <= set(comments)
    assert comments["133"].body == "Readable, after the damage & with an ampersand & a bare one."


def test_the_thread_api_shows_the_imported_tree(app, runner, client, site):
    run_import(runner, "wordpress", "wordpress.xml")
    data = client.get("/api/v1/articles/tides-and-currents/comments").get_json()
    shown = {c["author"]["name"] if c["author"] else "(removed)": c for c in data["comments"]}
    # Published ones; the held one stays as a placeholder because a published reply answers it.
    assert set(shown) == {"Ada Reader", "(removed)"}
    assert [r["author"]["name"] for r in shown["Ada Reader"]["replies"]] == ["Dana Host", "Script Kiddie"]
    assert shown["Ada Reader"]["replies"][0]["author"]["badge"] == "Author"
    assert [r["author"]["name"] for r in shown["(removed)"]["replies"]] == ["Zoë Łukasiewicz-Øster 日本"]
    assert data["count"] == 4
    chain = client.get("/api/v1/articles/long-conversation/comments").get_json()["comments"]
    node, names = chain[0], []
    while node:
        names.append(node["author"]["name"])
        node = node["replies"][0] if node["replies"] else None
    assert names[:5] == [f"Chain Writer {n}" for n in range(5)]
    page = client.get("/articles/tides-and-currents")
    assert page.status_code == 200 and "Great post!" in page.get_data(as_text=True)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(app, runner, site):
    run_import(runner, "wordpress", "wordpress.xml")
    before = snapshot()
    result = run_import(runner, "wordpress", "wordpress.xml")
    assert "Articles: 0 created, 4 matched." in result.output
    assert "Comments: 0 imported." in result.output
    assert "Already imported earlier, left as they are: 19." in result.output
    assert snapshot() == before


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(app, runner, site):
    before = snapshot()
    result = run_import(runner, "wordpress", "wordpress.xml", "--dry-run")
    assert "Would import from WordPress (wordpress:blog.example.org)" in result.output
    assert "Comments: 19 imported (16 approved, 1 pending, 1 spam, 1 trash)." in result.output
    assert result.output.rstrip().endswith("Dry run: nothing was written.")
    assert snapshot() == before
    assert db.session.scalar(select(func.count(Article.id))) == 0


def test_an_import_notifies_no_one_teaches_nothing_and_says_where_each_comment_came_from(app, runner, site):
    run_import(runner, "wordpress", "wordpress.xml")
    assert db.session.scalar(select(func.count(Task.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert db.session.scalar(select(func.count(SpamExample.id))) == 0
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.trained_as.is_not(None))) == 0
    events = db.session.scalars(select(ModerationEvent)).all()
    assert len(events) == 19 and {event.action for event in events} == {"import"}
    spam = by_origin()["104"]
    (event,) = [event for event in events if event.comment_id == spam.id]
    assert event.to_status == "spam" and event.actor_rule == "import"
    assert event.remark == "Imported from WordPress (wordpress:blog.example.org), id 104"


def test_train_teaches_the_filter_the_imported_spam_and_approved_comments(app, runner, site):
    result = run_import(runner, "wordpress", "wordpress.xml", "--train")
    assert "Spam filter examples added: 17." in result.output
    assert "Spam filter retrained" in result.output
    examples = db.session.scalars(select(SpamExample)).all()
    assert Counter(example.is_spam for example in examples) == {False: 16, True: 1}
    assert {example.origin for example in examples} == {"import:wordpress:blog.example.org"}
    assert by_origin()["104"].trained_as == "spam"


def test_wxr_1_0_and_a_file_cut_short_are_read_as_far_as_they_go(app, runner, site, tmp_path):
    text = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8").replace("export/1.2/", "export/1.0/")
    old = tmp_path / "wxr10.xml"
    old.write_text(text, encoding="utf-8")
    result = run_import(runner, "wordpress", old)
    assert "Comments: 19 imported" in result.output
    db.session.execute(Comment.__table__.delete())
    db.session.execute(ModerationEvent.__table__.delete())
    db.session.commit()
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index("Reply at depth 6.") + 5], encoding="utf-8")
    result = run_import(runner, "wordpress", cut, "--origin", "cut")
    comments = {c.origin_id for c in db.session.scalars(select(Comment).where(Comment.origin == "cut"))}
    assert {"200", "201", "202", "203", "204", "205"} <= comments
    assert "206" not in comments  # cut off in its text: not imported half
    assert "comment 206 on post 12" in result.output and "damaged" in result.output


def test_an_entity_bomb_and_an_external_entity_are_never_expanded(app, runner, site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    laughs = "".join(f'<!ENTITY l{n} "&l{n - 1};&l{n - 1};&l{n - 1};&l{n - 1};&l{n - 1};">' for n in range(1, 12))
    text = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8")
    text = text.replace(
        '<?xml version="1.0" encoding="UTF-8" ?>',
        f'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}'
        f'<!ENTITY xxe SYSTEM "file://{secret}">]>',
    ).replace("Waiting for a moderator.", "&l11; &xxe;")
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(text, encoding="utf-8")
    result = run_import(runner, "wordpress", hostile)
    assert result.exit_code == 0
    held = by_origin()["103"]
    assert "TOP SECRET" not in held.body and "lol" not in held.body
    assert len(held.body) < 100


# --- Disqus ------------------------------------------------------------------------------------


def test_disqus_threads_map_to_articles_by_address_or_get_one(app, runner, site, make_article):
    admin, dana = site
    existing = make_article(author=dana, title="Tides", slug="tides-and-currents")
    result = run_import(runner, "disqus", "disqus.xml")
    assert result.exit_code == 0, result.output
    assert "Imported from Disqus (disqus:fieldnotes)" in result.output
    assert "Articles: 1 created, 1 matched." in result.output
    assert "Comments: 8 imported (6 approved, 1 spam, 1 trash)." in result.output
    assert "1 post in a thread deleted on Disqus" in result.output and "1 thread deleted on Disqus" in result.output
    assert "post 2008 (line 155): it names no thread" in result.output
    assert "post 2011 (line 182): the file is damaged there (line 184" in result.output
    assert "post 2010" in result.output and "imported as a top-level comment" in result.output

    articles = db.session.scalars(select(Article).order_by(Article.id)).all()
    assert len(articles) == 2  # the thread nobody commented on made nothing
    made = articles[1]
    assert made.slug == "harbour-walk" and made.title == "A harbour walk" and made.author_id == admin.id
    assert made.origin == "disqus:fieldnotes" and made.origin_id == "1002"
    assert not made.comments_open and made.is_published
    assert "https://blog.example.org/notes/harbour-walk.html" in made.body_html

    comments = by_origin()
    assert {c.article_id for key, c in comments.items() if key in {"2001", "2002", "2003", "2004", "2005"}} == {
        existing.id
    }
    removed, answer = comments["2002"], comments["2003"]
    assert removed.status is T and answer.parent_id == removed.id
    assert removed.ip_network == "2001:db8:abcd::/48"
    assert comments["2004"].status is S
    assert comments["2005"].writer_email == "" and comments["2005"].ip_network is None
    later, parent = comments["2007"], comments["2006"]
    assert later.parent_id == parent.id and parent.id < later.id  # read before its parent, placed after it
    assert parent.body == "> Quoted words\n\nZoë says: ça va — 日本語 ✓"
    assert comments["2010"].parent_id is None
    assert_counters_hold()


def test_a_removed_disqus_post_with_replies_leaves_a_placeholder(app, runner, client, site, make_article):
    make_article(author=site[1], title="Tides", slug="tides-and-currents")
    run_import(runner, "disqus", "disqus.xml")
    data = client.get("/api/v1/articles/tides-and-currents/comments").get_json()
    (first,) = [c for c in data["comments"] if c["author"] and c["author"]["name"] == "Ada Reader"]
    (placeholder,) = first["replies"]
    assert placeholder["removed"] and placeholder["author"] is None and placeholder["body_html"] == ""
    assert [r["author"]["name"] for r in placeholder["replies"]] == ["Bo Replier"]
    assert "Something rude" not in str(data)


def test_a_disqus_import_run_twice_adds_nothing(app, runner, site):
    run_import(runner, "disqus", "disqus.xml")
    before = snapshot()
    result = run_import(runner, "disqus", "disqus.xml")
    assert "Articles: 0 created, 2 matched." in result.output
    assert "Already imported earlier, left as they are: 8." in result.output
    assert snapshot() == before


# --- Isso and Commento -------------------------------------------------------------------------


def test_isso_threads_and_modes(app, runner, site, make_article):
    existing = make_article(author=site[1], title="Tides", slug="tides-and-currents")
    result = run_import(runner, "isso", "isso.json")
    assert "Articles: 1 created, 1 matched." in result.output
    assert "Comments: 6 imported (4 approved, 1 pending, 1 trash)." in result.output
    assert "comment 6 of thread '/2019/05/tides-and-currents/': its date (created) is missing" in result.output
    assert "thread 3: it is not a JSON object" in result.output
    comments = by_origin()
    first = comments["1@/2019/05/tides-and-currents/"]
    assert first.article_id == existing.id and first.body.startswith("Lovely **tides** post.")
    assert '<a href="https://example.net/moon_phase" rel="nofollow ugc noopener">' in first.body_html
    deleted = comments["3@/2019/05/tides-and-currents/"]
    assert deleted.status is T and deleted.visible_replies == 1
    assert comments["5@/2019/05/tides-and-currents/"].body == "Imported into Isso from WordPress, so *HTML*."
    assert comments["1@/notes/new-page/"].article_id != existing.id  # ids repeat across threads
    assert_counters_hold()


def test_commento_comments_commenters_and_states(app, runner, site, make_article):
    existing = make_article(author=site[1], title="Tides", slug="tides-and-currents")
    result = run_import(runner, "commento", "commento.json")
    assert "Imported from Commento (commento:blog.example.org)" in result.output
    assert "Comments: 6 imported (3 approved, 1 pending, 1 spam, 1 trash)." in result.output
    assert "comment 7: it has no commentHex" in result.output
    assert "comment c8a1: its date (creationDate) is missing or not a date" in result.output
    comments = by_origin()
    reply, top = comments["c2a1"], comments["c1a1"]
    assert reply.parent_id == top.id and top.article_id == existing.id
    assert reply.writer_name == "Paz Commento" and reply.writer_website == "https://paz.example.net"
    assert top.writer_website is None  # "undefined" is not an address
    assert comments["c3a1"].writer_name == "Anonymous" and comments["c3a1"].status is P
    assert comments["c4a1"].status is S and comments["c5a1"].status is T
    assert comments["c6a1"].article.slug == "about"
    assert_counters_hold()


def test_a_file_that_is_not_json_is_reported_where_it_breaks(app, runner, site, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "/a", "comments": [\n  {"id": 1,, }]}]', encoding="utf-8")
    result = run_import(runner, "isso", broken)
    assert "line 2, column" in result.output and "not valid JSON" in result.output
    assert "Comments: 0 imported." in result.output


def test_the_owner_option_names_who_owns_made_articles(app, runner, make_user):
    result = run_import(runner, "disqus", "disqus.xml")
    assert "No account can own it: create an admin first, or name the owner with --owner." in result.output
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    author = make_user("author", email="owner@example.org")
    result = run_import(runner, "disqus", "disqus.xml", "--owner", "owner@example.org")
    assert "Articles: 2 created, 0 matched." in result.output
    assert {article.author_id for article in db.session.scalars(select(Article))} == {author.id}
    result = runner.invoke(args=["import", "disqus", str(FIXTURES / "disqus.xml"), "--owner", "nobody@example.org"])
    assert result.exit_code != 0 and "No account has the email address" in result.output


def test_imported_comments_join_a_discussion_already_here_and_moderation_works_on_them(app, runner, site):
    admin, dana = site
    article = create_article(dana, "Tides", "Body.", published=True, slug="tides-and-currents")
    here = make_comment(article, "Posted here before the import.")
    make_comment(article, "A reply posted here.", parent=here)
    run_import(runner, "disqus", "disqus.xml")
    assert_counters_hold()
    comments = by_origin()
    moderation.apply(comments["2002"], "restore", admin)  # trashed on Disqus: back to the queue for a decision
    assert comments["2002"].status is P
    moderation.apply(comments["2002"], "approve", admin)
    moderation.apply(comments["2001"], "trash", admin, "other")
    assert_counters_hold()
    db.session.expire_all()
    assert db.session.get(Article, article.id).comment_count == 5  # 2 posted here, 3 imported, 1 approved, 1 trashed


def test_a_page_address_longer_than_an_id_column_still_finds_its_comments(app, runner, site, tmp_path):
    uri = "/" + "very-long-segment/" * 20 + "the-page/"
    export = tmp_path / "long.json"
    comments = [
        {"id": 1, "created": "2020-01-01 10:00:00", "text": "Hi"},
        {"id": 2, "parent": 1, "created": "2020-01-01 11:00:00", "text": "Reply"},
    ]
    export.write_text(json.dumps([{"uri": uri, "title": "Long", "comments": comments}]), encoding="utf-8")
    result = run_import(runner, "isso", export)
    assert "Comments: 2 imported (2 approved)." in result.output and "Errors: 0" in result.output
    article = db.session.scalar(select(Article))
    assert article.slug == "the-page" and len(article.origin_id) == 200
    assert "Already imported earlier, left as they are: 2." in run_import(runner, "isso", export).output
