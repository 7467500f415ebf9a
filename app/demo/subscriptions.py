"""Mail readers asked for, in the demo: Ruth, whose criticism the host answered, asked for reply mail (so the mail
sink holds the notification of that answer), and Lee Morgan follows the discussion (approve the held comment on
the desk, and the sink shows what Lee is sent)."""

from sqlalchemy import select

from app.extensions import db
from app.models import Article, Comment, Role, Subscription, User
from app.services import outbox, subscriptions, tasks

CRITIC = "r.okonkwo@example.com"


def seed_reply_mail(article: Article, accounts: dict[Role, User]) -> list[str]:
    """Ruth's reply mail (confirmed, as if she had followed the link) and its mail about the host's answer; Lee's
    subscription. A second run adds nothing."""
    added = []
    criticism = db.session.scalar(
        select(Comment).where(
            Comment.article_id == article.id, Comment.writer_email == CRITIC, Comment.user_id.is_(None)
        )
    )
    if criticism is not None and not criticism.reply_mail:
        subscriptions.confirmed_guest(criticism.writer_email, criticism.writer_name)
        criticism.reply_mail = True
        answer = db.session.scalar(
            select(Comment.id).where(Comment.in_reply_to_id == criticism.id, Comment.user_id == accounts[Role.admin].id)
        )
        if answer is not None:
            tasks.enqueue(subscriptions.NOTIFY_TASK, {"comment_id": answer})
        db.session.commit()
        # Told and delivered now (to instance/mail/ under `make run`), with any other mail the seeding wrote.
        tasks.run_due(kinds=[subscriptions.NOTIFY_TASK, outbox.DELIVER_TASK])
        added.append("reply mail for Ruth's criticism with a mail about the host's answer")
    reader = accounts[Role.reader]
    following = db.session.scalar(
        select(Subscription.id)
        .join(Subscription.recipient)
        .where(Subscription.article_id == article.id, Subscription.recipient.has(user_id=reader.id))
    )
    if following is None:
        subscriptions.subscribe(article, reader)
        added.append(f"{reader.name} follows the discussion")
    return added
