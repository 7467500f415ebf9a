"""Nothing scrolls sideways (issue 18): every page type at 320, 375 and 1280 px, in light and dark.

Each page is opened as the person who would see it, and the test asserts that the document is no wider
than the window (`scrollWidth <= innerWidth`); a failure names the elements that stick out past the
right edge. The pages come from `app.url_map`: every GET rule is either visited here (rules with
arguments are filled from the scene below) or listed in NOT_PAGES with the reason it is no page (a feed,
the API, a redirect, a download), and that reason is checked too. A new page type therefore fails
`test_every_get_route_is_visited_or_is_no_page` until it is added to PAGES.

The scene holds what widens pages in practice: a long discussion with deep replies, a long URL, a long
word and a code block with a long line, a guest with a long email address on the desk, a long ban value
and a registered site with a long origin.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from app.embed.routes import script_digest
from app.extensions import db
from app.services import accounts, correction_requests, moderation, notes, self_service, sites, staff_mail
from app.services import comments as comment_service
from app.services.articles import create_article, find_article, revisions_of, update_article
from app.services.settings import comment_rules, current_settings, update_settings
from app.services.signed import make_token
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
WIDTHS = (320, 375, 1280)
SCHEMES = ("light", "dark")
ROLES = ("reader", "author", "moderator", "admin")

LONG_URL = "https://example.org/" + "a-very-long-path-segment-that-never-breaks/" * 4 + "?query=" + "x" * 80
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
LONG_EMAIL_LOCAL = "someone.with.a.remarkably.long.address.for.testing"
CODE_BLOCK = "```\n" + "def a_function_with_a_long_line(): return " + "'x' * 1000 + " * 12 + "'end'\n```"
ARTICLE_BODY = f"""A short article about widths.

Its source is at {LONG_URL} and its longest word is {LONG_WORD}.

    {"a_code_line_that_goes_on = " + "1 + " * 60 + "1"}

