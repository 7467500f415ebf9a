"""A discussion embedded in a plain static page on another origin (docs/embed.md), in a real browser.

The host pages are served by a small static server on 127.0.0.1 on ports of their own, beside the live server:
two origins (same site, as two ports of one address are). One origin is registered as a site, one is not.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Article, Comment
from app.services import accounts, moderation, sites
from app.services.settings import CommentRules
from tests.e2e.conftest import CHROMIUM_ARGS, DESKTOP, static_server
from tests.factories import make_comment

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PENDING_NOTICE = "Awaiting moderation — only you can see this comment until a moderator approves it."
HELD = "Thank you. Your comment is awaiting moderation; only you can see it until then."

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
  body {{ font: 20px Georgia, serif; color: rgb(200, 0, 0); background: #fff; }}
  p, li, button, textarea, input, h2 {{ color: rgb(200, 0, 0) !important; font-size: 40px !important; }}
</style></head>
<body>
  <h1>{title}</h1>
  <p class="count"><a href="{path}#comments" data-afterword-count="{key}">Comments</a></p>
  <div class="spacer" style="height: 3000px">The post's long text.</div>
  <div id="thread" data-afterword-thread="{key}">
    <a href="{live}/embed/open?url={page_url}&amp;id={key}">Read the comments</a>
  </div>
  <script src="{live}/embed.js" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def host_sites(tmp_path_factory):
    """Two static servers on 127.0.0.1 (each its own port, so its own origin) serving one folder of pages."""
    folder = tmp_path_factory.mktemp("static-site")
    with static_server(folder) as first, static_server(folder) as second:
        yield folder, [f"http://127.0.0.1:{first}", f"http://127.0.0.1:{second}"]


def write_page(folder, live_server, origin: str, name: str, title: str, key: str) -> str:
    """A static post embedding the thread `key`; returns its address."""
    path = f"/{name}.html"
    (folder / f"{name}.html").write_text(
        PAGE.format(title=title, key=key, live=live_server.url, path=path, page_url=origin + path), encoding="utf-8"
    )
    return origin + path


def register(live_server, origin: str, unique: str) -> None:
    """The admin's registration of the static site (the admin page itself is tested in test_embed.py)."""
    config = live_server.app.config
    with live_server.app.app_context():
        owner = accounts.create_user(
            f"owner-{unique}@example.org",
            f"Site Owner {unique}",
            PASSWORD,
            "admin",
            hash_method=config["PASSWORD_HASH_METHOD"],
            min_length=config["PASSWORD_MIN_LENGTH"],
        )
        if sites.site_for_origin(origin) is None:
            sites.register_site(owner, sites.SiteFields("The static blog", origin, hold_all=True))


def thread_of(live_server, key: str) -> Article | None:
    with live_server.app.app_context():
        return db.session.scalar(select(Article).where(Article.thread_key == key))


def post(frame, body: str, name: str | None = None, email: str | None = None, reply_to: str | None = None):
    """Write and send a comment in the framed discussion (a reply under `reply_to`'s comment when given)."""
    if reply_to:
        frame.get_by_role("link", name=f"Reply to {reply_to}").click()
        form = frame.locator("form.comment-form").filter(has_text="Replying to")
    else:
        form = frame.locator("form#comment-form")
    form.get_by_label("Comment").fill(body)
    if name:
        form.get_by_label("Name", exact=True).fill(name)
        form.get_by_label("Email", exact=True).fill(email)
    form.get_by_role("button", name=re.compile(r"^Post (comment|reply)$")).click()


def approve_on_desk(desk, live_server, slug: str, text: str, where: str) -> None:
    """The moderator approves the one pending comment of the thread that says `text`; the desk says where it lives."""
    desk.goto(f"{live_server.url}/moderation?queue=pending&article={slug}")
    item = desk.locator("li.mod-item").filter(has_text=text)
    expect(item.locator(".mod-item__where")).to_contain_text(f"On {where}:")
    item_id = item.get_attribute("id")
    item.get_by_role("button", name=re.compile(r"^Approve comment")).click()
    expect(desk.locator(f"#{item_id} .mod-item__done")).to_have_text(f"Comment {item_id[5:]} is approved.")


