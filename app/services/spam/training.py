"""Batch training with scikit-learn: the shipped model (bench/build_spam_model.py), `flask spam retrain` and
`flask spam train FILE`. Only these commands import it; web workers score and learn without scikit-learn.

A model is logistic regression fitted by SGDClassifier (log loss, averaged SGD) over the hashed features of
spam.features. A site's retraining starts from the shipped model's weights and learns the site's examples
(moderators' latest verdicts and training files), so what the shipped model knew stays where the site's
examples say nothing. Probabilities are calibrated (Platt scaling) on predictions for examples each fold
did not learn from.
"""

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sqlalchemy import select

from app.extensions import db
from app.models import SpamExample
from app.services.spam.features import SIZE, Vector, vectorise
from app.services.spam.learning import MODERATOR
from app.services.spam.model import LinearModel
from app.services.spam.storage import WRITE_ATTEMPTS, newest_version, save_version, shipped_model

# Chosen on bench/spam_eval.py (cross-video, held-out halves and the learning stream).
ALPHA = 1e-5
EPOCHS = 30
SEED = 1
FOLDS = 5
# Fewer examples than this of either kind: the calibration of the model it starts from is kept.
CALIBRATION_MINIMUM = 50


@dataclass(frozen=True)
class Labelled:
    """A comment and its label, as training reads it."""

    body: str
    is_spam: bool
    name: str = ""
    website: str | None = None


def matrix(vectors: Sequence[Vector]) -> sparse.csr_matrix:
    """The vectors as the rows of a sparse matrix."""
    rows, columns, values = [], [], []
    for row, vector in enumerate(vectors):
        for column, value in vector.values.items():
            rows.append(row)
            columns.append(column)
            values.append(value)
    return sparse.csr_matrix((values, (rows, columns)), shape=(len(vectors), SIZE), dtype=np.float64)


def fit(vectors: Sequence[Vector], labels: Sequence[bool], start: LinearModel | None = None) -> LinearModel:
    """Weights learned from these examples, starting from `start`'s (or from zero); calibration copied from start.

    Examples of one kind only cannot be fitted as a batch (there is nothing to tell them from): they are
    taught one lesson at a time instead, as the site learns between retrainings.
    """
    if len(set(labels)) < 2:
        model = start.copy() if start is not None else LinearModel()
        for vector, label in zip(vectors, labels, strict=True):
            model.learn(vector, label)
        return model
    classifier = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=EPOCHS, tol=None, random_state=SEED, average=True)
    target = np.array([1 if label else 0 for label in labels])
    if start is not None:
        initial = np.frombuffer(start.weights.tobytes(), dtype=np.float32).astype(np.float64).reshape(1, SIZE)
        classifier.fit(matrix(vectors), target, coef_init=initial, intercept_init=np.array([start.intercept]))
    else:
        classifier.fit(matrix(vectors), target)
    weights = array("f", classifier.coef_[0].astype(np.float32).tobytes())
    model = LinearModel(weights, float(classifier.intercept_[0]))
    if start is not None:
        model.scale, model.shift = start.scale, start.shift
    return model


def platt(logits: Sequence[float], labels: Sequence[bool]) -> tuple[float, float]:
    """Scale and shift that turn raw scores into probabilities that match how often they were right."""
    regression = LogisticRegression(C=1e4, max_iter=1000)
    regression.fit(np.array(logits).reshape(-1, 1), np.array([1 if label else 0 for label in labels]))
    return float(regression.coef_[0][0]), float(regression.intercept_[0])


def held_out_logits(vectors: Sequence[Vector], labels: Sequence[bool], start: LinearModel | None) -> list[float]:
    """Each example's raw score from a model fitted on the other folds (deterministic folds by position)."""
    logits = [0.0] * len(vectors)
    for fold in range(FOLDS):
        train = [i for i in range(len(vectors)) if i % FOLDS != fold]
        model = fit([vectors[i] for i in train], [labels[i] for i in train], start)
        for i in range(fold, len(vectors), FOLDS):
            logits[i] = model.logit(vectors[i])
    return logits


def calibrated(vectors: Sequence[Vector], labels: Sequence[bool], start: LinearModel | None = None) -> LinearModel:
    """A model of these examples with calibrated probabilities (start's calibration when examples are too few)."""
    model = fit(vectors, labels, start)
    spam = sum(1 for label in labels if label)
    if min(spam, len(labels) - spam) >= CALIBRATION_MINIMUM:
        model.scale, model.shift = platt(held_out_logits(vectors, labels, start), labels)
    return model


@dataclass(frozen=True)
class Retrained:
    """What a retraining did."""

    version: int | None
    examples: int
    spam: int
    decisions: int
    replayed: int


def retrain(use_shipped: bool = True, start: LinearModel | None = None) -> Retrained:
    """Rebuild the site's model from the shipped one (or `start`) and every current example, then store it as a
    new version. Verdicts given while it ran are taught on top before it is stored, so none is lost.
    """
    rows = db.session.scalars(
        select(SpamExample).where(SpamExample.superseded_at.is_(None)).order_by(SpamExample.id)
    ).all()
    vectors = [vectorise(row.body, row.name, row.website) for row in rows]
    labels = [row.is_spam for row in rows]
    start = start or (shipped_model() if use_shipped else None)
    model = calibrated(vectors, labels, start) if rows else (start.copy() if start else LinearModel())
    model.decisions = sum(1 for row in rows if row.origin == MODERATOR)
    model.examples_through = max((row.id for row in rows), default=0)
    replayed = 0
    for _ in range(WRITE_ATTEMPTS):
        newest = newest_version()
        newer = db.session.scalars(
            select(SpamExample)
            .where(SpamExample.id > model.examples_through, SpamExample.superseded_at.is_(None))
            .order_by(SpamExample.id)
        ).all()
        for row in newer:
            model.learn(vectorise(row.body, row.name, row.website), row.is_spam)
            model.decisions += 1 if row.origin == MODERATOR else 0
            model.examples_through = row.id
        replayed += len(newer)
        version = save_version(model, "retrain", f"retrained from {len(rows)} examples", expected=newest)
        if version is not None:
            db.session.commit()
            return Retrained(version, len(rows), sum(labels), model.decisions, replayed)
    db.session.rollback()
    return Retrained(None, len(rows), sum(labels), model.decisions, replayed)


def add_examples(comments: Sequence[Labelled], origin: str) -> int:
    """Store labelled comments as examples (e.g. a training file's lines), for the next retraining (caller commits)."""
    db.session.add_all(
        SpamExample(origin=origin, is_spam=c.is_spam, body=c.body, name=c.name, website=c.website) for c in comments
    )
    db.session.flush()
    return len(comments)
