"""Resident memory of gunicorn's master and workers after warm-up, with the spam learner loaded.

gunicorn (`--workers`, a throwaway SQLite file, the settings of bench/profile_server.py) is warmed up the way a
site is used: an article with `--comments` comments seeded through the API, then that many guest comments
posted through the whole spam pipeline (so the learner is loaded and has scored them), each followed by a read
of the thread as JSON and of the article page. It prints the RSS of the master and of each worker, and their
sum (what ../shared/bench/compare.sh reports as rss_peak is the peak of that sum).

First it prints what importing costs: a fresh interpreter imports gunicorn, then the site's libraries group by
group in the order a worker meets them, then the site, and builds the app as wsgi.py does; each line is the RSS
that group added.

    .venv/bin/python bench/memory.py [--workers 2] [--comments 200] [--no-imports]
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_server import BIN, NAMES, ROOT, Site, sentence  # noqa: E402

GOAL_MIB = 100  # per worker, issue 14

# Import groups in the order a worker meets them; each group's RSS includes what its modules import first.
IMPORT_GROUPS = [
    ("gunicorn (the master has these too)", ["gunicorn.app.wsgiapp", "gunicorn.arbiter", "gunicorn.workers.sync"]),
    ("Flask, Werkzeug, Jinja", ["flask"]),
    ("SQLAlchemy and Flask-SQLAlchemy", ["sqlalchemy", "sqlalchemy.orm", "flask_sqlalchemy"]),
    ("Flask-Login, Flask-WTF, WTForms", ["flask_login", "flask_wtf"]),
    ("Flask-Limiter and limits", ["flask_limiter"]),
    ("flask-smorest, marshmallow, webargs, apispec", ["flask_smorest"]),
    ("bleach, markdown-it, linkify", ["bleach", "markdown_it", "linkify_it"]),
    ("email-validator", ["email_validator"]),
    ("the site's modules (app)", ["app"]),
    ("create_app() as in wsgi.py", ["wsgi"]),
]
IMPORTS = """
import importlib, json, sys
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
steps = [("Python itself", rss())]
for label, modules in json.loads(sys.argv[1]):
    for module in modules:
        importlib.import_module(module)
    steps.append((label, rss()))
print(json.dumps(steps))
"""


def import_costs(environment: dict[str, str]) -> list[tuple[str, float]]:
    """RSS after each import group, in a fresh interpreter started from the project's root."""
    done = subprocess.run(
        [str(BIN / "python"), "-c", IMPORTS, json.dumps(IMPORT_GROUPS)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return [(label, float(mib)) for label, mib in json.loads(done.stdout)]


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
    parser.add_argument("--no-imports", action="store_true", help="leave out the import groups")
    args = parser.parse_args()
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="afterword-memory-") as tmp:
        site = Site(Path(tmp), workers=args.workers)
        try:
            if not args.no_imports:
                previous = 0.0
                for label, mib in import_costs(site.env):
                    print(f"{label:48} +{mib - previous:5.1f} = {mib:5.1f} MiB")
                    previous = mib
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
