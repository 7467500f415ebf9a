"""The content classifier as one check of the pipeline: the site's model scores a comment, and the score may
hold it for a moderator or, once the site has taught the model enough, catch it as spam.

Until moderators have judged `rules.min_decisions` comments on this site, the classifier never moves a
comment to spam on its own: content alone only holds it, for a person to look at. Spam before then
needs structural evidence (spam.checks), a ban, a blocked word or Akismet.
"""

from dataclasses import dataclass

from flask import current_app

from app.services.settings import CommentRules
from app.services.spam.checks import plain_words
from app.services.spam.features import vectorise
from app.services.spam.markup import Plain
from app.services.spam.model import Clue
from app.services.spam.storage import current_model
from app.services.spam.verdicts import Submission, Verdict

CODE = "classifier"


@dataclass(frozen=True)
class Score:
    """A comment's calibrated spam probability, the words and signs that pushed it up, and how many of the
    site's own decisions the model had learned."""

    probability: float
    clues: list[Clue]
    decisions: int


def classify(
    text: str, name: str = "", website: str | None = None, prepared: tuple[Plain, list[str]] | None = None
) -> Score:
    """Score a comment with the site's newest model (`prepared`: see features.vectorise)."""
    _, model = current_model(bool(current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True)))
    vector = vectorise(text, name, website, prepared)
    return Score(model.probability(vector), model.clues(vector), model.decisions)


def check_classifier(submission: Submission, rules: CommentRules) -> Verdict:
    """Spam at rules.spam_at once the site has rules.min_decisions decisions of its own; held at rules.hold_at."""
    if not current_app.config.get("SPAM_CLASSIFIER_ENABLED", True):
        return Verdict("pass", CODE, "The content classifier is switched off.")
    score = classify(submission.body, submission.name, submission.website, plain_words(submission))
    probability = score.probability
    signs = ", ".join(clue.label for clue in score.clues) or "none"
    message = f"Spam probability {probability:.1%} (strongest signs of spam: {signs})."
    if probability >= rules.spam_at:
        if score.decisions >= rules.min_decisions:
            return Verdict("spam", CODE, message, probability)
        learning = (
            f" Held, not caught: the filter judges content alone only after moderators have decided "
            f"{rules.min_decisions} comments on this site (so far {score.decisions})."
        )
        return Verdict("hold", CODE, message + learning, probability)
    if probability >= rules.hold_at:
        return Verdict("hold", CODE, message, probability)
    return Verdict("pass", CODE, message, probability)
