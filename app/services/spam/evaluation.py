"""Labelled comment files and the figures that say how well the classifier sorts them."""

import csv
from dataclasses import dataclass
from pathlib import Path

from app.services.errors import ServiceError

REQUIRED_COLUMNS = ("content", "label")
LABELS = {"1": True, "0": False}


@dataclass(frozen=True)
class LabelledComment:
    """One line of a training or evaluation file; `source` groups comments (e.g. by video) when the file says."""

    content: str
    is_spam: bool
    source: str = ""


def read_labelled(path: str | Path) -> list[LabelledComment]:
    """Read a CSV with columns content,label (1 = spam, 0 = ham), refusing the whole file at the first problem."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [name.strip() for name in reader.fieldnames or []]
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                found = ", ".join(columns) if columns else "none"
                raise ServiceError(
                    f"{path}: missing column(s) {', '.join(missing)} (found: {found}); "
                    "the first line must name the columns content,label."
                )
            reader.fieldnames = columns
            comments = []
            for row in reader:
                label = (row.get("label") or "").strip()
                if label not in LABELS:
                    raise ServiceError(f"{path}, line {reader.line_num}: label {label!r} is not 1 (spam) or 0 (ham).")
                source = (row.get("source") or "").strip()
                comments.append(LabelledComment(row.get("content") or "", LABELS[label], source))
    except UnicodeDecodeError as error:
        raise ServiceError(f"{path}: not UTF-8 text ({error.reason}); save it as UTF-8.") from None
    except csv.Error as error:
        raise ServiceError(f"{path}: not a readable CSV file ({error}).") from None
    except OSError as error:
        raise ServiceError(f"{path}: cannot be read ({error.strerror or error}).") from None
    if not comments:
        raise ServiceError(f"{path}: no comments after the header line.")
    return comments


def figure(value: float | None) -> str:
    """A rate to three decimals, or n/a when there was nothing to count."""
    return f"{value:.3f}" if value is not None else "n/a"


@dataclass
class Metrics:
    """A confusion matrix at the spam threshold, and how many comments would only be held."""

    true_spam: int = 0
    false_spam: int = 0
    missed_spam: int = 0
    true_ham: int = 0
    held_spam: int = 0
    held_ham: int = 0

    def add(self, is_spam: bool, probability: float, spam_at: float, hold_at: float) -> None:
        """Count one scored comment."""
        caught = probability >= spam_at
        if is_spam:
            if caught:
                self.true_spam += 1
            else:
                self.missed_spam += 1
                self.held_spam += probability >= hold_at
        elif caught:
            self.false_spam += 1
        else:
            self.true_ham += 1
            self.held_ham += probability >= hold_at

    @property
    def precision(self) -> float | None:
        """Of the comments caught as spam, the share that were spam."""
        caught = self.true_spam + self.false_spam
        return self.true_spam / caught if caught else None

    @property
    def recall(self) -> float | None:
        """Of the spam, the share caught."""
        spam = self.true_spam + self.missed_spam
        return self.true_spam / spam if spam else None

    @property
    def f1(self) -> float | None:
        """The harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_positive_rate(self) -> float | None:
        """Of the real comments, the share caught as spam."""
        ham = self.false_spam + self.true_ham
        return self.false_spam / ham if ham else None

    @property
    def held_rate(self) -> float | None:
        """Of the real comments, the share held for a moderator (not caught, not published)."""
        ham = self.false_spam + self.true_ham
        return self.held_ham / ham if ham else None

    @property
    def spam_held_rate(self) -> float | None:
        """Of the spam, the share held for a moderator rather than caught."""
        spam = self.true_spam + self.missed_spam
        return self.held_spam / spam if spam else None

    def add_outcome(self, is_spam: bool, outcome: str) -> None:
        """Count one comment by what the whole pipeline did: "spam" or "rejected" (caught), "held", "published"."""
        caught, held = outcome in {"spam", "rejected"}, outcome == "held"
        self.add(is_spam, 1.0 if caught else 0.5 if held else 0.0, 1.0, 0.5)

    def report(self, caught_when: str, held_when: str) -> str:
        """The figures as the command line and the benchmark print them."""
        spam, ham = self.true_spam + self.missed_spam, self.false_spam + self.true_ham
        return "\n".join(
            [
                f"comments: {spam + ham} ({spam} spam, {ham} ham); caught as spam {caught_when}",
                f"precision  {figure(self.precision)}",
                f"recall     {figure(self.recall)}",
                f"F1         {figure(self.f1)}",
                f"FP rate    {figure(self.false_positive_rate)}   (real comments caught as spam)",
                f"held rate  {figure(self.held_rate)}   (real comments held for a moderator {held_when})",
                "confusion matrix  caught as spam  not caught (of which held)",
                f"  spam            {self.true_spam:>14}  {self.missed_spam:>10} ({self.held_spam})",
                f"  ham             {self.false_spam:>14}  {self.true_ham:>10} ({self.held_ham})",
            ]
        )
