"""The article form."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.models.article import BODY_MAX, GUEST_BIO_MAX, GUEST_NAME_MAX, SLUG_MAX, TITLE_MAX


class ArticleForm(FlaskForm):
    """Title, body and optional guest byline; the services check the rules, the form the lengths."""

    title = StringField(
        "Title", validators=[Length(max=TITLE_MAX, message=f"A title is at most {TITLE_MAX} characters.")]
    )
    slug = StringField(
        "Address",
        description=(
            "The last part of the article's URL. Leave empty to make one from the title; it cannot change later."
        ),
        validators=[Optional(), Length(max=SLUG_MAX, message=f"An address is at most {SLUG_MAX} characters.")],
    )
    body = TextAreaField(
        "Body",
        description=(
            "Markdown: blank lines between paragraphs, **bold**, *italic*, [links](https://…), lists with - or 1."
        ),
        validators=[Length(max=BODY_MAX, message=f"An article is at most {BODY_MAX:,} characters.")],
    )
    guest_author_name = StringField(
        "Guest author",
        description="If someone else wrote this post, their name for the byline. Leave empty for your own posts.",
        validators=[Length(max=GUEST_NAME_MAX, message=f"A name is at most {GUEST_NAME_MAX} characters.")],
    )
    guest_author_bio = TextAreaField(
        "Guest author's bio",
        description="One or two sentences shown under the byline.",
        validators=[Length(max=GUEST_BIO_MAX, message=f"A bio is at most {GUEST_BIO_MAX} characters.")],
    )
