"""The comment form. Lengths and formats are checked by services.comments; the form carries CSRF."""

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField, URLField


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment",
        description="You can use Markdown: *italic*, **bold**, [link](https://…), `code`, > quote, - list.",
    )
    name = StringField("Name", description="Shown with your comment.")
    email = EmailField("Email", description="Never shown to anyone.")
    website = URLField("Website (optional)", description="http:// or https://")
    remember = BooleanField("Remember my name, email and website on this device")
    # Ticked by default for an account that chose so on its account page (app/subscriptions/routes.py).
    notify_replies = BooleanField(
        "Email me when someone replies", default=lambda: bool(getattr(current_user, "reply_mail", False))
    )
    parent_id = HiddenField()


class CommentEditForm(FlaskForm):
    body = TextAreaField("Comment")


class CloseCommentsForm(FlaskForm):
    reason = StringField("Reason (shown to readers)")


class FlagForm(FlaskForm):
    """Carries CSRF for the flag form; the reason and note are checked by services.moderation."""


class VoteForm(FlaskForm):
    """Carries CSRF for the Helpful button and the pin buttons; what they do is in services.votes."""