The end.
"""


@dataclass
class Scene:
    """The accounts by role and the addresses of the objects the argument routes need."""

    token: str
    emails: dict[str, str] = field(default_factory=dict)
    slug: str = ""
    note: int = 0
    comment: int = 0
    own_comment: int = 0
    thread: tuple[int, int] = (0, 0)
    site: int = 0
    site_thread: int = 0
    site_origin: str = ""
    page_url: str = ""
    my_data_path: str = ""
    staff_action_path: str = ""
    staff_unsubscribe_path: str = ""
    person: int = 0  # the author's public page (/people/<id>)


def _comment(live_server, article, body: str, parent_id: int | None = None, user=None, email: str = "") -> int:
    """A comment stored through the service: a guest's (with `email`, or a fresh one), or `user`'s."""
    email = email or f"guest-{uuid.uuid4().hex[:8]}@example.org"
    writer = comment_service.Writer(user=user, name="Wide Guest" if user is None else "", email=email)
    rules = comment_rules(live_server.app.config)
    return comment_service.post_comment(article, writer, body, rules, parent_id=parent_id).id


def _path(url: str) -> str:
    """The path and query of an absolute_url (a full URL when BASE_URL is set, the path alone otherwise)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def scene(live_server):
    token = uuid.uuid4().hex[:8]
    built = Scene(token=token)
    app = live_server.app
    with app.app_context():
        people = {
            role: live_server.add_user(
                role, f"Wide {role.title()} {token}", f"wide-{role}-{token}@example.org", PASSWORD
            )
            for role in ROLES
        }
        built.emails = {role: user.email for role, user in people.items()}
        built.person = people["author"].id
        author = people["author"]
        article = create_article(author, "Widths " + LONG_WORD, ARTICLE_BODY, published=True, slug=f"wide-{token}")
        built.slug = article.slug
        update_article(article, body=ARTICLE_BODY + "\nOne more line.", editor=author)
        assert revisions_of(article)

        # A long discussion: a reply chain ten deep, a long URL, a long word, a code block.
        guest_email = f"{LONG_EMAIL_LOCAL}.{token}@a-long-subdomain.of-an-example-domain.example.org"
        parent = None
        first = 0
        for depth in range(10):
            parent = _comment(live_server, article, f"Reply {depth}: see {LONG_URL}", parent, email=guest_email)
            first = first or parent
        built.thread = (first, parent)
        _comment(live_server, article, f"A long word: {LONG_WORD}")
        built.comment = _comment(live_server, article, f"Some code:\n\n{CODE_BLOCK}\n")
        built.own_comment = _comment(live_server, article, "Mine, still editable.", user=people["reader"])

        built.note = notes.add_note(article, author, "correction", f"The source moved to {LONG_URL}.").id
        correction_requests.request_correction(
            article,
            correction_requests.Requester(name="Wide Asker", email=guest_email),
            f"The link is wrong: {LONG_URL}",
            comment_rules(app.config),
            source_url=LONG_URL,
        )

        # Every desk queue has something in it: held (all held for a moment), flagged, spam, trash, approved.
        before = current_settings(app.config)
        update_settings({"hold_all": True}, None)
        try:
            _comment(live_server, article, f"Held, with a link: {LONG_URL}", email=guest_email)
        finally:
            update_settings(before, None)
        rules = comment_rules(app.config)
        flagged = comment_service.find_comment(_comment(live_server, article, f"Flag me: {LONG_WORD}"))
        for number in range(rules.flag_threshold):
            moderation.flag_comment(flagged, f"guest:wide-{token}-{number}", "abusive", LONG_WORD, rules)
        moderator = people["moderator"]
        moderation.apply(comment_service.find_comment(_comment(live_server, article, "Spam.")), "spam", moderator)
        trashed = comment_service.find_comment(_comment(live_server, article, "Trash."))
        moderation.apply(trashed, "trash", moderator, "other", LONG_WORD)
        moderation.create_ban("email", guest_email.replace("someone", "spammer"), LONG_WORD, moderator)

        origin = f"https://a-rather-long-host-name-for-a-blog-{token}.example.org"
        site = sites.register_site(people["admin"], sites.SiteFields("A blog " + LONG_WORD[:80], origin))
        built.site, built.site_origin = site.id, origin
        built.page_url = f"{origin}/posts/{LONG_WORD.lower()}"
        thread = sites.thread_for_page(site, None, built.page_url, "A post " + LONG_WORD)
        _comment(live_server, thread, f"Framed, with {LONG_URL}")
        thread_slug, built.site_thread = thread.slug, thread.id

        built.my_data_path = "/my-data/" + make_token(self_service.MY_DATA, {"email": guest_email})
        waiting = moderation.queue_query("pending", moderator, article)
        held = next(iter(db.session.scalars(waiting).unique()))
        event = staff_mail.latest_event_ids([held.id])[held.id]
        built.staff_action_path = _path(staff_mail.action_url(held, moderator, "approve", event))
        built.staff_unsubscribe_path = _path(staff_mail.unsubscribe_url(moderator, "moderation"))
    yield built
    # Held comments go to the trash, so the modules after this one find no strangers in the queue.
    with app.app_context():
        moderator = accounts.find_user_by_email(built.emails["moderator"])
        for article in (find_article(built.slug), find_article(thread_slug)):
            held = moderation.queue_query("pending", moderator, article)
            for comment in db.session.scalars(held).unique().all():
                moderation.apply(comment, "trash", moderator, "other", "Left by the phone-width tests.")


@pytest.fixture(scope="module")
def sessions(browser, live_server, scene) -> dict[str | None, dict | None]:
    """Each role signed in once through the real form; None is a visitor."""
    states: dict[str | None, dict | None] = {None: None}
    for role in ROLES:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(scene.emails[role])
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out")).to_be_visible()
        states[role] = context.storage_state()
        context.close()
    return states


# --- what is a page ------------------------------------------------------------------------------

Address = Callable[[Scene], str]


