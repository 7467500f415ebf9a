"""Accessibility: axe-core checks every page type, in light and dark, at desktop and phone width (issue 7).

axe-core comes from the npm registry, pinned in tests/e2e/axe/package-lock.json; `make test` installs it
with `npm ci`. Each test opens one page as the person who would see it (a guest, a reader, the author, a
moderator, an admin), brings it to the state worth checking (details opened, a form sent with errors),
injects axe and fails on any violation whose impact is serious or critical. Known violations in the app
are marked xfail(strict=True) below, so fixing one turns its test red until the mark goes.

The scene (accounts, one article with its history, discussion, notes and requests, the moderation
queues) is built once for the module through the services; each role signs in once, through the real
form, and its contexts reuse that session. Without axe-core the tests skip, except under CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services import accounts, correction_requests, moderation, notes, sites
from app.services import comments as comment_service
from app.services.articles import GuestAuthor, create_article, find_article, revisions_of, update_article
from app.services.settings import comment_rules, current_settings, update_settings
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
PHONE = {"width": 375, "height": 812}
SCHEMES = ("light", "dark")
PASSWORD = "correct horse battery"
SHOWN_NODES = 5

ARTICLE_BODY = """Small claims court is where most disputes about a **deposit** end up.

You do not need a lawyer to file, and the fee is [modest](https://example.org/fees).

> Keep the tenancy agreement where you can find it.

- Keep every receipt
- Write down the dates

The court sends both sides a date for the hearing.
"""
EDITED_BODY = ARTICLE_BODY.replace("the fee is", "the fee is usually").replace("sends both sides", "gives each side")


# --- axe ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe.min.js as npm installed it; a skip without it, a failure under CI (CI=true)."""
    if AXE_JS.is_file():
        return AXE_JS.read_text(encoding="utf-8")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"CI is set but axe-core is not installed at {AXE_JS}; `make test` runs "
            "`npm ci --prefix tests/e2e/axe`, which needs npm (see .ci/run).",
            pytrace=False,
        )
    pytest.skip("axe-core is not installed: install Node.js and npm, then run `make test`")


# Runs in the page: the violations, cut down to what a failure message shows. Evaluation has no
# timeout of its own, so a stuck run fails after a minute instead of holding CI to its limit.
RUN_AXE = """async (shown) => {
  const stuck = new Promise((_, reject) => setTimeout(() => reject(new Error("axe.run took over 60 s")), 60000));
  const results = await Promise.race([axe.run(document, {resultTypes: ["violations"]}), stuck]);
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    count: violation.nodes.length,
    nodes: violation.nodes.slice(0, shown).map((node) => ({
      target: node.target.join(" "),
      html: node.html,
      why: [...node.any, ...node.all, ...node.none].map((check) => check.message).filter(Boolean)[0] || "",
    })),
  }));
}"""


def serious_violations(page, source: str) -> list[dict]:
    """Inject axe-core into the page, run it, and return the serious and critical violations."""
    # The page keeps its real Content-Security-Policy (script-src 'self', no 'unsafe-inline' or
    # 'unsafe-eval'), so an injected <script> element (add_script_tag) would be refused. Source
    # evaluated through DevTools is exempt from the policy, so the page is checked exactly as served,
    # and the `new_context` watcher still fails the test on any CSP report. If a later axe-core ever
    # needs more, open these contexts with bypass_csp=True instead.
    page.evaluate(source)
    violations = page.evaluate(RUN_AXE, SHOWN_NODES)
    return [violation for violation in violations if violation["impact"] in BLOCKING]


def describe(violations: list[dict], where: str) -> str:
    """A failure message a person can act on: rule, impact, help, and the first elements with their HTML."""
    lines = [f"axe-core found {len(violations)} serious or critical violation(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['count']} element(s)"
        )
        for node in violation["nodes"]:
            html = " ".join(node["html"].split())
            lines.append(f"    {node['target']}  {html[:200]}")
            if node["why"]:
                lines.append(f"      {node['why']}")
    return "\n".join(lines)


# --- the scene ---------------------------------------------------------------------------------


