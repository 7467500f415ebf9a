"""Measure the content classifier on comments it never saw, and how fast it scores.

Cross-video evaluation: the training file holds comments from three videos; for each video,
train a fresh in-memory model on the other two and score this one, at the configured
thresholds (SPAM_CLASSIFIER_SPAM_AT / _HOLD_AT). Then the shipped bootstrap model on the
whole file (comments it learned from, so only a sanity check), and throughput: in memory,
and through a throwaway SQLite database as the site scores (bootstrap plus learned counts).
No database of yours is touched.

    .venv/bin/python bench/spam_eval.py [FILE.csv] [--min-count 2] [--repeat 5]
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.services.errors import ServiceError  # noqa: E402
from app.services.spam.bayes import Classifier  # noqa: E402
from app.services.spam.counts import BOOTSTRAP_PATH, MemoryCounts  # noqa: E402
from app.services.spam.evaluation import LabelledComment, Metrics, figure, read_labelled  # noqa: E402
from app.services.spam.tokens import tokenise  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "spam" / "comments_train.csv"
SPAM_AT = Config.SPAM_CLASSIFIER_SPAM_AT
HOLD_AT = Config.SPAM_CLASSIFIER_HOLD_AT


def train(comments: list[LabelledComment], min_count: int) -> MemoryCounts:
    """A model of these comments, pruned as the shipped one is (bench/build_spam_model.py)."""
    counts = MemoryCounts()
    for comment in comments:
        counts.learn(tokenise(comment.content), comment.is_spam)
    return counts.pruned(min_count, drop_prefixes=("text:",))


def evaluate(classifier: Classifier, comments: list[LabelledComment]) -> Metrics:
    """Score each comment at the configured thresholds."""
    metrics = Metrics()
    for comment in comments:
        metrics.add(comment.is_spam, classifier.score(comment.content).probability, SPAM_AT, HOLD_AT)
    return metrics


def throughput_in_memory(classifier: Classifier, comments: list[LabelledComment], repeat: int) -> float:
    """Comments per second, tokenising and scoring, median of `repeat` passes over the file."""
    rates = []
    for _ in range(repeat):
        began = time.perf_counter()
        for comment in comments:
            classifier.score(comment.content)
        rates.append(len(comments) / (time.perf_counter() - began))
    return statistics.median(rates)


def throughput_with_database(comments: list[LabelledComment], repeat: int) -> float:
    """The same through `classify()`: the bootstrap model plus counts read from SQLite (two queries a comment)."""
    from app import create_app
    from app.extensions import db
    from app.services.spam.classifier import classify
    from app.services.spam.learning import learn

    with tempfile.TemporaryDirectory() as directory:
        database = f"sqlite:///{directory}/bench.sqlite3"
        app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": directory, "SQLALCHEMY_DATABASE_URI": database})
        with app.app_context():
            db.create_all()
            # A site that has already learned a few hundred decisions of its own.
            for comment in comments[::3]:
                learn(comment.content, comment.is_spam)
            db.session.commit()
            rates = []
            for _ in range(repeat):
                began = time.perf_counter()
                for comment in comments:
                    classify(comment.content)
                rates.append(len(comments) / (time.perf_counter() - began))
            db.session.remove()
            db.engine.dispose()
    return statistics.median(rates)


def main() -> int:
    """Print every fold, the summary, the bootstrap check and the throughput; 2 when the file is unusable."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV), help=f"labelled comments (default {DEFAULT_CSV})")
    parser.add_argument("--min-count", type=int, default=2, help="drop rarer tokens, as the build does")
    parser.add_argument("--repeat", type=int, default=5, help="passes for the throughput figures")
    args = parser.parse_args()
    if not Path(args.csv).is_file():
        print(
            f"No training file at {args.csv}. It is not in the repository (see docs/spam.md); "
            "give its path as the first argument.",
            file=sys.stderr,
        )
        return 2
    try:
        comments = read_labelled(args.csv)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 2
    by_source = defaultdict(list)
    for comment in comments:
        by_source[comment.source or "(no source)"].append(comment)
    if len(by_source) < 2:
        print("The file needs a `source` column with at least two groups (videos) to hold one out.", file=sys.stderr)
        return 2

    print(
        f"Spam at probability >= {SPAM_AT}, held at >= {HOLD_AT}; tokens seen in fewer than "
        f"{args.min_count} training comments dropped.\n"
    )
    summary = []
    for held_out, test in sorted(by_source.items()):
        training = [comment for comment in comments if (comment.source or "(no source)") != held_out]
        classifier = Classifier([train(training, args.min_count)])
        metrics = evaluate(classifier, test)
        print(f"== trained on the other {len(by_source) - 1} videos ({len(training)} comments), tested on {held_out}")
        print(metrics.report(SPAM_AT, HOLD_AT) + "\n")
        summary.append((held_out, metrics))

    print("== summary (held-out video: precision / recall / F1 / false-positive rate)")
    for held_out, metrics in summary:
        rates = (metrics.precision, metrics.recall, metrics.f1, metrics.false_positive_rate)
        print(f"  {held_out:<22} " + " / ".join(figure(rate) for rate in rates))
    met = all((metrics.precision or 0) >= 0.98 and (metrics.recall or 0) >= 0.90 for _, metrics in summary)
    print(f"  target (precision >= 0.98 and recall >= 0.90 on every held-out video): {'met' if met else 'NOT met'}\n")

    if BOOTSTRAP_PATH.exists():
        bootstrap = Classifier([MemoryCounts.load(BOOTSTRAP_PATH)])
        print(
            f"== the shipped bootstrap model ({BOOTSTRAP_PATH.name}) on the whole file: it learned from these "
            "comments, so this only checks how it was built"
        )
        print(evaluate(bootstrap, comments).report(SPAM_AT, HOLD_AT) + "\n")
    else:
        bootstrap = Classifier([train(comments, args.min_count)])
        print(
            f"== no {BOOTSTRAP_PATH.name} yet (bench/build_spam_model.py makes it); timing a model of the whole file\n"
        )

    print("== throughput (tokenise and score; median of passes over the file)")
    in_memory = throughput_in_memory(bootstrap, comments, args.repeat)
    print(f"  in memory, bootstrap model:        {in_memory:>8,.0f} comments/s")
    print(f"  bootstrap + SQLite learned counts: {throughput_with_database(comments, args.repeat):>8,.0f} comments/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
