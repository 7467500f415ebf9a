"""Forms for notes and correction requests. The services check the rules; the forms carry CSRF and choices."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice

from app.models import NoteKind

KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in NoteKind]


class NoteForm(FlaskForm):
    # The service checks kind and place (validate_choice=False), so every problem is reported at once.
    kind = SelectField(
        "Kind",
        choices=KIND_CHOICES,
        validate_choice=False,
        description="A correction fixes an error; an update adds news; a clarification explains.",
    )
    paragraph = SelectField(
        "Where", validate_choice=False, description="Shown right after that paragraph, or at the end of the article."
    )
    body = TextAreaField(
        "Note", description="Markdown: *italic*, **bold**, [link](https://…). Signed with your name and role."
    )
    prompted_by = StringField(
        "Prompted by comments",
        description="The numbers of the comments that pointed this out, separated by commas. Their writers are told.",
    )


class NoteAmendForm(FlaskForm):
    kind = SelectField("Kind", choices=KIND_CHOICES, validate_choice=False)
    body = TextAreaField("Note", description="The earlier text stays visible in the note's history.")


class RetractForm(FlaskForm):
    reason = StringField("Why is it retracted?", description="Shown to readers next to the struck-through note.")


class CorrectionRequestForm(FlaskForm):
    body = TextAreaField("What is wrong?", description="Quote the sentence and say what it should say.")
    source_url = URLField("Source (optional)", description="A link that supports the correction: http:// or https://")
    comment_id = HiddenField()
    name = StringField("Name", description="The author sees it; so do readers if the request is decided.")
    email = EmailField("Email", description="Only the author sees it, to tell you the outcome.")


class RequestDecisionForm(FlaskForm):
    """Carries CSRF for the desk's buttons; the action, note and reason are checked by the service."""

    action = HiddenField()
    note_id = HiddenField()
    reason = StringField("Reason (public)")