@dataclass
class Scene:
    """What the pages show: accounts by role, the article and the ids the page addresses need."""

    token: str
    emails: dict[str, str] = field(default_factory=dict)
    slug: str = ""
    draft_slug: str = ""
    first_revision: int = 0
    amendable_note: int = 0
    retractable_note: int = 0
    flagged_comment: int = 0
    published_comment: int = 0
    # A thread read on its own page, after its first reply: (its first comment, that reply).
    thread: tuple[int, int] = (0, 0)
    # The author's public page (/people/<id>): a comment and signed notes.
    person: int = 0
    # A registered site with one discussion started from its page (the admin's pages).
    site: int = 0
    site_thread: int = 0


def _comment(live_server, article, name: str, body: str, parent_id: int | None = None, user=None) -> int:
    """A comment stored through the service, screened by the settings in force: a guest's, or `user`'s."""
    # A new email each time: the trash this module leaves behind must not mark a guest of another module.
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
    writer = comment_service.Writer(user=user, name=name, email=email)
    rules = comment_rules(live_server.app.config)
    return comment_service.post_comment(article, writer, body, rules, parent_id=parent_id).id


@pytest.fixture(scope="module")
def scene(live_server):
    """One published article with two versions, a threaded discussion, inline, end, cited and retracted
    notes, open and declined correction requests, held and flagged comments, a ban and an API token.
    Afterwards its held comments go to the trash, so other modules find no strangers in the queue."""
    token = uuid.uuid4().hex[:8]
    built = Scene(token=token)
    app = live_server.app
    with app.app_context():
        people = {
            role: live_server.add_user(role, f"{name} {token}", f"a11y-{role}-{token}@example.org", PASSWORD)
            for role, name in (
                ("author", "Grace Author"),
                ("reader", "Rae Reader"),
                ("moderator", "Morgan Moderator"),
                ("admin", "Ada Admin"),
            )
        }
        built.emails = {role: user.email for role, user in people.items()}
        author = people["author"]
        article = create_article(
            author,
            "Getting a deposit back",
            ARTICLE_BODY,
            published=True,
            slug=f"a11y-deposit-{token}",
            guest_author=GuestAuthor("Lena Fischer", "Paralegal, ten years in housing disputes."),
        )
        built.slug = article.slug
        built.draft_slug = create_article(author, "A draft about fees", "Fees, soon.", slug=f"a11y-draft-{token}").slug
        update_article(article, body=EDITED_BODY, editor=author)
        built.first_revision = revisions_of(article)[0].id

        question = _comment(live_server, article, "Tom Becker", "Does this apply to a **lodger**?")
        answer = _comment(
            live_server, article, "Ola Calm", "It does not: see [the guide](https://example.org).", parent_id=question
        )
        _comment(live_server, article, "Tom Becker", "Thanks, that helps.", parent_id=answer)
        built.thread = (question, answer)
        pointed = _comment(live_server, article, "Priya Critic", "The fee is not modest: it is 35 pounds.")
        built.published_comment = _comment(
            live_server, article, "Rae Reader", "I won mine in six weeks.", user=people["reader"]
        )
        _comment(live_server, article, author.name, "Write to the court first.", user=author)
        built.person = author.id
        built.amendable_note = notes.add_note(
            article,
            author,
            "correction",
            "An earlier version called the fee modest.",
            paragraph="p-2",
            prompted_by=[str(pointed)],
        ).id
        built.retractable_note = notes.add_note(article, author, "editors_note", "We asked the court about fees.").id
        retracted = notes.add_note(article, author, "clarification", "Hearings are in person.", paragraph="p-5")
        notes.retract_note(retracted, author, "Some hearings are now held by video.")

        rules = comment_rules(app.config)
        correction_requests.request_correction(
            article,
            correction_requests.Requester(name="Ines Guest", email=f"ines-{token}@example.org"),
            "The form is N1, not N2.",
            rules,
            source_url="https://example.org/forms",
        )
        declined = correction_requests.request_correction(
            article,
            correction_requests.Requester(user=people["reader"]),
            "The deadline is wrong.",
            rules,
        )
        correction_requests.decide_request(declined, "decline", author, reason="The deadline in the text is right.")

        # The moderation desk: two comments held for everyone's review, and one hidden by readers' flags.
        before = current_settings(app.config)
        update_settings({"hold_all": True}, None)
        try:
            for name, body in (
                ("Maya Guest", "Does the fee come back if I win?"),
                ("Sam Seller", "Cheap watches at https://example.com/watches"),
            ):
                _comment(live_server, article, name, body)
        finally:
            update_settings(before, None)
        rude = _comment(live_server, article, "Rex Rude", "Anyone who loses a deposit deserves it.")
        rules = comment_rules(app.config)
        for number in range(rules.flag_threshold):
            reporter = f"guest:a11y-{token}-{number}"
            moderation.flag_comment(comment_service.find_comment(rude), reporter, "abusive", "Blames victims.", rules)
        built.flagged_comment = rude
        # Something for "Empty spam" to count, so its confirmation shows the button that deletes.
        pills = comment_service.find_comment(_comment(live_server, article, "Sid Spammer", "Visit my shop today."))
        if pills.status.value != "spam":  # unless the spam checks caught it already
            moderation.apply(pills, "spam", people["moderator"])
        moderation.create_ban(
            "email", f"spammer-{token}@example.org", "Advertising in every thread.", people["moderator"]
        )
        accounts.create_api_token(people["reader"], "My feed reader")
        origin = f"https://a11y-{token}.example"
        site = sites.register_site(people["admin"], sites.SiteFields(f"Blog {token}", origin))
        built.site = site.id
        built.site_thread = sites.thread_for_page(site, None, f"{origin}/posts/snow", "First snow").id
    yield built
    with app.app_context():
        moderator = accounts.find_user_by_email(built.emails["moderator"])
        held = moderation.queue_query("pending", moderator, find_article(built.slug))
        for comment in db.session.scalars(held).unique().all():
            moderation.apply(comment, "trash", moderator, "other", "Left by the accessibility tests.")