def test_a_guest_discusses_a_static_page_and_the_moderator_approves_it(new_context, live_server, host_sites, unique):
    """The page's thread appears when scrolled near and is made on that first view; the guest's comment and reply
    wait for moderation (the site holds every comment), the moderator approves both on the desk, and the host page
    then shows them, its own styles kept out of the frame; the index helper counts them."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    key = f"first-snow-{unique}"
    page_url = write_page(folder, live_server, origin, f"post-{unique}", f"First snow {unique}", key)

    reader = new_context().new_page()
    reader.goto(page_url)
    # Lazy: nothing is framed (nor any thread made) before the reader scrolls near the comments.
    expect(reader.locator("#thread a")).to_have_text("Read the comments")
    reader.wait_for_timeout(300)
    expect(reader.locator("#thread iframe")).to_have_count(0)
    assert thread_of(live_server, key) is None
    reader.locator("#thread").scroll_into_view_if_needed()
    expect(reader.locator("#thread iframe")).to_have_count(1)
    frame = reader.frame_locator("#thread iframe")
    expect(frame.locator("#comments-title")).to_have_text("0 comments")
    thread = thread_of(live_server, key)
    assert thread is not None and thread.title == f"First snow {unique}" and thread.page_url == page_url

    name, email = f"Maya Guest {unique}", f"maya-{unique}@example.org"
    post(frame, "The chard needs a cloche, not fleece.", name, email)
    held = frame.locator("li.comment").filter(has_text="The chard needs a cloche")
    expect(held.locator(".comment__pending")).to_have_text(PENDING_NOTICE)
    expect(frame.locator("#comments-status")).to_have_text(HELD)
    # The host page's styles stop at the frame: its red, 40px text is not the discussion's.
    text = held.locator(".comment__text p")
    assert text.evaluate("el => getComputedStyle(el).color") != "rgb(200, 0, 0)"
    assert text.evaluate("el => getComputedStyle(el).fontSize") != "40px"
    # The frame grows with the discussion (its height told by postMessage), the host page never sees inside it.
    expect(reader.locator("#thread iframe")).not_to_have_attribute("style", re.compile(r"height: 200px"))
    assert reader.evaluate("() => document.querySelector('#thread iframe').contentDocument") is None

    moderator_email = f"mod-{unique}@example.org"
    live_server.create_user("moderator", f"Morgan Moderator {unique}", moderator_email, PASSWORD)
    desk = new_context().new_page()
    desk.goto(f"{live_server.url}/login")
    desk.get_by_label("Email").fill(moderator_email)
    desk.get_by_label("Password", exact=True).fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    where = origin.removeprefix("http://")
    approve_on_desk(desk, live_server, thread.slug, "The chard needs a cloche", where)

    reader.reload()
    reader.locator("#thread").scroll_into_view_if_needed()
    frame = reader.frame_locator("#thread iframe")
    expect(frame.locator("#comments-title")).to_have_text("1 comment")
    first = frame.locator("li.comment").filter(has_text="The chard needs a cloche")
    expect(first.locator(".comment__pending")).to_have_count(0)

    post(frame, "Which cloche, glass or plastic?", name, email, reply_to=name)
    reply = frame.locator("ol.comment-list--replies li.comment").filter(has_text="Which cloche")
    expect(reply.locator(".comment__pending")).to_have_text(PENDING_NOTICE)

    approve_on_desk(desk, live_server, thread.slug, "Which cloche", where)

    visitor = new_context().new_page()  # anyone, not the writer: the page shows the approved discussion
    visitor.goto(page_url)
    expect(visitor.locator("p.count a")).to_have_text("2 comments")
    visitor.locator("#thread").scroll_into_view_if_needed()
    frame = visitor.frame_locator("#thread iframe")
    expect(frame.locator("#comments-title")).to_have_text("2 comments")
    expect(frame.locator("ol.comment-list--replies li.comment")).to_contain_text("Which cloche, glass or plastic?")
    expect(frame.locator(".comment__pending")).to_have_count(0)


def test_a_page_on_an_unregistered_origin_gets_no_thread(browser, live_server, host_sites, unique):
    """The same snippet on a page of an origin no site registered: no thread is made and nothing is framed."""
    folder, (_, stranger) = host_sites
    key = f"stray-{unique}"
    page_url = write_page(folder, live_server, stranger, f"stray-{unique}", f"Stray {unique}", key)
    context = browser.new_context(viewport=DESKTOP)  # its console reports the refused frame: not a broken page
    assert CHROMIUM_ARGS
    try:
        page = context.new_page()
        answers = []
        page.on("response", lambda response: answers.append((response.url, response.status)))
        page.goto(page_url)
        page.locator("#thread").scroll_into_view_if_needed()
        expect(page.locator("#thread iframe")).to_have_count(1)
        page.wait_for_load_state("networkidle")
        assert [status for url, status in answers if "/embed/thread" in url] == [404]
        expect(page.frame_locator("#thread iframe").locator("form.comment-form")).to_have_count(0)
        expect(page.locator("p.count a")).to_have_text("Comments")  # the counts are not answered either
        assert thread_of(live_server, key) is None
    finally:
        context.close()


def test_the_discussion_follows_the_host_pages_theme(new_context, live_server, host_sites, unique):
    """Dark where the snippet stands on a dark background, light again when the page switches its theme; an
    attribute overrides both."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    page_url = write_page(folder, live_server, origin, f"dark-{unique}", f"Dark {unique}", f"dark-{unique}")
    reader = new_context().new_page()
    reader.goto(page_url)
    reader.evaluate("document.body.style.background = 'rgb(20, 20, 24)'")
    reader.locator("#thread").scroll_into_view_if_needed()
    root = reader.frame_locator("#thread iframe").locator("html")
    expect(root).to_have_attribute("data-theme", "dark")
    text = reader.frame_locator("#thread iframe").locator("#comments-title")
    expect(text).to_have_css("color", "rgb(236, 232, 225)")  # --text of the dark theme
    reader.evaluate("document.body.style.background = 'rgb(250, 250, 250)'")
    expect(root).to_have_attribute("data-theme", "light")
    expect(text).to_have_css("color", "rgb(31, 29, 26)")

    asked = write_page(folder, live_server, origin, f"asked-{unique}", f"Asked {unique}", f"asked-{unique}")
    (folder / f"asked-{unique}.html").write_text(
        (folder / f"asked-{unique}.html").read_text().replace('id="thread"', 'id="thread" data-afterword-theme="dark"')
    )
    reader.goto(asked)
    reader.locator("#thread").scroll_into_view_if_needed()
    expect(reader.frame_locator("#thread iframe").locator("html")).to_have_attribute("data-theme", "dark")


