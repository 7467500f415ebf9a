"""The signals services send, in one leaf module: senders and receivers both import it, never each other.

Receivers are connected in one step at app creation (`app.register_signal_receivers`), never when a
module is imported.
"""

from blinker import Namespace

signals = Namespace()

# Sent by moderation.apply with sender=comment, is_spam=bool, previous=CommentStatus, after the move is flushed
# and before it is committed: the receivers queue tasks (app/services/tasks.py) in the move's transaction, through
# which the spam classifier learns (and unlearns) from it and Akismet hears about corrections. Receivers never
# commit.
spam_decision = signals.signal("spam-decision")

# Sent by moderation.undo with sender=comment, is_spam=bool when a moderator undoes a move that gave the verdict
# (before the commit): the spam learner drops the lesson still queued, or queues the task that unlearns it.
verdict_undone = signals.signal("verdict-undone")

# Sent with sender=comment when a comment starts waiting for a moderator: held when posted (comments.post_comment)
# or flagged by a reader (moderation.flag_comment), before the commit. Staff mail's receiver queues one task in
# that transaction; the task tells the moderators. Never sent for a comment published at once.
comment_waits = signals.signal("comment-waits")

# Sent with sender=correction_request by correction_requests.request_correction before the commit: staff mail's
# receiver writes the mail to the article's author in that transaction.
correction_requested = signals.signal("correction-requested")

# Sent with sender=comment and parent=the comment it answers (when the sender has it at hand, else None) when a
# comment becomes public: on posting when approved at once (after the comment is flushed), and when moderation
# publishes it (approve, not spam, restore, flags dismissed). Before the commit, like spam_decision: the receiver
# (subscriptions.on_comment_published) queues the task that tells who asked to hear of it. It must cost nothing
# when nobody asked: the posting path counts its statements.
comment_published = signals.signal("comment-published")