@pytest.fixture(scope="module")
def sessions(browser, live_server, scene) -> dict[str, dict]:
    """Each role signed in once through the real form; a context opened with its storage state is signed in."""
    states = {}
    for role, email in scene.emails.items():
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out")).to_be_visible()
        states[role] = context.storage_state()
        context.close()
    return states


def fresh_comment(live_server, scene: Scene) -> int:
    """A comment by the reader, posted now, so its 15-minute edit window is open during the test."""
    with live_server.app.app_context():
        reader = accounts.find_user_by_email(scene.emails["reader"])
        body = f"Edited within the window ({uuid.uuid4().hex[:6]})."  # the same text twice is refused
        return _comment(live_server, find_article(scene.slug), reader.name, body, user=reader)


# --- the pages ---------------------------------------------------------------------------------


def open_all_details(page) -> None:
    """Open every closed <details> (the "Suggest a correction" form, histories...) as a reader would."""
    closed = page.locator("details:not([open]) > summary:visible")
    for _ in range(50):  # one at a time: opening one may reveal others nested in it
        if not closed.count():
            break
        closed.first.click()


def send_empty_comment(page) -> None:
    """Send the comment form with nothing filled in: the server's page comes back with the form's errors.

    form.submit() posts as a browser without the script would (it fires no submit event, so the
    script does not take the form over), which is the page every reader gets when the script is off.
    """
    with page.expect_navigation():
        page.locator("form#comment-form").evaluate("form => form.submit()")
    assert page.title().startswith("Error: "), f"no error page after sending an empty comment: {page.title()!r}"
    expect(page.locator("form#comment-form [aria-invalid=true]").first).to_be_visible()


def write_with_the_script(page) -> None:
    """The script's ways of writing: a live preview as one types, then an empty comment refused in place
    (the error next to the field, no page load), and a comment's flag form opened under it."""
    form = page.locator("form#comment-form")
    form.locator("textarea[name=body]").fill("A *preview* with a [link](https://example.org).")
    expect(form.locator(".comment-form__preview")).to_be_visible()
    form.locator("textarea[name=body]").fill("   ")
    form.get_by_role("button", name="Post comment").click()
    expect(form.locator("#body-error .field__error")).to_be_visible()
    page.locator("a.comment__flag").first.click()
    expect(page.locator("form.flag-form").first).to_be_visible()


