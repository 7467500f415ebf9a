"""The linear model: logistic regression over hashed features, scored and taught one lesson at a time in pure
Python, so a web worker never loads a numerical library to read or learn.

Batch training (the shipped model, `flask spam retrain`) uses scikit-learn (spam.training); the lesson a
moderator's verdict teaches is one stochastic-gradient step on the log loss, the same step scikit-learn's
SGDClassifier takes in `partial_fit`, with a fixed learning rate and no weight decay (retraining decays).
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from app.services.spam.features import FEATURE_VERSION, SIZE, Vector

SHIPPED_PATH = Path(__file__).with_name("shipped_model.bin.gz")
SHIPPED_FORMAT = 2
# The step one lesson takes. Features are scaled to unit length per group, so one step moves the
# lesson's own score by about LESSON_RATE × 2 logits: a verdict is felt at once, not after dozens.
# Chosen on the learning stream of bench/spam_eval.py.
LESSON_RATE = 3.0
# The intercept moves slowly: one verdict says little about how much spam a site gets.
INTERCEPT_RATE = 0.01
MAX_LOGIT = 35.0


def sigmoid(logit: float) -> float:
    """1 / (1 + e^-logit), kept finite."""
    return 1.0 / (1.0 + math.exp(-max(-MAX_LOGIT, min(MAX_LOGIT, logit))))


def _little_endian(weights: array[float]) -> bytes:
    if sys.byteorder == "little":
        return weights.tobytes()
    swapped = array("f", weights)
    swapped.byteswap()
    return swapped.tobytes()


def _from_little_endian(data: bytes) -> array[float]:
    weights = array("f")
    weights.frombytes(data)
    if sys.byteorder != "little":
        weights.byteswap()
    if len(weights) != SIZE:
        raise ValueError(f"a model has {SIZE} weights, not {len(weights)}")
    return weights


@dataclass(frozen=True)
class Clue:
    """A word or sign and how much it pushed the score towards spam (positive) or ham (negative)."""

    label: str
    evidence: float


@dataclass
class LinearModel:
    """Weights per feature bucket, an intercept, and the Platt scaling that makes the output a probability."""

    weights: array[float] = field(default_factory=lambda: array("f", bytes(4 * SIZE)))
    intercept: float = 0.0
    scale: float = 1.0
    shift: float = 0.0
    decisions: int = 0
    examples_through: int = 0
    feature_version: int = FEATURE_VERSION

    def logit(self, vector: Vector) -> float:
        """The raw score, before calibration."""
        weights = self.weights
        return self.intercept + sum(weights[index] * value for index, value in vector.values.items())

    def probability(self, vector: Vector) -> float:
        """The calibrated spam probability."""
        return sigmoid(self.scale * self.logit(vector) + self.shift)

    def clues(self, vector: Vector, limit: int = 5) -> list[Clue]:
        """The words and signs that pushed hardest towards spam, strongest first (character n-grams are left out)."""
        weights = self.weights
        found = [
            Clue(label, self.scale * weights[index] * vector.values[index])
            for index, label in vector.labels.items()
            if weights[index] > 0
        ]
        found.sort(key=lambda clue: (-clue.evidence, clue.label))
        return found[:limit]

    def learn(self, vector: Vector, is_spam: bool, weight: float = 1.0) -> None:
        """One lesson: a gradient step on the log loss of this comment (`weight` 2 also undoes an opposite lesson)."""
        error = (1.0 if is_spam else 0.0) - sigmoid(self.logit(vector))
        step = LESSON_RATE * weight * error
        weights = self.weights
        for index, value in vector.values.items():
            weights[index] += step * value
        self.intercept += INTERCEPT_RATE * weight * error

    def copy(self) -> LinearModel:
        """An independent copy (the weights are copied too)."""
        return LinearModel(
            array("f", self.weights),
            self.intercept,
            self.scale,
            self.shift,
            self.decisions,
            self.examples_through,
            self.feature_version,
        )

    def packed_weights(self) -> bytes:
        """The weights as stored: float32, little-endian (trained weights hardly compress, so they are not)."""
        return _little_endian(self.weights)

    @staticmethod
    def unpack_weights(data: bytes) -> array[float]:
        """Weights stored by `packed_weights`."""
        return _from_little_endian(data)

    def save(self, path: Path, source: str) -> None:
        """Write the model as a file (the shipped model): a JSON header line, then the weights; gzip, no timestamp."""
        header = {
            "format": SHIPPED_FORMAT,
            "feature_version": self.feature_version,
            "intercept": self.intercept,
            "scale": self.scale,
            "shift": self.shift,
            "source": source,
        }
        payload = json.dumps(header, sort_keys=True).encode() + b"\n" + _little_endian(self.weights)
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
            handle.write(payload)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a file written by `save`; a file for other features or another format is refused."""
        with gzip.open(path, "rb") as handle:
            data = handle.read()
        line, _, weights = data.partition(b"\n")
        header = json.loads(line)
        if header.get("format") != SHIPPED_FORMAT or header.get("feature_version") != FEATURE_VERSION:
            raise ValueError(
                f"{path}: a model for format {header.get('format')}, features {header.get('feature_version')}"
            )
        return cls(
            _from_little_endian(weights),
            float(header["intercept"]),
            float(header["scale"]),
            float(header["shift"]),
        )
