"""gunicorn's settings for Afterword. gunicorn reads this file by itself when started from the repository's
root; the README's command also names it: `gunicorn -c gunicorn.conf.py --workers 4 ... wsgi:app`.

Before any worker starts it checks that rate-limit counters are shared between the workers: with counters
kept in each process (`memory://`), several workers would multiply every limit, so it refuses to start.
"""

from app import create_app
from app.config import per_process_limits_problem


def on_starting(server):
    """Refuse to start several workers that would each count rate limits on their own."""
    config = create_app().config
    problem = per_process_limits_problem(
        config["RATELIMIT_STORAGE_URI"], bool(config["RATELIMIT_ENABLED"]), server.cfg.workers
    )
    if problem:
        # gunicorn prints a RuntimeError from the master as "Error: ..." and exits with status 1.
        raise RuntimeError(problem)