def move_off_the_site(page) -> None:
    """Move a site's discussion to an address on no origin of the site: the form comes back saying why."""
    page.get_by_label("Page address").fill("https://elsewhere.example/snow")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-errors .field__error")).to_contain_text("must be on one of")


def ask_for_a_wide_ban(page) -> None:
    """Ask for a network ban wider than a /16: the form comes back with the warning and its checkbox."""
    page.get_by_label("Ban by").select_option("network")
    page.get_by_label("Value").fill("10.0.0.0/8")
    page.get_by_label("Reason").fill("A botnet.")
    page.get_by_role("button", name="Add the ban").click()
    expect(page.get_by_label("Ban this whole network anyway")).to_be_visible()


@dataclass(frozen=True)
class Case:
    """One page type: who looks at it, its address (from the scene), what to do before the check, and
    what it must show by then (so a check never passes on a page that lost the parts worth checking)."""

    name: str
    role: str | None
    path: Callable[[Scene, object], str]
    prepare: Callable | None = None
    phone: bool = False
    status: int = 200
    shows: tuple[str, ...] = ()


# The article page as issue 7 asks for it: a thread with replies, notes inline, at the end and retracted,
# a comment's "Led to a correction" marker, the guest byline, and "Suggest a correction" opened.
ARTICLE_PARTS = (
    "li.comment li.comment .comment__card",
    ".comment__meta .avatar",
    ".article__body .notes-inline aside.note",
    "#notes aside.note",
    "aside.note--retracted",
    ".comment__led-to a",
    ".guest-bio",
    "details#suggest-correction[open] form",
)