def test_without_javascript_the_snippet_is_a_link_to_the_discussion(new_context, live_server, host_sites, unique):
    """No script, no frame: the snippet's link leads to the page's discussion on Afterword, made for it."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    key = f"plain-{unique}"
    page_url = write_page(folder, live_server, origin, f"plain-{unique}", f"Plain {unique}", key)
    reader = new_context(java_script_enabled=False).new_page()
    reader.goto(page_url)
    expect(reader.locator("#thread iframe")).to_have_count(0)
    reader.get_by_role("link", name="Read the comments").click()
    expect(reader).to_have_url(re.compile(re.escape(f"{live_server.url}/articles/") + ".+#comments$"))
    thread = thread_of(live_server, key)
    assert thread is not None and reader.url.endswith(f"/articles/{thread.slug}#comments")
    expect(reader.locator(".notice--embedded")).to_contain_text(f"This is the discussion of a page on {origin[7:]}")
    expect(reader.locator("form#comment-form")).to_be_visible()


def test_the_example_static_site_embeds_its_discussion(new_context, live_server, host_sites, unique, screenshots_dir):
    """examples/static-site as `make run` serves it, pointed at the live server: the index counts, the post shows
    its discussion (the screenshot in docs/screenshots/embed-static-site.png)."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    example = Path(__file__).resolve().parents[2] / "examples" / "static-site"
    for source in example.rglob("*.*"):
        target = folder / "example" / source.relative_to(example)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8").replace("http://127.0.0.1:5000", live_server.url)
        target.write_text(text.replace("http://127.0.0.1:5001", f"{origin}/example"), encoding="utf-8")
    reader = new_context().new_page()
    reader.goto(f"{origin}/example/posts/first-snow.html")
    reader.locator("[data-afterword-thread]").scroll_into_view_if_needed()
    frame = reader.frame_locator("[data-afterword-thread] iframe")
    post(frame, "Kale and **purple sprouting broccoli**: both laugh at frost.", "Ruth Allotment", "ruth@example.org")
    expect(frame.locator("li.comment .comment__pending")).to_have_text(PENDING_NOTICE)  # the site holds them
    with live_server.app.app_context():
        moderation.apply(
            db.session.scalar(select(Comment).where(Comment.writer_name == "Ruth Allotment")), "approve", None
        )
    reader.reload()
    reader.locator("[data-afterword-thread]").scroll_into_view_if_needed()
    expect(frame.locator("li.comment .comment__text")).to_contain_text("Kale and purple sprouting broccoli")
    expect(frame.locator("li.comment .comment__pending")).to_have_count(0)
    reader.wait_for_timeout(300)  # the frame's new height reaches the page
    reader.screenshot(path=str(screenshots_dir / "embed-static-site.png"), full_page=True)
    index = new_context().new_page()
    index.goto(f"{origin}/example/index.html")
    expect(index.locator("[data-afterword-count]")).to_have_text("1 comment")


