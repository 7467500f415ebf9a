"""Badges say what a commenter is to the article: on the page (prepared or not), in the frame's parts and the API."""

import re

from app.services.accounts import set_role
from app.services.articles import GuestAuthor, update_article
from app.services.badges import Badge, badge_for
from app.services.comments import Writer
from tests.factories import make_comment, make_guest, make_note


def _badges(html: str) -> dict[str, str]:
    """Each comment's writer and the badge beside them (empty without one), as the page shows them."""
    found = re.findall(
        r'<span class="comment__author" id="comment-\d+-author">(?:<a [^>]*>)?<bdi>(.*?)</bdi>(?:</a>)?</span>\s*'
        r'(?:<span class="badge badge--(\w+)">(.*?)</span>)?',
        html,
    )
    return {name: label for name, _, label in found}


def _api_authors(client, article) -> dict[str, tuple[str | None, str | None]]:
    payload = client.get(f"/api/v1/articles/{article.slug}/comments").get_json()
    return {c["author"]["name"]: (c["badge"], c["author"]["badge"]) for c in payload["comments"]}


def test_the_site_host_of_a_guest_post_is_badged_site_host_as_the_notes_sign_her(app, client, make_user, make_article):
    dana = make_user("author", name="Dana Reyes")
    article = make_article(author=dana, guest=("Noor Haddad", "A guest writer."))
    make_comment(article, "Thanks for hosting this.", Writer(user=dana))
    make_comment(article, "I wrote it, typed as a guest.", make_guest(name="Noor Haddad", email="noor@example.org"))
    make_note(article, dana, body="A date was wrong.")

    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert _badges(html) == {"Dana Reyes": "Site host", "Noor Haddad": ""}
    assert '<span class="badge badge--host">Site host</span>' in html and "badge--author" not in html
    assert "Correction — Dana Reyes, site host" in html
    assert _api_authors(client, article) == {"Dana Reyes": ("host", "Site host"), "Noor Haddad": (None, None)}


def test_an_account_author_a_moderator_and_a_reader(app, client, make_user, make_article):
    ada = make_user("author", name="Ada Author")
    article = make_article(author=ada)
    for user in (ada, make_user("moderator", name="Mo Moderator"), make_user("reader", name="Rae Reader")):
        make_comment(article, f"By {user.name}.", Writer(user=user))
    make_comment(article, "Me too.", make_guest())

    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert re.findall(r'<span class="badge badge--(\w+)">(.*?)</span>', html) == [
        ("author", "Author"),
        ("moderator", "Moderator"),
    ]
    assert _api_authors(client, article) == {
        "Ada Author": ("author", "Author"),
        "Mo Moderator": ("moderator", "Moderator"),
        "Rae Reader": (None, None),
        "Gail Guest": (None, None),
    }


def test_the_prepared_page_follows_the_byline_and_roles(app, client, make_user, make_article):
    host, reader = make_user("admin", name="Hana Host"), make_user("reader", name="Rae Reader")
    article = make_article(author=host)
    make_comment(article, "From the top.", Writer(user=host))
    make_comment(article, "From below.", Writer(user=reader))

    def shown() -> dict[str, str]:
        return _badges(client.get(f"/articles/{article.slug}").get_data(as_text=True))

    assert shown() == {"Hana Host": "Author", "Rae Reader": ""}  # an admin writing her own: Author first
    update_article(article, guest_author=GuestAuthor("Noor Haddad", ""), editor=host)
    assert shown() == {"Hana Host": "Site host", "Rae Reader": ""}
    set_role(reader, "moderator")
    assert shown() == {"Hana Host": "Site host", "Rae Reader": "Moderator"}
    update_article(article, guest_author=None, editor=host)
    assert shown() == {"Hana Host": "Author", "Rae Reader": "Moderator"}


def test_the_order_of_badges(app, make_user, make_article):
    admin, moderator, reader = make_user("admin"), make_user("moderator"), make_user("reader")
    own, guest_post, other = (
        make_article(author=admin),
        make_article(author=admin, guest=("Noor Haddad", "")),
        make_article(),
    )
    assert [badge_for(admin, a) for a in (own, guest_post, other)] == [Badge.author, Badge.host, Badge.moderator]
    others = [badge_for(moderator, other), badge_for(reader, other), badge_for(None, own)]
    assert others == [Badge.moderator, None, None]
    assert [badge.label for badge in Badge] == ["Author", "Site host", "Moderator"]