CASES = [
    Case("index", None, lambda s, _: "/", phone=True),
    Case("article", None, lambda s, _: f"/articles/{s.slug}", open_all_details, phone=True, shows=ARTICLE_PARTS),
    Case(
        "article-as-author",
        "author",
        lambda s, _: f"/articles/{s.slug}",
        open_all_details,
        shows=(*ARTICLE_PARTS, ".note__tools", ".article__tools"),
    ),
    Case("article-as-reader", "reader", lambda s, _: f"/articles/{s.slug}", open_all_details, shows=ARTICLE_PARTS),
    Case("article-comment-error", None, lambda s, _: f"/articles/{s.slug}", send_empty_comment, phone=True),
    Case(
        "article-thread-page",
        None,
        lambda s, _: f"/articles/{s.slug}?thread={s.thread[0]}&after={s.thread[1]}",
        phone=True,
        shows=("nav.pager--thread", "li.comment li.comment .comment__card"),
    ),
    Case("article-writing-in-place", None, lambda s, _: f"/articles/{s.slug}", write_with_the_script, phone=True),
    Case(
        "history-diff",
        None,
        lambda s, _: f"/articles/{s.slug}/history?from={s.first_revision}",
        phone=True,
        shows=(".diff ins", ".diff del", "ol.timeline li"),
    ),
    Case("corrections", None, lambda s, _: "/corrections", phone=True, shows=(".recent-notes__item",)),
    Case(
        "profile",
        None,
        lambda s, _: f"/people/{s.person}",
        phone=True,
        shows=(".avatar--large", "#profile-comments ~ ol .profile__item", "#profile-notes ~ ol .profile__item"),
    ),
    Case("comment-edit", "reader", lambda s, server: f"/comments/{fresh_comment(server, s)}/edit", phone=True),
    Case("comment-delete", "reader", lambda s, server: f"/comments/{fresh_comment(server, s)}/delete"),
    Case("comment-flag", None, lambda s, _: f"/comments/{s.published_comment}/flag", phone=True),
    Case("sign-in", None, lambda s, _: "/login", phone=True),
    Case("register", None, lambda s, _: "/register", phone=True),
    Case("forgot-password", None, lambda s, _: "/password/forgot", phone=True),
    Case("account", "reader", lambda s, _: "/account", phone=True),
    Case("author-dashboard", "author", lambda s, _: "/author/articles", phone=True),
    Case("article-new", "author", lambda s, _: "/author/articles/new"),
    Case("article-edit", "author", lambda s, _: f"/author/articles/{s.slug}/edit"),
    Case("draft", "author", lambda s, _: f"/articles/{s.draft_slug}"),
    Case("note-new", "author", lambda s, _: f"/articles/{s.slug}/notes/new", phone=True),
    Case("note-amend", "author", lambda s, _: f"/articles/{s.slug}/notes/{s.amendable_note}/amend"),
    Case("note-retract", "author", lambda s, _: f"/articles/{s.slug}/notes/{s.retractable_note}/retract"),
    Case("correction-request", None, lambda s, _: f"/articles/{s.slug}/correction-requests", phone=True),
    Case("author-requests", "author", lambda s, _: "/author/requests", phone=True, shows=("li.request-item",)),
    Case(
        "moderation-pending",
        "moderator",
        lambda s, _: f"/moderation?queue=pending&article={s.slug}",
        open_all_details,
        phone=True,
        shows=("li.mod-item .mod-item__reasons", "li.mod-item .mod-item__flags"),
    ),
    Case(
        "moderation-comment",
        "moderator",
        lambda s, _: f"/moderation/comments/{s.flagged_comment}",
        open_all_details,
        shows=(".mod-item__flags", ".history > li"),
    ),
    Case("moderation-overview", "moderator", lambda s, _: "/moderation/overview", open_all_details),
    Case("moderation-bans", "moderator", lambda s, _: "/moderation/bans", shows=("table tbody tr",)),
    Case(
        "moderation-ban-sender",
        "moderator",
        lambda s, _: f"/moderation/bans?comment={s.flagged_comment}",
        phone=True,
        shows=(".notice--sender a[aria-current=true]",),
    ),
    Case(
        "moderation-ban-wide-network",
        "moderator",
        lambda s, _: f"/moderation/bans?comment={s.flagged_comment}",
        ask_for_a_wide_ban,
        shows=(".form-errors .field__error", ".ban-form__wide input"),
    ),
    Case(
        "moderation-empty-spam",
        "moderator",
        lambda s, _: "/moderation/spam/empty",
        phone=True,
        shows=("form .button--danger",),
    ),
    Case("moderation-settings", "admin", lambda s, _: "/moderation/settings"),
    Case("admin-users", "admin", lambda s, _: "/admin/users"),
    Case("admin-sites", "admin", lambda s, _: "/admin/sites"),
    Case("admin-site", "admin", lambda s, _: f"/admin/sites/{s.site}", phone=True, shows=(".site-threads li",)),
    Case(
        "admin-thread-refused",
        "admin",
        lambda s, _: f"/admin/sites/{s.site}/threads/{s.site_thread}",
        move_off_the_site,
        phone=True,
        shows=(".form-errors .field__error",),
    ),
    Case("not-found", None, lambda s, _: f"/articles/no-such-article-{s.token}", phone=True, status=404),
]

# Serious or critical violations the app has today, by (page, scheme, width): each one fails its test
# until it is fixed, and then the strict xfail fails instead, so the mark goes with the fix.
KNOWN: dict[tuple[str, str, str], str] = {}


def _params():
    for case in CASES:
        widths = ("desktop", "phone") if case.phone else ("desktop",)
        for width in widths:
            for scheme in SCHEMES:
                reason = KNOWN.get((case.name, scheme, width))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(case, scheme, width, id=f"{case.name}-{scheme}-{width}", marks=marks)


@pytest.mark.parametrize("case, scheme, width", list(_params()))
def test_page_has_no_serious_accessibility_violations(
    axe_source, new_context, live_server, scene, sessions, case, scheme, width
):
    context = new_context(
        color_scheme=scheme,
        viewport=PHONE if width == "phone" else DESKTOP,
        storage_state=sessions[case.role] if case.role else None,
    )
    page = context.new_page()
    path = case.path(scene, live_server)
    response = page.goto(path)
    assert response.status == case.status, f"{path} answered {response.status}, not {case.status}"
    if case.prepare:
        case.prepare(page)
    for part in case.shows:
        expect(page.locator(part).first, f"{path} should show {part}").to_be_visible()
    violations = serious_violations(page, axe_source)
    assert not violations, describe(violations, f"{case.name} ({path}, {scheme}, {width})")
