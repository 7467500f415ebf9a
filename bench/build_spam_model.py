"""Build the classifier's shipped model from labelled comment files.

The model is weights over hashed features (app/services/spam/features.py), fitted by scikit-learn and
calibrated on predictions for comments each fold did not learn from. Part of the real comments are also
learned with a link added (see LINKED_SHARE). The comments themselves never enter
the repository. The output is byte-for-byte the same for the same files and code.

    .venv/bin/python bench/build_spam_model.py [FILE.csv ...] [--output PATH]

Without files it reads the three sets in ../shared/data/spam/ (see docs/spam.md for their sources).
"""

import argparse
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.errors import ServiceError  # noqa: E402
from app.services.spam.evaluation import LabelledComment, read_labelled  # noqa: E402
from app.services.spam.features import vectorise  # noqa: E402
from app.services.spam.model import SHIPPED_PATH  # noqa: E402
from app.services.spam.training import calibrated  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "spam"
DEFAULT_FILES = [DATA / "comments_train.csv", DATA / "discussion_ham.csv", DATA / "forum_spam.csv"]
SOURCE = (
    "YouTube Spam Collection v.1 (Youtube01-Psy, Youtube02-KatyPerry, Youtube03-LMFAO; Alberto, Lochter, Almeida, "
    "ICMLA 2015; CC BY 4.0); Jigsaw Toxic Comment Classification (non-toxic Wikipedia talk comments, CC BY-SA 3.0); "
    "Stack Exchange data dumps (history.meta, beer, coffee; CC BY-SA) and spam deleted from Stack Exchange sites "
    "(CC BY-SA); see docs/spam.md"
)


# The shipped data's real comments rarely link anywhere but a few big sites, while its spam links almost
# always, so a model learns "a link is spam". Blog readers link everywhere. For part of the link-free real
# comments, the model also learns a copy with a link to a made-up site, so a link alone is not evidence.
LINKED_SHARE = 0.5
_PATHS = ["notes", "guide", "report", "article", "research", "faq", "help", "docs", "news", "post", "study", "rules"]
_TLDS = ["com", "org", "net", "co.uk", "io", "de", "info", "us"]


def with_links(comments: list[LabelledComment], seed: int = 7) -> list[LabelledComment]:
    """Copies of some link-free real comments, each with one link to a made-up site (see LINKED_SHARE)."""
    chance = random.Random(seed)
    plain = [c for c in comments if not c.is_spam and "http" not in c.content and "www." not in c.content]
    copies = []
    for comment in chance.sample(plain, int(len(plain) * LINKED_SHARE)):
        host = "".join(chance.choice(string.ascii_lowercase) for _ in range(chance.randint(4, 10)))
        url = f"https://{'www.' if chance.random() < 0.5 else ''}{host}.{chance.choice(_TLDS)}/{chance.choice(_PATHS)}"
        link = f" [{chance.choice(_PATHS)}]({url})" if chance.random() < 0.5 else f" {url}"
        copies.append(LabelledComment(comment.content + link, False, comment.source))
    return copies


def main() -> int:
    """Write the model; 2 when a training file is missing or unusable."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES, help="labelled CSV files (content,label)")
    parser.add_argument("--output", type=Path, default=SHIPPED_PATH, help="where to write the model")
    options = parser.parse_args()
    comments = []
    try:
        for path in options.files:
            comments += read_labelled(path)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 2
    comments += with_links(comments)
    started = time.perf_counter()
    vectors = [vectorise(comment.content) for comment in comments]
    labels = [comment.is_spam for comment in comments]
    model = calibrated(vectors, labels)
    model.save(options.output, SOURCE)
    spam = sum(labels)
    print(
        f"Trained on {len(comments)} comments ({spam} spam, {len(comments) - spam} ham) in "
        f"{time.perf_counter() - started:.1f} s; calibration scale {model.scale:.3f}, shift {model.shift:.3f}; "
        f"wrote {options.output} ({options.output.stat().st_size:,} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
