"""Sites and their threads (app/services/sites.py): origins, lazy threads, counts."""

import pytest

from app.models import ArticleStatus, CommentStatus
from app.services import sites
from app.services.errors import ServiceError
from tests.factories import make_comment


@pytest.fixture
def site(make_user):
    return sites.register_site(
        make_user("admin"), sites.SiteFields("Blog", "https://blog.example\nhttp://127.0.0.1:5001/")
    )


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://blog.example", "https://blog.example"),
        ("https://Blog.Example/", "https://blog.example"),
        ("https://blog.example:443", "https://blog.example"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("  http://[::1]:8080/ ", "http://[::1]:8080"),
    ],
)
def test_origins_are_written_one_way(app, typed, origin):
    assert sites.normalise_origin(typed) == origin


@pytest.mark.parametrize(
    "typed",
    ["blog.example", "ftp://blog.example", "https://blog.example/posts", "https://blog.example?x=1", "https://"],
)
def test_what_is_not_an_origin_is_refused_with_an_example(app, typed):
    with pytest.raises(ServiceError, match="e.g. https://blog.example") as refused:
        sites.normalise_origin(typed)
    assert refused.value.field == "origins"


def test_a_site_is_registered_with_its_origins_and_rules(site, make_user):
    assert site.origin_list == ["https://blog.example", "http://127.0.0.1:5001"]
    assert site.allow_new_threads and not site.hold_all
    assert sites.site_for_origin("https://blog.example") == site
    assert sites.site_for_origin("https://other.example") is None


def test_an_origin_belongs_to_one_site(site, make_user):
    with pytest.raises(ServiceError, match="belongs to another site already") as refused:
        sites.register_site(make_user("admin"), sites.SiteFields("Copy", "https://blog.example/"))
    assert refused.value.status == 409
    changed = sites.update_site(site, sites.SiteFields("Blog", "https://blog.example\nhttps://www.blog.example"))
    assert changed.origin_list == ["https://blog.example", "https://www.blog.example"]
    assert sites.site_for_origin("http://127.0.0.1:5001") is None


def test_a_site_needs_a_name_and_an_origin(app, make_user):
    with pytest.raises(ServiceError, match="name"):
        sites.register_site(make_user("admin"), sites.SiteFields("  ", "https://a.example"))
    with pytest.raises(ServiceError, match="at least one origin"):
        sites.register_site(make_user("admin"), sites.SiteFields("A", " \n "))


def test_a_thread_is_made_on_the_first_view_and_found_after(site):
    thread = sites.thread_for_page(site, "post-1", "https://blog.example/posts/1?utm=x#top", "  First   post ")
    assert thread.title == "First post"
    assert thread.page_url == "https://blog.example/posts/1"
    assert thread.thread_key == "post-1" and thread.site_id == site.id
    assert thread.status is ArticleStatus.published and thread.body == ""
    assert thread.author_id == site.owner_id and thread.is_embedded
    again = sites.thread_for_page(site, "post-1", "https://blog.example/elsewhere", "Renamed")
    assert again.id == thread.id and again.title == "First post"  # the title is kept as first seen


def test_without_an_identifier_the_page_address_names_the_thread(site):
    thread = sites.thread_for_page(site, "", "https://BLOG.example/posts/2?page=3", "")
    assert thread.thread_key == "https://blog.example/posts/2"
    assert thread.title == "https://blog.example/posts/2"  # no title: the address stands in


def test_only_pages_on_the_sites_origins_get_a_thread(site):
    with pytest.raises(ServiceError) as refused:
        sites.thread_for_page(site, "x", "https://evil.example/posts/1", "Hi")
    assert refused.value.status == 403


def test_no_new_threads_when_the_site_says_so_or_the_caller_does(site):
    assert sites.thread_for_page(site, "p", "https://blog.example/p", "P", create=False) is None
    sites.update_site(site, sites.SiteFields("Blog", "https://blog.example", allow_new_threads=False))
    assert sites.thread_for_page(site, "p", "https://blog.example/p", "P") is None


def test_identifiers_and_titles_are_bounded(site):
    with pytest.raises(ServiceError, match="at most 300 characters"):
        sites.thread_for_page(site, "k" * 301, "https://blog.example/p", "P")
    thread = sites.thread_for_page(site, "long", "https://blog.example/p", "T" * 500)
    assert len(thread.title) == 200 and thread.title.endswith("…")


def test_counts_are_of_published_comments_by_key(site):
    one = sites.thread_for_page(site, "one", "https://blog.example/1", "One")
    make_comment(one)
    make_comment(one)
    make_comment(one, status=CommentStatus.spam)
    assert sites.thread_counts(site, ["one", "two", "one"]) == {"one": 2, "two": 0}
    with pytest.raises(ServiceError, match="at most 50"):
        sites.thread_counts(site, [str(n) for n in range(51)])
