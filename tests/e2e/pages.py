"""Locators shared by the browser journeys: where things are on the article page."""


def flash(page):
    return page.locator(".flashes")


def comments_heading(page):
    return page.locator("#comments").get_by_role("heading", level=2)


def comment(page, comment_id: int):
    return page.locator(f"li#comment-{comment_id}")


def card(page, comment_id: int):
    """The comment's own card, without the replies nested under it."""
    return page.locator(f"li#comment-{comment_id} > .comment__card")


def comments_status(page):
    """The live region where the article page's script says what happened (posted, updated)."""
    return page.locator("#comments-status")