@dataclass(frozen=True)
class Visit:
    """One page to look at: who looks (None: a visitor), where, and the status it answers with."""

    role: str | None
    path: Address
    status: int = 200
    open_details: bool = False  # open every <details> of the page first ("The numbers", "Suggest a correction")


BAD_TOKEN = "not-a-real-token"
# A nonce of the form a frame makes for its sign-in window (app/services/sign_in_handoff.py).
HANDOFF_NONCE = "n" * 32

# Endpoint -> the visits that show its page types. Rules with arguments are filled from the scene.
PAGES: dict[str, list[Visit]] = {
    "articles.index": [Visit(None, lambda s: "/"), Visit("admin", lambda s: "/")],
    "articles.show": [
        Visit(None, lambda s: f"/articles/{s.slug}", open_details=True),
        Visit("moderator", lambda s: f"/articles/{s.slug}", open_details=True),
        Visit(None, lambda s: f"/articles/{s.slug}?thread={s.thread[0]}"),
        Visit(None, lambda s: f"/articles/no-such-article-{s.token}", 404),
    ],
    "articles.history": [Visit(None, lambda s: f"/articles/{s.slug}/history")],
    "comments.edit": [Visit("reader", lambda s: f"/comments/{s.own_comment}/edit")],
    "comments.delete": [Visit("reader", lambda s: f"/comments/{s.own_comment}/delete")],
    "comments.flag": [Visit(None, lambda s: f"/comments/{s.comment}/flag")],
    "auth.login": [Visit(None, lambda s: "/login")],
    "auth.register": [Visit(None, lambda s: "/register")],
    "auth.forgot_password": [Visit(None, lambda s: "/password/forgot")],
    "auth.reset_password": [Visit(None, lambda s: f"/password/reset/{BAD_TOKEN}", 400)],
    "auth.confirm_email": [Visit(None, lambda s: f"/account/confirm/{BAD_TOKEN}", 400)],
    "auth.confirm_email_change": [Visit(None, lambda s: f"/account/email/confirm/{BAD_TOKEN}", 400)],
    "auth.account": [Visit("reader", lambda s: "/account"), Visit("admin", lambda s: "/account")],
    "auth.my_data": [Visit(None, lambda s: "/my-data")],
    "auth.my_data_link": [Visit(None, lambda s: s.my_data_path), Visit(None, lambda s: f"/my-data/{BAD_TOKEN}", 400)],
    "subscriptions.confirm": [Visit(None, lambda s: f"/mail/confirm/{BAD_TOKEN}", 400)],
    "subscriptions.unsubscribe": [Visit(None, lambda s: f"/mail/unsubscribe/{BAD_TOKEN}", 400)],
    "staff_mail.confirm": [Visit(None, lambda s: s.staff_action_path)],
    "staff_mail.unsubscribe": [Visit(None, lambda s: s.staff_unsubscribe_path)],
    "moderation.desk": [
        Visit("moderator", lambda s, q=queue: f"/moderation?queue={q}")
        for queue in ("pending", "flagged", "spam", "trash", "approved")
    ],
    "moderation.comment": [Visit("moderator", lambda s: f"/moderation/comments/{s.comment}", open_details=True)],
    "moderation.overview": [Visit("moderator", lambda s: "/moderation/overview", open_details=True)],
    "moderation.bans": [Visit("moderator", lambda s: "/moderation/bans")],
    "moderation.people": [Visit("moderator", lambda s: "/moderation/people")],
    "moderation.settings": [Visit("admin", lambda s: "/moderation/settings")],
    "moderation.empty_spam": [Visit("moderator", lambda s: "/moderation/spam/empty")],
    "admin.users": [Visit("admin", lambda s: "/admin/users")],
    "admin.site_list": [Visit("admin", lambda s: "/admin/sites")],
    "admin.site": [Visit("admin", lambda s: f"/admin/sites/{s.site}")],
    "admin.thread": [Visit("admin", lambda s: f"/admin/sites/{s.site}/threads/{s.site_thread}")],
    "authoring.dashboard": [Visit("author", lambda s: "/author/articles")],
    "authoring.new": [Visit("author", lambda s: "/author/articles/new")],
    "authoring.edit": [Visit("author", lambda s: f"/author/articles/{s.slug}/edit")],
    "corrections.recent": [Visit(None, lambda s: "/corrections")],
    "corrections.desk": [Visit("author", lambda s: "/author/requests")],
    "corrections.new_note": [Visit("author", lambda s: f"/articles/{s.slug}/notes/new")],
    "corrections.amend_note": [Visit("author", lambda s: f"/articles/{s.slug}/notes/{s.note}/amend")],
    "corrections.retract_note": [Visit("author", lambda s: f"/articles/{s.slug}/notes/{s.note}/retract")],
    "corrections.request_correction": [Visit(None, lambda s: f"/articles/{s.slug}/correction-requests")],
    "embed.thread": [
        Visit(None, lambda s: f"/embed/thread?url={quote(s.page_url, safe='')}"),
        Visit("moderator", lambda s: f"/embed/thread?url={quote(s.page_url, safe='')}&theme=dark"),
        Visit(None, lambda s: "/embed/thread?url=https%3A%2F%2Fnot-registered.example%2F", 404),
    ],
    "embed.signed_in": [Visit(None, lambda s: "/embed/signed-in")],
    # The sign-in window of a framed discussion: its handoff page for a signed-in reader, its refusal of a bad nonce.
    "embed.sign_in": [
        Visit("reader", lambda s: f"/embed/sign-in?nonce={HANDOFF_NONCE}"),
        Visit(None, lambda s: "/embed/sign-in?nonce=short", 400),
    ],
    "people.profile": [Visit(None, lambda s: f"/people/{s.person}")],
}

