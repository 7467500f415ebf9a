"""The content classifier as one check of the pipeline: this site's Bayesian model (the shipped bootstrap
counts plus what the site learned) scores a comment, and the score holds it or catches it as spam."""

from flask import current_app

from app.services.settings import CommentRules
from app.services.spam.bayes import Classifier, Score
from app.services.spam.counts import BOOTSTRAP_PATH, DatabaseCounts, TokenCounts, load_bootstrap
from app.services.spam.verdicts import Submission, Verdict


def site_classifier() -> Classifier:
    """The classifier this site uses: the bootstrap model (unless switched off) plus what the site learned."""
    sources: list[TokenCounts] = [DatabaseCounts()]
    if current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True):
        sources.insert(0, load_bootstrap(str(BOOTSTRAP_PATH)))
    return Classifier(sources)


def classify(text: str, name: str = "", website: str | None = None) -> Score:
    """Score a comment with this site's model."""
    return site_classifier().score(text, name, website)


def check_classifier(submission: Submission, rules: CommentRules) -> Verdict:
    """The content classifier: spam at SPAM_CLASSIFIER_SPAM_AT or above, held at SPAM_CLASSIFIER_HOLD_AT or above."""
    config = current_app.config
    if not config.get("SPAM_CLASSIFIER_ENABLED", True):
        return Verdict("pass", "classifier", "The content classifier is switched off.")
    score = classify(submission.body, submission.name, submission.website)
    probability = score.probability
    signs = ", ".join(clue.token for clue in score.top()) or "none"
    message = f"Spam probability {probability:.1%} (strongest signs of spam: {signs})."
    if probability >= config["SPAM_CLASSIFIER_SPAM_AT"]:
        return Verdict("spam", "classifier", message, probability)
    if probability >= config["SPAM_CLASSIFIER_HOLD_AT"]:
        return Verdict("hold", "classifier", message, probability)
    return Verdict("pass", "classifier", message, probability)
