"""Resident memory of gunicorn's master and workers after warm-up, with the spam learner loaded.

gunicorn (`--workers`, a throwaway SQLite file, the settings of bench/profile_server.py) is warmed up the way a
site is used: an article with `--comments` comments seeded through the API, then that many guest comments
posted through the whole spam pipeline (so the learner is loaded and has scored them), each followed by a read
of the thread as JSON and of the article page. It prints the RSS of the master and of each worker, and their
sum (what ../shared/bench/compare.sh reports as rss_peak is the peak of that sum).

    .venv/bin/python bench/memory.py [--workers 2] [--comments 200]
"""

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_server import NAMES, Site, sentence  # noqa: E402

GOAL_MIB = 100  # per worker, issue 14


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--comments", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="afterword-memory-") as tmp:
        site = Site(Path(tmp), workers=args.workers)
        try:
            slug = site.thread("Warm-up", args.comments, rng)
            for number in range(args.comments):
                guest = {"body": f"{sentence(rng)} ({number})", "name": NAMES[number % len(NAMES)]}
                site.request("POST", f"/api/v1/articles/{slug}/comments", {**guest, "email": f"r{number}@example.com"})
                site.request("GET", f"/api/v1/articles/{slug}/comments?per_page=1000")
                site.request("GET", f"/articles/{slug}")
            master = rss_mib(site.master.pid)
            workers = [rss_mib(pid) for pid in site.worker_pids()]
        finally:
            site.stop()
    print(f"master {master:.1f} MiB")
    for number, worker in enumerate(workers, 1):
        print(f"worker {number} {worker:.1f} MiB (goal {GOAL_MIB})")
    print(f"sum {master + sum(workers):.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