def test_a_moderator_signs_in_from_the_frame_and_approves_a_held_comment_there(
    new_context, live_server, host_sites, unique, screenshots_dir
):
    """ "Sign in" opens the sign-in page in a window of its own; once signed in, the window hands the sign-in to the
    frame (same site: they share the cookies, so the frame's own session is the window's already), which closes it
    and reloads signed in, with the way to this discussion on the desk, the comment
    held for moderation with its reasons, and the desk's buttons: Approve reloads the frame with it published, for
    every reader, and the page's frame takes the new height."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    page_url = write_page(folder, live_server, origin, f"mod-{unique}", f"Moderated {unique}", f"mod-{unique}")
    email = f"frame-mod-{unique}@example.org"
    live_server.create_user("moderator", f"Frame Moderator {unique}", email, PASSWORD)
    reader = new_context().new_page()
    reader.goto(page_url)
    reader.locator("#thread").scroll_into_view_if_needed()
    frame = reader.frame_locator("#thread iframe")
    expect(frame.locator("#comments-title")).to_have_text("0 comments")
    expect(frame.locator(".embed__tools")).to_have_count(0)
    thread = thread_of(live_server, f"mod-{unique}")
    with live_server.app.app_context():
        held = make_comment(
            db.session.merge(thread), "Sow the broad beans in October.", rules=CommentRules(hold_all=True)
        )
        held_id = held.id
    expect(frame.locator(f"#comment-{held_id}")).to_have_count(0)  # not for readers
    with reader.expect_popup() as opened:
        frame.get_by_role("link", name="Sign in").click()
    window = opened.value
    window.get_by_label("Email").fill(email)
    window.get_by_label("Password", exact=True).fill(PASSWORD)
    with window.expect_event("close"):  # the frame closes it once it has the sign-in
        window.get_by_role("button", name="Sign in").click()
    expect(frame.locator(".embed__account")).to_contain_text(f"Signed in as Frame Moderator {unique}")
    desk = frame.get_by_role("link", name="this discussion on the desk")
    expect(desk).to_have_attribute("href", f"/moderation?article={thread.slug}")
    expect(frame.get_by_role("button", name="Close comments")).to_be_visible()

    held = frame.locator(f"#comment-{held_id}")
    expect(held.locator(".comment__held")).to_contain_text("Held for moderation")
    expect(held.locator(".comment__reasons")).to_contain_text("The site holds every comment for moderation.")
    height = reader.locator("#thread iframe").evaluate("el => el.getBoundingClientRect().height")
    reader.locator("#thread iframe").screenshot(path=str(screenshots_dir / "embed-moderator.png"))
    new_tabs = []
    reader.context.on("page", lambda tab: new_tabs.append(tab))
    # A refused edit says why beside the form, and the typed text stays.
    held.locator("summary").filter(has_text="Edit").click()
    too_long = "Broad beans. " * 400
    held.get_by_label("Text (readers will see “edited by a moderator”)").fill(too_long)
    held.get_by_role("button", name=re.compile(r"^Save the edit")).click()
    expect(held.locator(".comment__mod-edit .form-errors")).to_contain_text("A comment is at most 5,000 characters")
    expect(held.get_by_label("Text (readers will see “edited by a moderator”)")).to_have_value(too_long)
    frame.locator("body").evaluate("el => { el.dataset.notReloaded = 'yes'; }")
    held.get_by_role("button", name=re.compile(r"^Approve comment by")).click()
    expect(held.locator(".comment__done")).to_have_text(f"Comment {held_id} is approved. Undo")
    expect(held.locator(".comment__held")).to_have_count(0)
    expect(held.get_by_role("button", name=re.compile(r"^Trash comment by"))).to_be_visible()
    expect(frame.locator("#comments-title")).to_have_text("1 comment")
    expect(frame.locator("#moderating")).to_contain_text("(0 held, 0 flagged)")
    assert frame.locator("body").get_attribute("data-not-reloaded") == "yes", "the frame acted in place"
    assert reader.url == page_url  # neither the page nor a new tab
    assert new_tabs == []
    frame_body = frame.locator("body").evaluate("el => Math.ceil(el.getBoundingClientRect().height)")
    expect(reader.locator("#thread iframe")).to_have_attribute("style", re.compile(rf"height: {frame_body}px"))
    assert frame_body != height
    with live_server.app.app_context():
        approved = db.session.get(Comment, held_id)
        assert approved.status.value == "approved"
        events = db.session.scalars(moderation.events_for(held_id)).all()
        assert [event.actor.email for event in events if event.action == "approve"] == [email]

    visitor = new_context().new_page()
    visitor.goto(page_url)
    visitor.locator("#thread").scroll_into_view_if_needed()
    expect(visitor.frame_locator("#thread iframe").locator(f"#comment-{held_id}")).to_contain_text("broad beans")
    expect(visitor.frame_locator("#thread iframe").locator("form.comment__moderate")).to_have_count(0)


def test_a_host_page_opened_at_a_comment_scrolls_to_it(new_context, live_server, host_sites, unique):
    """A link to a comment of an embedded discussion (mail, feeds: /comments/<id>) leads to the host page at
    #comment-<id>; the page loads its discussion at once, the frame finds the comment and the page scrolls to
    it, 3,000 pixels of post and a dozen comments further down."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    key = f"deep-{unique}"
    page_url = write_page(folder, live_server, origin, f"deep-{unique}", f"Deep {unique}", key)
    with live_server.app.app_context():
        site = sites.site_for_origin(origin)
        thread = sites.thread_for_page(site, key, page_url, f"Deep {unique}")
        made = [make_comment(thread, f"Comment number {n} on the deep post.") for n in range(12)]
        target = made[10].id
    permalink = new_context().new_page()
    permalink.goto(f"{live_server.url}/comments/{target}")
    expect(permalink).to_have_url(f"{page_url}#comment-{target}")
    frame = permalink.frame_locator("#thread iframe")
    expect(frame.locator(f"#comment-{target}")).to_contain_text("Comment number 10")
    viewport = permalink.viewport_size["height"]
    for _ in range(50):
        box = frame.locator(f"#comment-{target}").bounding_box()
        if box and box["y"] >= 0 and box["y"] + 40 <= viewport:
            break
        permalink.wait_for_timeout(100)
    else:
        raise AssertionError(f"comment {target} is not in view: {box}, viewport {viewport}")
    assert permalink.evaluate("window.scrollY") > 3000


