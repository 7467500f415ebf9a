"""gunicorn's settings for Afterword. gunicorn reads this file by itself when started from the repository's
root; the README's command also names it: `gunicorn -c gunicorn.conf.py --workers 4 ... wsgi:app`.

Before any worker starts it checks that rate-limit counters are shared between the workers: with counters
kept in each process (`memory://`), several workers would multiply every limit, so it refuses to start.

The check loads the site in a short-lived process of its own: the master only watches the workers, and
importing the site into it would keep some 80 MiB there for nothing.
"""

import os
import subprocess
import sys

MARK = "afterword-limits-problem:"
CHECK = (
    "import sys\n"
    "from app import create_app\n"
    "from app.config import per_process_limits_problem\n"
    "config = create_app(commands=False).config\n"
    "problem = per_process_limits_problem(\n"
    "    config['RATELIMIT_STORAGE_URI'], bool(config['RATELIMIT_ENABLED']), int(sys.argv[1])\n"
    ")\n"
    f"print({MARK!r} + (problem or ''))\n"
)


def on_starting(server):
    """Refuse to start several workers that would each count rate limits on their own."""
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(server.cfg.workers)],
        cwd=os.path.dirname(os.path.abspath(__file__)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = [line[len(MARK) :] for line in done.stdout.splitlines() if line.startswith(MARK)]
    # gunicorn prints a RuntimeError from the master as "Error: ..." and exits with status 1.
    if done.returncode or not found:
        raise RuntimeError(f"The site's settings could not be loaded: {done.stderr.strip()[-2000:]}")
    if found[-1]:
        raise RuntimeError(found[-1])