# Endpoint -> why its GET answer is no page (checked: it is not HTML, or it redirects), and an address.
NOT_PAGES: dict[str, tuple[str, Address]] = {
    "static": ("a static file", lambda s: "/static/css/site.css"),
    "embed.script": ("the embedding script", lambda s: "/embed.js"),
    "embed.pinned_script": ("the embedding script, pinned", lambda s: f"/embed.{script_digest()}.js"),
    "embed.open_discussion": ("a redirect to the article page", lambda s: f"/embed/open?url={quote(s.page_url)}"),
    "comments.permalink": ("a redirect to the comment in its article", lambda s: f"/comments/{s.comment}"),
    "auth.download_data": ("a JSON download", lambda s: "/account/data"),
    "auth.my_data_download": ("a JSON download", lambda s: f"{s.my_data_path}/download"),
    "feeds.articles": ("an Atom feed", lambda s: "/feeds/articles.atom"),
    "feeds.comments": ("an Atom feed", lambda s: "/feeds/comments.atom"),
    "feeds.article_comments": ("an Atom feed", lambda s: f"/articles/{s.slug}/comments.atom"),
    "feeds.person_comments": ("an Atom feed", lambda s: f"/people/{s.person}/comments.atom"),
    "corrections.feed": ("an Atom feed", lambda s: "/corrections.atom"),
    "corrections.article_feed": ("an Atom feed", lambda s: f"/articles/{s.slug}/corrections.atom"),
    "api-docs.openapi_json": ("the API's description", lambda s: "/api/v1/openapi.json"),
    "articles.favicon": ("the site's icon", lambda s: "/favicon.ico"),
}
# Every rule under /api/v1 answers JSON; they are checked with one address each below.
API_PREFIX = "/api/"


def _get_rules(app) -> dict[str, str]:
    """Endpoint -> rule of every route that answers GET."""
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}


# --- measuring -----------------------------------------------------------------------------------

