"""The demo article's discussion: experience, a blunt criticism, an argument about tone, the host's answer."""

from dataclasses import dataclass
from datetime import timedelta

from app.extensions import db
from app.models import Article, Comment, CommentStatus, Flag, Role, User
from app.models.types import utcnow
from app.services.comments import Writer, post_comment
from app.services.moderation import apply, flag_comment
from app.services.settings import CommentRules


@dataclass(frozen=True)
class DemoComment:
    """One comment: a key to reply to it by, its writer (an account's role, or a guest), and its text."""

    key: str
    hours_after: float
    body: str
    guest: tuple[str, str] | None = None  # (name, email) for guests
    role: Role | None = None  # a demo account instead
    reply_to: str | None = None
    website: str | None = None


COMMENTS = [
    DemoComment(
        "deposit",
        3,
        "I went through this last spring over a security deposit. The tip about the written demand is the "
        "important one: my landlord paid the week before the hearing, and I am fairly sure the letter is why.",
        guest=("Tom Becker", "tom.becker@example.net"),
    ),
    DemoComment(
        "errors",
        9,
        "This post contains factual errors, and for a beginners' guide that matters.\n\n"
        '1. The limit is not "usually around $10,000". Depending on the state it runs from a few thousand '
        "dollars to $25,000, and some courts set different limits for different kinds of claim.\n"
        "2. The filing deadline depends on the kind of claim: a written contract, an oral agreement and "
        "property damage often have different limits in the same state.\n"
        "3. Several states do not let a business send a lawyer to a small claims hearing, which is worth "
        "saying to someone who is afraid of facing one.\n\n"
        "Someone who relies on point 1 could file for the wrong amount and give up money they are owed.",
        guest=("Ruth Okonkwo", "r.okonkwo@example.com"),
    ),
    DemoComment(
        "rude",
        10.5,
        "That is a rather rude way to put it. The post says plainly that it is for first-timers, not lawyers.",
        guest=("Janet Holm", "janet.holm@example.net"),
        reply_to="errors",
    ),
    DemoComment(
        "defend",
        12,
        "I don't read it as rude. I nearly filed for more than my state's limit because of a figure I read "
        "online. A blunt correction is more useful than a polite silence.",
        role=Role.reader,
        reply_to="rude",
    ),
    DemoComment(
        "tone",
        13,
        'Fair enough, but opening with "contains factual errors" sets a tone before anyone reads the points.',
        guest=("Janet Holm", "janet.holm@example.net"),
        reply_to="defend",
    ),
    DemoComment(
        "keep-it-civil",
        14,
        "Both of you are making reasonable points about the substance. Let's keep the thread on the guide "
        "itself rather than on each other's tone.",
        role=Role.moderator,
        reply_to="tone",
    ),
    DemoComment(
        "host-answer",
        20,
        "Thank you, Ruth. You are right about the limit: it varies too much from state to state for one "
        "number to be useful, so I am adding a note to that step pointing readers to their own state's court "
        "rules. I am also adding a note at the end about who this guide is for and what it does not cover. "
        "Points 2 and 3 are good ones and I have passed them to Marisol for a follow-up post.",
        role=Role.admin,
        reply_to="errors",
    ),
    DemoComment(
        "texts",
        26,
        "Can I use text messages from my landlord as evidence if they are only on my phone?",
        guest=("Mei Lin", "mei.lin@example.org"),
    ),
    DemoComment(
        "texts-answer",
        29,
        "Yes, but print them. Make sure the date, the time and the sender's number show on each page, and "
        "bring the phone too in case the judge wants to see the originals.",
        guest=("Carlos Ruiz", "carlos.ruiz@example.com"),
        reply_to="texts",
        website="https://example.com/carlos",
    ),
    DemoComment(
        "serving",
        40,
        "One thing I didn't expect: after filing, I had to arrange for the papers to be delivered to the other "
        "side myself. The clerk explained the options, but it is worth knowing before you go.",
        guest=("Ben Adeyemi", "ben.adeyemi@example.net"),
    ),
]


def seed_discussion(article: Article, accounts: dict[Role, User]) -> int:
    """Post the demo discussion under the article if it has none yet; returns how many comments were added."""
    if db.session.query(Comment.id).filter_by(article_id=article.id).first() is not None:
        return 0
    start = utcnow() - timedelta(days=5)
    article.published_at = start
    db.session.commit()
    rules = CommentRules()
    posted: dict[str, Comment] = {}
    for item in COMMENTS:
        if item.role is not None:
            writer = Writer(user=accounts[item.role], website=item.website)
        else:
            writer = Writer(name=item.guest[0], email=item.guest[1], website=item.website)
        parent = posted[item.reply_to].id if item.reply_to else None
        comment = post_comment(article, writer, item.body, rules, parent_id=parent)
        if comment.status is not CommentStatus.approved:
            # The story's moderator approved whatever the filters held, as she would on a real site.
            apply(comment, "approve", accounts[Role.moderator], remark="Approved while seeding the demo.")
        comment.created_at = start + timedelta(hours=item.hours_after)
        posted[item.key] = comment
    db.session.commit()
    return len(posted)


HELD = DemoComment(
    "held",
    60,
    "Does any of this apply when the other side is a city or a state agency? I have a claim about a towed car.",
    guest=("Marcus Webb", "marcus.webb@example.net"),
)
FLAG_REMARK = "Opening with 'contains factual errors' is needlessly hostile to a guest writer."


def seed_moderation(article: Article, accounts: dict[Role, User]) -> list[str]:
    """A first-time commenter's comment waiting in the queue, and a reader's flag on the criticism."""
    added = []
    if db.session.query(Comment.id).filter_by(writer_email=HELD.guest[1]).first() is None:
        rules = CommentRules(hold_until_approved=1)
        held = post_comment(article, Writer(name=HELD.guest[0], email=HELD.guest[1]), HELD.body, rules)
        held.created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
        added.append("a held comment")
    criticism = db.session.query(Comment).filter_by(article_id=article.id, writer_email="r.okonkwo@example.com").first()
    if criticism is not None and not criticism.reasons and not _flagged(criticism):
        flag_comment(criticism, "demo:janet", "abusive", FLAG_REMARK, CommentRules(), ip_network=None)
        added.append("a flag")
    return added


SPAM = [
    # A robot that filled in the form's hidden field.
    (
        Writer(
            name="Best Deals 2026",
            email="deals@bulk-mailer.example",
            website="https://cheap-watches.example",
            form={"homepage": "https://cheap-watches.example"},
        ),
        "Great article!!! Visit https://cheap-watches.example for the best replica watches at 90% off.",
    ),
    # A call to action and a link through a URL shortener: caught by structure; the classifier also names
    # its signs (on a new site it could only have held it).
    (
        Writer(name="Jenny", email="jenny.promo@example.com"),
        "Hey guys check out my channel https://video.example/c/jenny and subscribe!!! "
        "Free gift cards for everyone who subscribes today https://bit.ly/jenny-gifts",
    ),
]


def seed_spam(article: Article) -> list[str]:
    """Two comments the spam checks caught, each with the signals that caught it."""
    if db.session.query(Comment.id).filter_by(writer_email="deals@bulk-mailer.example").first() is not None:
        return []
    for writer, body in SPAM:
        comment = post_comment(article, writer, body, CommentRules(min_seconds=0))
        comment.created_at = utcnow() - timedelta(hours=5)
    db.session.commit()
    return ["two caught spam comments"]


def _flagged(comment: Comment) -> bool:
    return db.session.query(Flag.id).filter_by(comment_id=comment.id).first() is not None
