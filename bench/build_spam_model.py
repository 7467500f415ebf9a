"""Build the classifier's shipped bootstrap model from the labelled training file.

The model holds token statistics only: for each token seen in at least --min-count comments,
how many spam and ham comments contained it, plus the two totals. Whole-comment fingerprints
(`text:` tokens) are left out, since they would only recognise these exact comments. The raw
comments never enter the repository. The output is byte-for-byte reproducible.

    .venv/bin/python bench/build_spam_model.py [FILE.csv] [--min-count 2] [--output PATH]
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.errors import ServiceError  # noqa: E402
from app.services.spam.counts import BOOTSTRAP_PATH, MemoryCounts  # noqa: E402
from app.services.spam.evaluation import read_labelled  # noqa: E402
from app.services.spam.tokens import tokenise  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "spam" / "comments_train.csv"
SOURCE = (
    "YouTube Spam Collection v.1 (Youtube01-Psy, Youtube02-KatyPerry, Youtube03-LMFAO), CC BY 4.0; "
    "T. C. Alberto, J. V. Lochter, T. A. Almeida, 'TubeSpam: Comment Spam Filtering on YouTube', ICMLA 2015"
)


def main() -> int:
    """Write the model; 2 when the training file is missing or unusable."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV), help=f"labelled comments (default {DEFAULT_CSV})")
    parser.add_argument("--min-count", type=int, default=2, help="keep tokens seen in at least this many comments")
    parser.add_argument("--output", default=str(BOOTSTRAP_PATH), help="where to write the model")
    args = parser.parse_args()
    if not Path(args.csv).is_file():
        print(f"No training file at {args.csv}; give its path as the first argument.", file=sys.stderr)
        return 2
    try:
        comments = read_labelled(args.csv)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 2
    counts = MemoryCounts()
    for comment in comments:
        counts.learn(tokenise(comment.content), comment.is_spam)
    model = counts.pruned(args.min_count, drop_prefixes=("text:",))
    output = Path(args.output)
    model.save(output, SOURCE)
    print(
        f"Wrote {output} ({output.stat().st_size:,} bytes): {model.spam} spam and {model.ham} ham comments, "
        f"{len(model.tokens):,} of {len(counts.tokens):,} tokens (seen in at least {args.min_count} comments)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