# Runs in the page: how much wider than the window the document is, and the elements that stick out
# furthest past its right edge (deepest first among equals, so the culprit comes before its parents).
MEASURE = """() => {
  const width = window.innerWidth;
  const over = document.documentElement.scrollWidth - width;
  if (over <= 0) return {over, culprits: []};
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].map((c) => "." + c).join("");
  const depth = (el) => { let n = 0; for (let e = el; e; e = e.parentElement) n++; return n; };
  // Inside a box that scrolls or clips (a code block), an element widens that box at most, never the page.
  const contained = (el) => { for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    if (getComputedStyle(e).overflowX !== "visible") return true; } return false; };
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((el) => !contained(el))
    .map((el) => ({el, right: el.getBoundingClientRect().right}))
    .filter(({right}) => right > width + 0.5)
    .sort((a, b) => b.right - a.right || depth(b.el) - depth(a.el))
    .slice(0, 4)
    .map(({el, right}) => `${describe(el)} reaches ${Math.round(right)} px: ` +
         el.outerHTML.replace(/\\s+/g, " ").slice(0, 120));
  return {over, culprits};
}"""

# Runs in the page: labels of the overview chart that are drawn outside its box (clipped off).
CLIPPED_LABELS = """() => {
  const svg = document.querySelector(".chart__svg");
  if (!svg) return ["no chart"];
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll("text")]
    .filter((t) => { const r = t.getBoundingClientRect();
      return r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
             r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5; })
    .map((t) => t.textContent);
}"""


# Phone pictures for docs/moderation.md and docs/operations.md, taken at 375 px.
SCREENSHOTS = {"/admin/users": "admin-users-phone.png", "/moderation/bans": "moderation-bans-phone.png"}


# Runs in the page: the lines the site header takes (the distinct rows its visible links and buttons sit on).
HEADER_LINES = """() => {
  const tops = [...document.querySelectorAll(".site-header a, .site-header button, .site-header summary")]
    .filter((el) => el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}))
    .map((el) => el.getBoundingClientRect().top).sort((a, b) => a - b);
  return tops.filter((top, i) => i === 0 || top - tops[i - 1] > 12).length;  // a new line starts 12 px lower
}"""
MAX_HEADER_LINES = 2


def _open_details(page) -> None:
    """Open the page's closed <details> one at a time (opening one may show others inside it)."""
    closed = page.locator("main details:not([open]) > summary:visible")
    for _ in range(50):
        if not closed.count():
            break
        closed.first.click()


def _visits() -> list[tuple[str, Visit]]:
    return [(endpoint, visit) for endpoint, visits in PAGES.items() for visit in visits]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(new_context, live_server, scene, sessions, screenshots_dir, width):
    """Every page type, as the role that sees it, is no wider than the window, in light and in dark."""
    viewport = {"width": width, "height": 800}
    pages = {}
    problems = []
    for endpoint, visit in _visits():
        if visit.role not in pages:
            context = new_context(viewport=viewport, storage_state=sessions[visit.role])
            pages[visit.role] = context.new_page()
        page = pages[visit.role]
        path = visit.path(scene)
        response = page.goto(path)
        assert response.status == visit.status, f"{path} ({endpoint}) answered {response.status}"
        if visit.open_details:
            _open_details(page)
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            measured = page.evaluate(MEASURE)
            if measured["over"] > 0:
                lines = "\n      ".join(measured["culprits"])
                problems.append(
                    f"{path} as {visit.role or 'a visitor'} ({scheme}) is {measured['over']} px too wide:"
                    f"\n      {lines}"
                )
        lines = page.evaluate(HEADER_LINES)
        if lines > MAX_HEADER_LINES:
            problems.append(f"{path} as {visit.role or 'a visitor'}: the header takes {lines} lines")
        if width == 375 and path in SCREENSHOTS:
            page.emulate_media(color_scheme="light")
            page.screenshot(path=str(screenshots_dir / SCREENSHOTS[path]), full_page=True)
        if endpoint == "moderation.overview":
            clipped = page.evaluate(CLIPPED_LABELS)
            if clipped:
                problems.append(f"{path}: the chart's labels {clipped} are cut off at {width} px")
    assert not problems, f"At {width} px wide:\n  " + "\n  ".join(problems)


