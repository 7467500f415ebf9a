"""Throughput of the whole comment pipeline: validation, rendering, sanitising, every spam check, storing.

Posts N comments through services.comments.post_comment (Akismet off, no network) into a
throwaway SQLite file, half ordinary and half spammy, and prints comments per second.

    .venv/bin/python bench/pipeline_throughput.py [--count 500]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import author_with_article  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.comments import Writer, post_comment  # noqa: E402
from app.services.settings import comment_rules  # noqa: E402

ORDINARY = "Thanks for the guide. In my county the clerk also asked for a copy of the demand letter ({n})."
SPAMMY = "Check out my channel https://promo{n}.example and subscribe for free gift cards!!! ({n})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "ENV_NAME": "development",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench",
                "AKISMET_KEY": "",
            }
        )
        with app.app_context():
            db.create_all()
            article = author_with_article("Body.")
            rules = comment_rules(app.config)
            statuses: dict[str, int] = {}
            began = time.perf_counter()
            for n in range(options.count):
                body = (SPAMMY if n % 2 else ORDINARY).format(n=n)
                writer = Writer(name=f"Reader {n}", email=f"reader{n}@example.org", ip_network="203.0.113.0/24")
                comment = post_comment(article, writer, body, rules)
                statuses[comment.status.value] = statuses.get(comment.status.value, 0) + 1
            elapsed = time.perf_counter() - began
            db.engine.dispose()
    print(
        f"{options.count} comments through the whole pipeline in {elapsed:.2f} s: "
        f"{options.count / elapsed:,.0f} comments/s"
    )
    print("outcomes: " + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items())))


if __name__ == "__main__":
    main()
