"""services.comments and the comment Markdown subset: threading, visibility, owning, closing, and clean HTML."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, inspect, select, update

from app.extensions import db
from app.models import Article, Comment, CommentRevision, CommentStatus
from app.models.types import utcnow
from app.services.comments import (
    Rerendered,
    Writer,
    check_can_change,
    close_comments,
    closed_reason,
    delete_comment,
    edit_comment,
    edit_deadline,
    owns,
    post_comment,
    refresh_comment_count,
    reopen_comments,
    rerender_comments,
)
from app.services.errors import ServiceError
from app.services.markdown import render_comment
from app.services.sanitize import COMMENT_LINK_REL, clean_comment_html
from app.services.settings import CommentRules, comment_rules
from app.services.text import clean_line, clean_text
from app.services.threads import badge_for, page_of, thread_page
from tests.factories import make_comment, make_guest
from tests.unit.test_markdown import active_parts

RULES = CommentRules()
HELD = CommentRules(hold_all=True)


def _comment_rows() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def _chain(article, levels=5) -> list[Comment]:
    """A thread nested `levels` deep, each comment answering the one before, written by W0, W1, ..."""
    chain: list[Comment] = []
    for level in range(levels):
        chain.append(
            make_comment(article, f"Level {level}.", make_guest(f"W{level}"), parent=chain[-1] if chain else None)
        )
    return chain


def _ids(nodes) -> list[int]:
    return [node.id for node in nodes]


# --- posting and validation ------------------------------------------------------------------


def test_a_guest_comment_is_stored_with_clean_html_and_only_a_network(make_article):
    article = make_article()
    comment = make_comment(
        article,
        "Hello *there*.",
        make_guest("  Gail   Guest ", " Gail@Example.ORG ", website="https://gail.example/", network="127.0.0.0/24"),
    )
    stored = db.session.get(Comment, comment.id)
    assert (stored.writer_name, stored.writer_email, stored.writer_website) == (
        "Gail Guest",
        "gail@example.org",
        "https://gail.example/",
    )
    assert stored.ip_network == "127.0.0.0/24"
    assert stored.body == "Hello *there*." and stored.body_html == "<p>Hello <em>there</em>.</p>\n"
    assert (stored.parent_id, stored.root_id, stored.in_reply_to_id, stored.depth) == (None, None, None, 0)
    assert stored.status is CommentStatus.approved and stored.user_id is None
    assert db.session.get(Article, article.id).comment_count == 1


def test_a_posted_comment_is_the_sessions_with_every_column_as_stored(make_user, make_article, count_queries):
    """post_comment writes with statements and gives back the object its values make: it must hold what a read of
    the row gives, the session must know it, and nothing about it (nor its article) is read again."""
    article = make_article()
    reader = make_user("reader")
    parent = make_comment(article, "The first word.", make_guest("Pia"))
    comment = post_comment(article, Writer(user=reader, ip_network="127.0.0.0/24"), "A *reply*.", RULES, parent.id)
    columns = [attribute.key for attribute in inspect(Comment).column_attrs]
    with count_queries() as counted:
        held = {key: getattr(comment, key) for key in columns}
        assert comment.article is article and article.slug and article.author_id
    assert counted.n == 0, counted.statements
    assert comment in db.session and inspect(comment).persistent
    assert comment.user is reader and comment.body_key and held["id"] > parent.id
    db.session.expire_all()
    stored = {key: getattr(db.session.get(Comment, comment.id), key) for key in columns}
    assert held == stored
    assert db.session.get(Comment, parent.id).visible_replies == 1


def test_a_signed_in_writer_posts_as_their_account_whatever_name_is_sent(make_user, make_article):
    reader = make_user("reader", name="Rita Reader", email="rita@example.org")
    comment = make_comment(make_article(), writer=Writer(user=reader, name="Impostor", email="fake@example.org"))
    assert (comment.user_id, comment.writer_name, comment.writer_email) == (
        reader.id,
        "Rita Reader",
        "rita@example.org",
    )


@pytest.mark.parametrize(
    "body, writer, field, message",
    [
        ("", make_guest(), "body", "Write something before posting."),
        ("  \n\t \r\n ", make_guest(), "body", "Write something before posting."),
        ("\u202e\u2066", make_guest(), "body", "Write something before posting."),
        ("x" * 5001, make_guest(), "body", "A comment is at most 5,000 characters (this one has 5,001)."),
        ("Hi.", make_guest(name=""), "name", "Enter your name."),
        ("Hi.", make_guest(name=" \u200b\u202e "), "name", "Enter your name."),
        ("Hi.", make_guest(name="n" * 81), "name", "A name is at most 80 characters."),
        ("Hi.", make_guest(email=""), "email", "Enter your email address; it is never shown."),
        ("Hi.", make_guest(email="   "), "email", "Enter your email address; it is never shown."),
        (
            "Hi.",
            make_guest(website="javascript:alert(1)"),
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        (
            "Hi.",
            make_guest(website="ftp://files.example.org"),
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        (
            "Hi.",
            make_guest(website="example.org"),
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        (
            "Hi.",
            make_guest(website="https://"),
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        (
            "Hi.",
            make_guest(website="https://exa mple.org"),
            "website",
            "A website is an address starting with http:// or https://.",
        ),
        (
            "Hi.",
            make_guest(website="https://e.org/" + "a" * 200),
            "website",
            "A website address is at most 200 characters.",
        ),
    ],
)
def test_invalid_input_names_the_field_and_stores_nothing(make_article, body, writer, field, message):
    article = make_article()
    with pytest.raises(ServiceError) as raised:
        post_comment(article, writer, body, RULES)
    assert (raised.value.field, raised.value.message, raised.value.status) == (field, message, 422)
    assert _comment_rows() == 0
    assert db.session.get(Article, article.id).comment_count == 0


def test_an_invalid_email_is_refused_on_the_email_field(make_article):
    with pytest.raises(ServiceError) as raised:
        make_comment(make_article(), writer=make_guest(email="not-an-email"))
    assert raised.value.field == "email" and raised.value.message.startswith("That email address is not valid")
    assert _comment_rows() == 0


def test_the_length_limit_counts_the_trimmed_text_and_follows_the_rules(make_article):
    article = make_article()
    short = CommentRules(max_length=10)
    assert make_comment(article, "  " + "x" * 10 + "\n\n", rules=short).body == "x" * 10
    with pytest.raises(ServiceError) as raised:
        make_comment(article, "x" * 11, rules=short)
    assert raised.value.message == "A comment is at most 10 characters (this one has 11)."
    assert _comment_rows() == 1


def test_a_body_of_only_invisible_characters_counts_as_empty(make_article):
    with pytest.raises(ServiceError) as raised:
        make_comment(make_article(), "\u200b\u200c\u200d\ufeff")
    assert (raised.value.field, raised.value.message) == ("body", "Write something before posting.")


def test_replying_to_a_missing_foreign_or_hidden_comment_is_refused_on_parent_id(make_article):
    article, other = make_article(), make_article()
    foreign = make_comment(other, "Elsewhere.")
    pending = make_comment(article, "Held.", rules=HELD)
    removed = delete_comment(make_comment(article, "Gone."))
    cases = [
        (9999, "The comment you are replying to does not exist."),
        (foreign.id, "The comment you are replying to belongs to another article."),
        (pending.id, "The comment you are replying to is not visible, so it cannot be answered."),
        (removed.id, "The comment you are replying to is not visible, so it cannot be answered."),
    ]
    before = _comment_rows()
    for parent_id, message in cases:
        with pytest.raises(ServiceError) as raised:
            post_comment(article, make_guest(), "A reply.", RULES, parent_id=parent_id)
        assert (raised.value.field, raised.value.message, raised.value.status) == ("parent_id", message, 422)
    assert _comment_rows() == before


def test_closed_and_draft_articles_refuse_comments_with_403(make_article):
    closed = close_comments(make_article(), "Enough for now.")
    with pytest.raises(ServiceError) as raised:
        make_comment(closed)
    assert (raised.value.code, raised.value.status, raised.value.message) == ("comments_closed", 403, "Enough for now.")
    with pytest.raises(ServiceError) as raised:
        make_comment(make_article(published=False))
    assert (raised.value.code, raised.value.status) == ("comments_closed", 403)
    assert raised.value.message == "Comments open when the article is published."
    assert _comment_rows() == 0


# --- threading -------------------------------------------------------------------------------


def test_replies_nest_to_the_depth_limit_then_attach_at_the_deepest_level(make_article):
    article = make_article()
    chain = _chain(article)
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4]
    assert [c.parent_id for c in chain] == [None] + [c.id for c in chain[:-1]]
    assert [c.root_id for c in chain] == [None] + [chain[0].id] * 4
    assert all(c.in_reply_to_id == c.parent_id for c in chain)

    below = make_comment(article, "Too deep.", make_guest("Deep"), parent=chain[4])
    assert (below.parent_id, below.depth, below.root_id, below.in_reply_to_id) == (
        chain[3].id,
        4,
        chain[0].id,
        chain[4].id,
    )
    again = make_comment(article, "Deeper still.", parent=below)
    assert (again.parent_id, again.depth, again.in_reply_to_id) == (chain[3].id, 4, below.id)


def test_the_depth_limit_comes_from_the_rules(make_article):
    article = make_article()
    shallow = CommentRules(max_depth=2)
    top = make_comment(article, rules=shallow)
    reply = make_comment(article, parent=top, rules=shallow)
    reply_to_reply = make_comment(article, parent=reply, rules=shallow)
    assert (reply.parent_id, reply.depth) == (top.id, 1)
    assert (reply_to_reply.parent_id, reply_to_reply.depth, reply_to_reply.in_reply_to_id) == (top.id, 1, reply.id)


def test_rules_are_read_from_the_configuration_on_each_call(app):
    app.config.update(
        COMMENT_MAX_LENGTH=300,
        COMMENT_MAX_DEPTH=3,
        COMMENT_EDIT_WINDOW_MINUTES=2,
        COMMENTS_AUTO_CLOSE_DAYS=9,
        MODERATION_HOLD_ALL=True,
    )
    rules = comment_rules(app.config)
    assert (rules.max_length, rules.max_depth, rules.edit_window, rules.auto_close_days, rules.hold_all) == (
        300,
        3,
        timedelta(minutes=2),
        9,
        True,
    )


def test_a_reply_beside_the_comment_it_answers_says_whom_it_answers(make_article):
    article = make_article()
    chain = _chain(article)
    below = make_comment(article, "Too deep.", make_guest("Deep"), parent=chain[4])
    page = thread_page(article)
    level3 = page.threads[0].replies[0].replies[0].replies[0]
    assert _ids(level3.replies) == [chain[4].id, below.id]
    answered, beside = level3.replies
    assert answered.in_reply_to is None
    assert beside.in_reply_to.id == chain[4].id and beside.in_reply_to.writer_name == "W4"
    assert level3.in_reply_to is None


# --- reading: placeholders and pending -------------------------------------------------------


def test_a_deleted_comment_with_a_visible_reply_becomes_a_placeholder(make_article):
    article = make_article()
    root = make_comment(article, "Root.")
    reply = make_comment(article, "Reply.", parent=root)
    delete_comment(root)
    (thread,) = thread_page(article).threads
    assert (thread.id, thread.removed, thread.pending) == (root.id, True, False)
    assert _ids(thread.replies) == [reply.id] and thread.replies[0].removed is False
    assert db.session.get(Comment, root.id).deleted_at is not None


def test_a_deleted_comment_without_visible_replies_disappears(make_article):
    article = make_article()
    leaf_parent = make_comment(article, "Stays.")
    delete_comment(make_comment(article, "Leaf.", parent=leaf_parent))
    lonely = make_comment(article, "Lonely.")
    delete_comment(make_comment(article, "Its reply, also deleted.", parent=lonely))
    delete_comment(lonely)
    page = thread_page(article)
    assert _ids(page.threads) == [leaf_parent.id] and page.threads[0].replies == []
    assert page.total_threads == 1 and page.count == 1
    assert _comment_rows() == 4


def test_placeholders_chain_up_to_a_visible_descendant(make_article):
    article = make_article()
    root = make_comment(article, "Root.")
    middle = make_comment(article, "Middle.", parent=root)
    leaf = make_comment(article, "Leaf.", parent=middle)
    delete_comment(middle)
    delete_comment(root)
    (thread,) = thread_page(article).threads
    assert thread.removed and thread.replies[0].removed
    assert thread.replies[0].replies[0].id == leaf.id and not thread.replies[0].replies[0].removed


def test_a_held_comment_is_shown_only_to_its_writer_marked_pending(make_user, make_article):
    article = make_article()
    writer, other = make_user("reader"), make_user("reader")
    by_user = make_comment(article, "Mine.", Writer(user=writer), rules=HELD)
    by_guest = make_comment(article, "A guest's.", rules=HELD)
    assert by_user.status is CommentStatus.pending and not by_user.is_public
    assert db.session.get(Article, article.id).comment_count == 0

    assert thread_page(article).threads == []
    assert thread_page(article, viewer=other, guest_ids={by_guest.id + 1}).threads == []
    (mine,) = thread_page(article, viewer=writer).threads
    assert (mine.id, mine.pending, mine.removed) == (by_user.id, True, False)
    (theirs,) = thread_page(article, guest_ids={by_guest.id}).threads
    assert (theirs.id, theirs.pending) == (by_guest.id, True)
    # A guest token never reaches a comment written from an account.
    assert thread_page(article, guest_ids={by_user.id}).threads == []


def test_a_deleted_parent_of_a_held_reply_is_a_placeholder_only_for_the_replys_writer(make_article):
    article = make_article()
    root = make_comment(article, "Root.")
    held = make_comment(article, "Held reply.", parent=root, rules=HELD)
    delete_comment(root)
    assert thread_page(article).threads == []
    (thread,) = thread_page(article, guest_ids={held.id}).threads
    assert thread.removed and _ids(thread.replies) == [held.id] and thread.replies[0].pending


# --- reading: order and pages ----------------------------------------------------------------


def test_threads_are_oldest_first_or_newest_first_with_replies_oldest_first(make_article):
    article = make_article()
    first, second, third = (make_comment(article, f"Thread {n}.") for n in range(3))
    replies = [make_comment(article, f"Reply {n}.", parent=second) for n in range(2)]
    oldest = thread_page(article)
    newest = thread_page(article, order="newest")
    assert _ids(oldest.threads) == [first.id, second.id, third.id] and oldest.order == "oldest"
    assert _ids(newest.threads) == [third.id, second.id, first.id] and newest.order == "newest"
    assert _ids(oldest.threads[1].replies) == _ids(newest.threads[1].replies) == [r.id for r in replies]


def test_threads_are_paginated_with_their_replies(make_article):
    article = make_article()
    threads = []
    for n in range(5):
        top = make_comment(article, f"Thread {n}.")
        threads.append((top, make_comment(article, f"Reply {n}.", parent=top)))
    first = thread_page(article, page=1, per_page=2)
    last = thread_page(article, page=3, per_page=2)
    assert (first.total_threads, first.pages, first.count, first.next_page, first.prev_page) == (5, 3, 10, 2, None)
    assert _ids(first.threads) == [threads[0][0].id, threads[1][0].id]
    assert [_ids(t.replies) for t in first.threads] == [[threads[0][1].id], [threads[1][1].id]]
    assert _ids(last.threads) == [threads[4][0].id] and _ids(last.threads[0].replies) == [threads[4][1].id]
    assert (last.next_page, last.prev_page) == (None, 2)
    assert thread_page(article, page=4, per_page=2).threads == []
    assert _ids(thread_page(article, page=0, per_page=2).threads) == _ids(first.threads)


def test_page_of_finds_the_page_holding_a_comments_thread(make_article):
    article = make_article()
    tops = [make_comment(article, f"Thread {n}.") for n in range(5)]
    reply = make_comment(article, "Reply.", parent=tops[4])
    assert page_of(tops[0], per_page=2) == 1
    assert page_of(reply, per_page=2) == 3
    assert page_of(reply, per_page=2, order="newest") == 1


def test_badges_mark_the_article_author_and_staff(make_user, make_article):
    author = make_user("author")
    article = make_article(author=author)
    admin_author_article = make_article(author=make_user("admin"))
    badges = {
        "author": make_comment(article, writer=Writer(user=author)),
        "moderator": make_comment(article, writer=Writer(user=make_user("moderator"))),
        "admin": make_comment(article, writer=Writer(user=make_user("admin"))),
        "reader": make_comment(article, writer=Writer(user=make_user("reader"))),
        "other author": make_comment(article, writer=Writer(user=make_user("author"))),
        "guest": make_comment(article),
    }
    assert {who: badge_for(c, article) for who, c in badges.items()} == {
        "author": "author",
        "moderator": "moderator",
        "admin": "moderator",
        "reader": None,
        "other author": None,
        "guest": None,
    }
    own = make_comment(admin_author_article, writer=Writer(user=admin_author_article.author))
    assert badge_for(own, admin_author_article) == "author"
    assert [t.badge for t in thread_page(article).threads] == ["author", "moderator", "moderator", None, None, None]


# --- counts ----------------------------------------------------------------------------------


def test_the_comment_count_follows_posts_holds_and_deletes(make_article):
    article = make_article()
    kept = make_comment(article)
    make_comment(article, parent=kept)
    make_comment(article, rules=HELD)
    assert db.session.get(Article, article.id).comment_count == 2
    delete_comment(kept)
    assert db.session.get(Article, article.id).comment_count == 1


def test_refresh_comment_count_recounts_published_rows(make_article):
    article = make_article()
    comments = [make_comment(article, f"C{n}.") for n in range(4)]
    db.session.execute(update(Comment).where(Comment.id == comments[0].id).values(status=CommentStatus.spam))
    db.session.execute(update(Comment).where(Comment.id == comments[1].id).values(deleted_at=utcnow()))
    db.session.execute(update(Article).where(Article.id == article.id).values(comment_count=99))
    db.session.commit()
    refresh_comment_count(article.id)
    db.session.commit()
    assert db.session.get(Article, article.id).comment_count == 2


# --- owning: edits, deletes and the window ---------------------------------------------------


def test_an_edit_keeps_the_previous_text_as_a_revision(make_user, make_article):
    writer = make_user("reader")
    comment = make_comment(make_article(), "First *take*.", Writer(user=writer))
    edit_comment(comment, "Second take.", RULES, editor=writer)
    edit_comment(comment, "Third take.", RULES, editor=writer)
    stored = db.session.get(Comment, comment.id)
    assert stored.body == "Third take." and stored.body_html == "<p>Third take.</p>\n" and stored.edited_at is not None
    revisions = db.session.scalars(select(CommentRevision).order_by(CommentRevision.id)).all()
    assert [(r.body, r.body_html, r.replaced_by_id) for r in revisions] == [
        ("First *take*.", "<p>First <em>take</em>.</p>\n", writer.id),
        ("Second take.", "<p>Second take.</p>\n", writer.id),
    ]


def test_an_unchanged_or_invalid_edit_keeps_no_revision(make_article):
    comment = make_comment(make_article(), "Same.")
    edit_comment(comment, "  Same.\n", RULES)
    assert comment.edited_at is None
    with pytest.raises(ServiceError) as raised:
        edit_comment(comment, " \n ", RULES)
    assert (raised.value.field, raised.value.message) == ("body", "Write something before posting.")
    with pytest.raises(ServiceError):
        edit_comment(comment, "x" * 11, CommentRules(max_length=10))
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Same."
    assert db.session.scalar(select(func.count(CommentRevision.id))) == 0


def test_only_the_writer_may_change_a_comment_and_only_within_the_window(make_user, make_article):
    article = make_article()
    writer, other = make_user("reader"), make_user("admin")
    mine = make_comment(article, writer=Writer(user=writer))
    guests = make_comment(article)
    start = mine.created_at
    assert edit_deadline(mine, RULES) == start + timedelta(minutes=15)

    check_can_change(mine, writer, set(), RULES, now=start + timedelta(minutes=14))
    check_can_change(guests, None, {guests.id}, RULES, now=guests.created_at + timedelta(minutes=14))
    for user, guest_ids, comment in [
        (other, set(), mine),
        (None, {mine.id}, mine),
        (None, set(), guests),
        (writer, set(), guests),
    ]:
        with pytest.raises(ServiceError) as raised:
            check_can_change(comment, user, guest_ids, RULES)
        assert (raised.value.status, raised.value.code) == (403, "forbidden")
        assert raised.value.message == "Only the person who wrote this comment can change it."
    with pytest.raises(ServiceError) as raised:
        check_can_change(mine, writer, set(), RULES, now=start + timedelta(minutes=15, seconds=1))
    assert (raised.value.status, raised.value.code) == (403, "edit_window_closed")
    assert raised.value.message == "Comments can be changed for 15 minutes after posting; that time is over."
    check_can_change(
        mine, writer, set(), CommentRules(edit_window=timedelta(minutes=30)), now=start + timedelta(minutes=20)
    )


def test_a_deleted_comment_can_no_longer_be_changed(make_article):
    comment = delete_comment(make_comment(make_article()))
    with pytest.raises(ServiceError) as raised:
        check_can_change(comment, None, {comment.id}, RULES)
    assert (raised.value.status, raised.value.message) == (403, "This comment can no longer be changed.")


def test_owns_tells_account_comments_from_guest_comments(make_user, make_article):
    article = make_article()
    writer = make_user("reader")
    mine, guests = make_comment(article, writer=Writer(user=writer)), make_comment(article)
    assert owns(mine, writer, set()) and not owns(mine, make_user("reader"), {mine.id})
    assert owns(guests, None, {guests.id}) and not owns(guests, writer, set())


# --- closing ---------------------------------------------------------------------------------


def test_closing_keeps_a_clean_reason_and_reopening_clears_it(make_article):
    article = make_article()
    assert closed_reason(article, RULES) is None
    close_comments(article, "  Too \n many\u202e   trolls. ")
    stored = db.session.get(Article, article.id)
    assert (stored.comments_open, stored.comments_closed_reason) == (False, "Too many trolls.")
    assert closed_reason(stored, RULES) == "Too many trolls."
    close_comments(stored, "")
    assert closed_reason(stored, RULES) == "The author has closed comments on this article."
    reopen_comments(stored)
    assert (stored.comments_open, stored.comments_closed_reason, closed_reason(stored, RULES)) == (True, None, None)


def test_a_too_long_close_reason_is_refused_and_the_thread_stays_open(make_article):
    article = make_article()
    with pytest.raises(ServiceError) as raised:
        close_comments(article, "r" * 301)
    assert (raised.value.field, raised.value.message) == ("reason", "A reason is at most 300 characters.")
    db.session.expire_all()
    assert db.session.get(Article, article.id).comments_open is True


def test_threads_close_automatically_after_the_configured_days(make_article):
    article = make_article()
    week = CommentRules(auto_close_days=7)
    published = article.published_at
    assert closed_reason(article, week, now=published + timedelta(days=6, hours=23)) is None
    assert closed_reason(article, week, now=published + timedelta(days=7, seconds=1)) == (
        "Comments close automatically 7 days after an article is published."
    )
    assert closed_reason(article, RULES, now=published + timedelta(days=3650)) is None
    assert closed_reason(make_article(published=False), week, now=published + timedelta(days=30)) is None


def test_posting_to_an_auto_closed_thread_is_refused(make_article):
    article = make_article()
    article.published_at = utcnow() - timedelta(days=8)
    db.session.commit()
    with pytest.raises(ServiceError) as raised:
        make_comment(article, rules=CommentRules(auto_close_days=7))
    assert (raised.value.code, raised.value.status) == ("comments_closed", 403)
    assert _comment_rows() == 0
    assert make_comment(article, rules=CommentRules(auto_close_days=9)).is_public


# --- the Markdown subset and the sanitiser ---------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "a":
            self.links.append(dict(attrs))


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_the_comment_subset_renders_its_markup():
    html = render_comment("*i* **b** `c`\nnext line\n\n> quoted\n\n- one\n- two\n\n3. three\n\n```\ncode\n```")
    assert "<em>i</em> <strong>b</strong> <code>c</code><br>\nnext line" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>\n</ol>' in html
    assert "<pre><code>code\n</code></pre>" in html


@pytest.mark.parametrize(
    "source, shown",
    [
        ("# Not a heading", "<p><strong>Not a heading</strong></p>"),
        ("![alt](https://e.org/x.png)", '<p><a href="https://e.org/x.png" rel="nofollow ugc noopener">alt</a></p>'),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<p><strong>a</strong> · <strong>b</strong><br>\n1 · 2</p>"),
        ("***", "<p>***</p>"),
        ("<b>raw</b>", "<p>&lt;b&gt;raw&lt;/b&gt;</p>"),
    ],
)
def test_markup_outside_the_subset_is_not_rendered(source, shown):
    html = render_comment(source)
    assert html.startswith(shown)
    assert not {"h1", "h2", "img", "hr", "b", "table"} & _parse(html).tags


def test_strikethrough_survives_the_sanitiser():
    assert "<s>gone</s>" in render_comment("~~gone~~")


@pytest.mark.parametrize(
    "source, href",
    [
        ("[the form](https://example.org/form)", "https://example.org/form"),
        ("see https://example.org/rules today", "https://example.org/rules"),
        ("or www.example.com", "http://www.example.com"),
        ("<https://example.org/auto>", "https://example.org/auto"),
        ("[write](mailto:editor@example.org)", "mailto:editor@example.org"),
        ("**https://example.org/bold**", "https://example.org/bold"),
    ],
)
def test_every_link_is_nofollow_ugc_noopener(source, href):
    links = _parse(render_comment(source)).links
    assert links == [{"href": href, "rel": "nofollow ugc noopener"}]
    assert COMMENT_LINK_REL == "nofollow ugc noopener"


def test_urls_in_code_stay_text():
    assert _parse(render_comment("`https://in.code/x`\n\n```\nhttps://in.pre/x\n```")).links == []


@pytest.mark.parametrize(
    "source",
    [
        "[x](ftp://files.example.org/f)",
        "[x](data:image/png;base64,AAAA)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
    ],
)
def test_links_other_than_http_https_and_mailto_are_dropped(source):
    assert _parse(render_comment(source)).links == []


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)" onclick="x()">click</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href='javascript:x'>unclosed <b>tags <em>and <div",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<p style="position:fixed">overlay</p>',
    "[x](java\u200bscript:alert(1))",
    "`<script>`\n\n```\n<script>alert(1)</script>\n```",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_comments_are_stored_inert(make_article, source):
    comment = make_comment(make_article(), source)
    assert active_parts(comment.body_html) == []
    assert "<script" not in comment.body_html.lower()


@pytest.mark.parametrize(
    "html, clean",
    [
        ('<a href="javascript:x" onclick="y">z</a>', "z"),
        (
            '<a href="https://e.org" target="_blank" rel="opener" id="x">t</a>',
            '<a href="https://e.org" rel="nofollow ugc noopener">t</a>',
        ),
        ("<a>no address</a>", "no address"),
        ('<a href="data:text/html,x">d</a>', "d"),
        ("<img src=x onerror=alert(1)>", ""),
        ("<svg onload=x></svg>", ""),
        ('<p style="color:red" class="x">s</p>', "<p>s</p>"),
        ('<ol start="x"><li>i</li></ol>', "<ol><li>i</li></ol>"),
        ("<h1>h</h1><table><tr><td>t</td></tr></table>", "h\nt"),
        ("<b>unclosed <em>x", "unclosed <em>x</em>"),
        ("<!-- hidden -->text", "text"),
    ],
)
def test_the_comment_sanitiser_keeps_only_its_tags_attributes_and_protocols(html, clean):
    assert clean_comment_html(html) == clean


def test_direction_overrides_are_removed_from_text_and_names(make_article):
    comment = make_comment(make_article(), "Price: \u202e001$\u202c ok", make_guest(name="\u202eevil\u2066 Name\u200b"))
    assert comment.body == "Price: 001$ ok" and "\u202e" not in comment.body_html and "\u202c" not in comment.body_html
    assert comment.writer_name == "evil Name"


def test_text_hygiene_helpers():
    assert clean_line("  Ann \u200b\u202e Lee\x00 \n ") == "Ann Lee"
    assert clean_text("a\r\nb\rc\u202ed\u2067e\x07f\tg") == "a\nb\ncdef\tg"
    assert clean_text("coder \U0001f469\u200d\U0001f4bb") == "coder \U0001f469\u200d\U0001f4bb"
    assert clean_line(None) == "" and clean_text(None) == ""


def test_a_very_long_word_is_kept_whole_and_inert(make_article):
    word = "A" * 4990
    comment = make_comment(make_article(), word)
    assert comment.body_html == f"<p>{word}</p>\n"
    assert active_parts(comment.body_html) == []


def test_rerender_goes_through_every_comment_a_batch_at_a_time(make_article):
    article = make_article()
    written = [make_comment(article, f"## Heading {n}") for n in range(3)]
    for comment in written:
        comment.body_html = "<p>## stale</p>"
    db.session.commit()
    ids = [comment.id for comment in written]
    assert rerender_comments(batch=2) == Rerendered(checked=3, changed=3)
    assert [db.session.get(Comment, i).body_html for i in ids] == [
        f"<p><strong>Heading {n}</strong></p>\n" for n in range(3)
    ]
    assert rerender_comments(batch=2) == Rerendered(checked=3, changed=0)
