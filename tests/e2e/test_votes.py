"""Helpful votes, the Best order and pins in a real browser, with and without JavaScript (issue 18)."""

import re

import pytest
from playwright.sync_api import expect

from app.services import votes
from app.services.comments import find_comment
from tests.e2e.pages import card, flash
from tests.e2e.test_accessibility import axe_source, describe, serious_violations  # noqa: F401 (axe_source: a fixture)
from tests.e2e.test_comment_journeys import expect_same_page, mark_page, publish_article, seed_comment
from tests.e2e.test_moderation_journeys import sign_in

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)


def helpful(page, comment_id: int):
    return card(page, comment_id).locator("button.vote-button")


def test_a_guest_marks_a_comment_helpful_in_place_and_takes_it_back(live_server, new_context, unique, axe_source):  # noqa: F811
    slug, _ = publish_article(live_server, unique, "Helpful in place")
    comment_id = seed_comment(live_server, slug, "Hana Helper", "Check the lease for the deposit clause.")
    for scheme in ("light", "dark"):
        page = new_context(color_scheme=scheme).new_page()
        page.goto(f"/articles/{slug}")
        button = helpful(page, comment_id)
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(button).to_have_accessible_name("Mark helpful, 0 people found this helpful")
        address = mark_page(page)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_have_accessible_name("Mark helpful, 1 person found this helpful")
        expect(button).to_be_focused()
        expect_same_page(page, address, "Helpful")
        violations = serious_violations(page, axe_source)
        assert not violations, describe(violations, f"the article page with a vote ({scheme})")
        page.keyboard.press("Enter")  # the focused button again, from the keyboard: the vote is taken back
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(button).to_have_accessible_name("Mark helpful, 0 people found this helpful")


def test_a_guest_votes_without_javascript(live_server, new_context, unique):
    slug, _ = publish_article(live_server, unique, "Helpful without script")
    comment_id = seed_comment(live_server, slug, "Nora Noscript", "Photograph the flat when you leave.")
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/articles/{slug}")
    helpful(page, comment_id).click()
    expect(page).to_have_url(re.compile(rf"/articles/{slug}#comment-{comment_id}$"))
    expect(flash(page)).to_contain_text("Marked helpful")
    expect(helpful(page, comment_id)).to_have_attribute("aria-pressed", "true")
    expect(helpful(page, comment_id)).to_have_accessible_name("Mark helpful, 1 person found this helpful")
    helpful(page, comment_id).click()
    expect(flash(page)).to_contain_text("taken back")
    expect(helpful(page, comment_id)).to_have_attribute("aria-pressed", "false")


@pytest.mark.parametrize("javascript", [True, False])
def test_best_order_and_the_authors_pin(live_server, new_context, unique, javascript, axe_source):  # noqa: F811
    slug, author_email = publish_article(live_server, unique, f"Ranked {javascript}")
    useful = seed_comment(live_server, slug, "Uma Useful", "The useful one.")
    later = seed_comment(live_server, slug, "Lee Later", "The later one.")
    with live_server.app.app_context():
        comment = find_comment(useful)
        for n in range(3):
            votes.vote(comment, f"guest:e2e-{unique}-{n}", ip_network=f"198.51.{n}.0/24")

    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"/articles/{slug}")
    first = page.locator("ol.comment-list > li.comment").first
    expect(first).to_have_attribute("id", f"comment-{useful}")  # oldest first
    page.get_by_role("link", name="Newest first").click()
    expect(page.locator("ol.comment-list > li.comment").first).to_have_attribute("id", f"comment-{later}")
    page.get_by_role("link", name="Best").click()
    expect(page).to_have_url(re.compile(r"order=best"))
    expect(page.locator("ol.comment-list > li.comment").first).to_have_attribute("id", f"comment-{useful}")
    expect(helpful(page, useful)).to_have_accessible_name("Mark helpful, 3 people found this helpful")

    author = new_context(java_script_enabled=javascript).new_page()
    sign_in(author, author_email)
    author.goto(f"/articles/{slug}?order=best")
    card(author, later).get_by_role("button", name=re.compile("^Pin to top")).click()
    expect(flash(author)).to_contain_text("pinned to the top")
    top = author.locator("ol.comment-list > li.comment").first
    expect(top).to_have_attribute("id", f"comment-{later}")
    expect(top.locator(".pinned-label")).to_have_text("Pinned by the author")
    if javascript:  # axe runs as a script in the page
        violations = serious_violations(author, axe_source)
        assert not violations, describe(violations, "the article page with a pinned comment, as its author")

    page.goto(f"/articles/{slug}?order=best")
    expect(page.locator("ol.comment-list > li.comment").first).to_have_attribute("id", f"comment-{later}")
    expect(page.get_by_role("button", name=re.compile("^Pin to top"))).to_have_count(0)
