"""Where one guest comment's time goes, in one process: cProfile over guest comments posted through Flask's test
client into the production app on a throwaway SQLite file (WAL, synchronous=FULL), the whole spam pipeline on,
rate limits and the first-comment hold off, as bench/posting.py posts them. No server and no sampling: the same
calls every run, so two commits compare function by function (the absolute times include cProfile's overhead).

    .venv/bin/python bench/profile_posting.py [--comments 2000] [--top 30] [--sort tottime|cumulative] [--py-spy]

It prints the CPU time per comment without the profiler, then the profile: cProfile's (exact calls, but its
overhead weighs on small Python functions), or with --py-spy the samples of py-spy recording this process (as
bench/profile_server.py summarises them: "self" and "total", the plumbing left out of "total").
"""

import argparse
import cProfile
import os
import pstats
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_server import BIN, NAMES, sentence, summarise


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--py-spy", action="store_true", help="sample with py-spy instead of cProfile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="afterword-profile-posting-") as tmp:
        os.environ.update(
            {
                "DATABASE_URL": f"sqlite:///{tmp}/afterword.db",
                "SECRET_KEY": "bench-secret-key",
                "AFTERWORD_ENV": "production",
                "AFTERWORD_BASE_URL": "http://127.0.0.1",
                "AFTERWORD_MAIL_BACKEND": "file",
                "AFTERWORD_MAIL_FILE_PATH": f"{tmp}/mail",
                "AFTERWORD_SESSION_COOKIE_SECURE": "false",
                "AFTERWORD_RATELIMIT_ENABLED": "false",
                "AFTERWORD_MODERATION_HOLD_UNTIL_APPROVED": "0",
            }
        )
        from app import create_app
        from app.extensions import db
        from app.services import accounts
        from app.services.articles import create_article

        app = create_app(commands=False)
        with app.app_context():
            db.create_all()
            author = accounts.create_user(
                "bench@bench.example", "Bench Admin", "bench-password-long", "admin", hash_method="pbkdf2:sha256:1000",
                min_length=8,
            )  # fmt: skip
            slug = create_article(author, "Bench posting", "One.\n\nTwo.", published=True).slug
            db.session.remove()
        client = app.test_client()
        path = f"/api/v1/articles/{slug}/comments"
        rng = random.Random(7)

        def post(count: int, start: int) -> None:
            for n in range(start, start + count):
                body = {
                    "body": f"{sentence(rng)} (guest {n % 8}, comment {n})",
                    "name": NAMES[n % len(NAMES)],
                    "email": f"reader{n % 8}@example.com",
                }
                response = client.post(path, json=body, environ_base={"REMOTE_ADDR": "127.0.0.1"})
                if response.status_code not in (201, 202):
                    raise SystemExit(f"posting answered {response.status_code}: {response.get_data()[:300]!r}")

        post(50, 0)  # warm up: the models, the rules, the first statements
        started = time.process_time()
        post(args.comments, 50)
        plain = time.process_time() - started
        print(f"{args.comments} comments, CPU {1000 * plain / args.comments:.2f} ms per comment without the profiler")
        if args.py_spy:
            return sampled(lambda: post(args.comments, 50 + args.comments), Path(tmp) / "samples.txt", args.top)
        profile = cProfile.Profile()
        profile.enable()
        post(args.comments, 50 + args.comments)
        profile.disable()
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


def sampled(work, raw: Path, top: int) -> int:
    """Run `work` while py-spy samples this process, and print the functions holding the most samples."""
    py_spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if not py_spy:
        print("py-spy is not installed: run `make install-dev`", file=sys.stderr)
        return 2
    recorder = subprocess.Popen(
        [py_spy, "record", "--pid", str(os.getpid()), "--rate", "1000", "--format", "raw", "--output", str(raw),
         "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(1)  # py-spy attaches before the work starts
    work()
    recorder.send_signal(signal.SIGINT)
    _, errors = recorder.communicate(timeout=60)
    if not raw.exists():
        print(f"py-spy failed: {errors.strip()[-500:]}", file=sys.stderr)
        return 1
    samples, own, total = summarise(raw, top)
    print(f"samples {samples}")
    for title, rows in (("self", own), ("total", total)):
        print(f"top by {title}:")
        for function, count in rows:
            print(f"  {100 * count / max(samples, 1):5.1f}%  {function}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