def test_a_comment_named_in_the_host_pages_address_after_it_loaded_is_scrolled_to(
    new_context, live_server, host_sites, unique
):
    """An in-page link to #comment-<id> (the address changes after load): the discussion loads if it had not (it
    waits to be scrolled near), the frame finds the comment, and the page scrolls to it; again for another."""
    folder, (origin, _) = host_sites
    register(live_server, origin, unique)
    key = f"later-{unique}"
    page_url = write_page(folder, live_server, origin, key, f"Later {unique}", key)
    with live_server.app.app_context():
        thread = sites.thread_for_page(sites.site_for_origin(origin), key, page_url, f"Later {unique}")
        made = [make_comment(thread, f"Comment number {n} on the later post.") for n in range(12)]
        first, second = made[10].id, made[2].id
    reader = new_context().new_page()
    reader.goto(page_url)
    expect(reader.locator("#thread iframe")).to_have_count(0)  # not scrolled near yet

    def shown(comment_id: int) -> None:
        frame = reader.frame_locator("#thread iframe")
        expect(frame.locator(f"#comment-{comment_id}")).to_be_attached()
        viewport = reader.viewport_size["height"]
        for _ in range(50):
            box = frame.locator(f"#comment-{comment_id}").bounding_box()
            if box and box["y"] >= 0 and box["y"] + 40 <= viewport:
                return
            reader.wait_for_timeout(100)
        raise AssertionError(f"comment {comment_id} is not in view: {box}, viewport {viewport}")

    reader.evaluate(f"location.hash = '#comment-{first}'")
    shown(first)
    assert reader.evaluate("window.scrollY") > 3000
    reader.evaluate("window.scrollTo(0, 0)")
    reader.evaluate(f"location.hash = '#comment-{second}'")
    shown(second)
    assert reader.url == f"{page_url}#comment-{second}"