def test_every_get_route_is_visited_or_is_no_page(new_context, live_server, scene, sessions):
    """The pages above are all there is: every GET rule is visited, or is checked to answer something that is
    not a page (not HTML, or a redirect). A new page type fails here until it is added to PAGES."""
    rules = _get_rules(live_server.app)
    api = {endpoint for endpoint, rule in rules.items() if rule.startswith(API_PREFIX)}
    assert set(PAGES).isdisjoint(NOT_PAGES)
    assert set(PAGES) | set(NOT_PAGES) | api == set(rules), (
        f"not classified: {sorted(set(rules) - set(PAGES) - set(NOT_PAGES) - api)}; "
        f"gone: {sorted((set(PAGES) | set(NOT_PAGES)) - set(rules))}"
    )
    request = new_context(storage_state=sessions["reader"]).request
    for endpoint, (why, address) in NOT_PAGES.items():
        path = address(scene)
        answer = request.get(path, max_redirects=0)
        kind = answer.headers.get("content-type", "")
        assert answer.status in (301, 302, 303) or (answer.ok and "text/html" not in kind), (
            f"{endpoint} is listed as {why}, but {path} answered {answer.status} {kind}: is it a page now?"
        )
    for endpoint in api:
        path = rules[endpoint].replace("<slug>", scene.slug).replace("<int:note_id>", str(scene.note))
        answer = request.get(path, max_redirects=0)
        assert "text/html" not in answer.headers.get("content-type", ""), f"{path} answers HTML"


@pytest.mark.parametrize("script", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_phone_menu_opens_from_the_keyboard_and_leads_everywhere(new_context, scene, sessions, script):
    """At 320 px an admin's header is one line: the site's name, "Menu" and "Sign out". The menu opens with the
    keyboard, with or without JavaScript, shows every area's link without widening the page, and follows them."""
    context = new_context(
        viewport={"width": 320, "height": 700}, storage_state=sessions["admin"], java_script_enabled=script
    )
    page = context.new_page()
    page.goto("/admin/users")
    nav = page.get_by_role("navigation", name="Site")
    menu = nav.locator("details.nav-menu")
    expect(nav.get_by_role("link", name="Moderation")).to_be_hidden()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate(HEADER_LINES) == 1, "the header of a phone takes more than one line"

    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    for name in ("Articles", "Corrections", "Your articles", "Write", "Moderation", "Accounts", "Sites"):
        # A name, then perhaps its count ("Moderation 3 waiting").
        expect(nav.get_by_role("link", name=re.compile(f"^{name}( \\d|$)"))).to_be_visible()
    expect(nav.get_by_role("link", name="Your account (admin)")).to_be_visible()
    assert page.evaluate(MEASURE)["over"] <= 0, "the open menu widens the page"
    nav.get_by_role("link", name="Sites", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/sites$"))
    expect(page.get_by_role("heading", name="Sites", level=1)).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})  # wide: the list as always, no menu
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Moderation")).to_be_visible()
    expect(nav.locator(".nav__user")).to_contain_text("(admin)")


def test_the_phone_menu_total_follows_the_desk(new_context, scene, sessions):
    """At 320 px the Menu's count (what waits for this moderator) goes down as the desk approves in place."""
    page = new_context(viewport={"width": 320, "height": 700}, storage_state=sessions["moderator"]).new_page()
    page.goto(f"/moderation?queue=pending&article={scene.slug}")
    total = page.locator("details.nav-menu > summary .nav-menu__total")
    before = int(total.inner_text())
    item = page.locator("li.mod-item").first
    item.get_by_role("button", name=re.compile("^Approve")).click()
    expect(item.locator(".mod-item__done")).to_be_visible()
    if before > 1:
        expect(total).to_have_text(str(before - 1))
    else:
        expect(page.locator("details.nav-menu > summary .count")).to_have_count(0)
    assert page.evaluate(HEADER_LINES) == 1
