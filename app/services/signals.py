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

# Sent with sender=comment and parent=the comment it answers (when the sender has it at hand, else None) when a
# comment becomes public: on posting when approved at once (after the comment is flushed), and when moderation
# publishes it (approve, not spam, restore, flags dismissed). Before the commit, like spam_decision: the receiver
# (subscriptions.on_comment_published) queues the task that tells who asked to hear of it. It must cost nothing
# when nobody asked: the posting path counts its statements.
comment_published = signals.signal("comment-published")
