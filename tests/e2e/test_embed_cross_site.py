"""A discussion framed by a page of another *site* (docs/embed.md, "Signing in in the frame"), in a real browser.

The host page is on http://localhost:<port>, Afterword on http://127.0.0.1:<port> with EMBED_CROSS_SITE on: two
sites for the browser, so the frame is third-party and its cookies (SameSite=None; Secure; Partitioned: loopback
addresses count as secure) live in a jar of its own. Chromium runs with third-party cookies blocked, as browsers
are heading, so only the partitioned jar can carry anything. The host page records every message it receives.
"""

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Comment
from app.services import accounts, moderation, sites
from app.services.settings import CommentRules
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TIMEOUT_MS, PageProblems, serving, static_server
from tests.e2e.test_accessibility import axe_source, describe, serious_violations  # noqa: F401 (a fixture)
from tests.factories import make_comment

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script>
  // Everything the page's own scripts could see: each message any window sends it.
  window.received = [];
  window.addEventListener("message", function (event) {{
    window.received.push({{ origin: event.origin, data: JSON.stringify(event.data) }});
  }});
</script></head>
<body>
  <h1>{title}</h1>
  <div id="thread" data-afterword-thread="{key}">
    <a href="{live}/embed/open?url={page_url}&amp;id={key}">Read the comments</a>
  </div>
  <script src="{live}/embed.js" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def cross_server(tmp_path_factory):
    """Afterword with EMBED_CROSS_SITE on, beside the usual live server; fails the module on a server error."""
    with serving(tmp_path_factory.mktemp("e2e-cross-site"), EMBED_CROSS_SITE=True) as server:
        yield server
        assert not server.errors, f"the server raised: {server.errors}"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """A static server answering as http://localhost:<port>: another site than 127.0.0.1."""
    folder = tmp_path_factory.mktemp("cross-site-pages")
    with static_server(folder) as port:
        yield folder, f"http://localhost:{port}"


@pytest.fixture(scope="module")
def strict_browser():
    """Chromium blocking third-party cookies (partitioned ones are still kept, each top-level site its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_a_moderator_signs_in_inside_a_cross_site_frame_edits_and_approves_a_held_comment(
    cross_server,
    host,
    strict_browser,
    unique,
    axe_source,  # noqa: F811 (the fixture imported above)
):
    folder, origin = host
    config = cross_server.app.config
    with cross_server.app.app_context():
        owner = accounts.create_user(
            f"owner-{unique}@example.org", f"Owner {unique}", PASSWORD, "admin",
            hash_method=config["PASSWORD_HASH_METHOD"], min_length=config["PASSWORD_MIN_LENGTH"],
        )  # fmt: skip
        site = sites.register_site(owner, sites.SiteFields("Another site", origin, hold_all=True))
        page_url = f"{origin}/post-{unique}.html"
        thread = sites.thread_for_page(site, f"post-{unique}", page_url, f"Post {unique}")
        held_id = make_comment(thread, "Sow the broad beans in October.", rules=CommentRules(hold_all=True)).id
    email = f"cross-mod-{unique}@example.org"
    cross_server.create_user("moderator", f"Cross Moderator {unique}", email, PASSWORD)
    (folder / f"post-{unique}.html").write_text(
        PAGE.format(title=f"Post {unique}", key=f"post-{unique}", live=cross_server.url, page_url=page_url),
        encoding="utf-8",
    )

    context = strict_browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems()
    context.on("page", problems.watch)
    reader = context.new_page()
    reader.goto(page_url)
    reader.locator("#thread").scroll_into_view_if_needed()
    frame = reader.frame_locator("#thread iframe")
    expect(frame.locator("#comments-title")).to_have_text("0 comments")
    expect(frame.locator(f"#comment-{held_id}")).to_have_count(0)

    with reader.expect_popup() as opened:
        frame.get_by_role("link", name="Sign in").click()
    window = opened.value
    assert window.url.startswith(f"{cross_server.url}/login?next=/embed/sign-in")
    window.get_by_label("Email").fill(email)
    window.get_by_label("Password", exact=True).fill(PASSWORD)
    with window.expect_event("close"):  # the frame closes it once it has traded the sign-in
        window.get_by_role("button", name="Sign in").click()
    expect(frame.locator(".embed__account")).to_contain_text(f"Signed in as Cross Moderator {unique}")

    # Two jars: the frame's, keyed by the host page's site, and the sign-in window's own.
    sessions = [cookie for cookie in context.cookies(cross_server.url) if cookie["name"] == "session"]
    assert sorted(cookie.get("partitionKey") or "" for cookie in sessions) == sorted(
        ["http://localhost", "http://127.0.0.1"]
    ), sessions
    assert all(cookie["secure"] and cookie["sameSite"] == "None" for cookie in sessions)

    framed = next(item for item in reader.frames if item.url.startswith(f"{cross_server.url}/embed/thread"))
    violations = serious_violations(framed, axe_source)
    assert not violations, describe(violations, "the moderator's frame")

    held = frame.locator(f"#comment-{held_id}")
    expect(held.locator(".comment__held")).to_contain_text("Held for moderation")
    held.locator("summary").filter(has_text="Edit").click()
    held.get_by_label("Text (readers will see “edited by a moderator”)").fill("Sow the broad beans in November.")
    held.get_by_role("button", name=re.compile(r"^Save the edit")).click()
    # In place: the frame is not reloaded, the comment shows its new text and what was done.
    expect(held.locator(".comment__done")).to_have_text("Comment edited; the previous text is kept in its history.")
    expect(held.locator(".comment__text")).to_contain_text("in November")
    held.get_by_role("button", name=re.compile(r"^Approve comment by")).click()
    expect(held.locator(".comment__done")).to_have_text(f"Comment {held_id} is approved. Undo")
    expect(frame.locator("#comments-status")).to_have_text(f"Comment {held_id} is approved.")
    expect(frame.locator("#comments-title")).to_have_text("1 comment")
    with cross_server.app.app_context():
        assert db.session.get(Comment, held_id).status.value == "approved"
        events = db.session.scalars(moderation.events_for(held_id)).all()
        assert [event.actor.email for event in events if event.action == "approve"] == [email]

    # Nothing but heights, readiness and scrolling ever reached the host page's scripts.
    received = reader.evaluate("window.received")
    assert received and {item["origin"] for item in received} == {cross_server.url}
    kinds = {re.search(r'"type":"([^"]+)"', item["data"]).group(1) for item in received}
    assert kinds <= {"afterword:height", "afterword:ready", "afterword:scroll"}, kinds
    assert not any("token" in item["data"] or "csrf" in item["data"] or "@" in item["data"] for item in received)

    # Signing out in the frame signs out the frame's jar only.
    frame.get_by_role("button", name="Sign out").click()
    expect(frame.get_by_role("link", name="Sign in")).to_be_visible()
    expect(frame.locator(f"#comment-{held_id}")).to_contain_text("broad beans in November")
    expect(frame.locator("form.comment__moderate")).to_have_count(0)
    context.close()
    assert not problems.items, problems.items
