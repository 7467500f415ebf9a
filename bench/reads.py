"""How fast the served reads are, as a reader sees them: requests a second and milliseconds per request.

Gunicorn with 2 sync workers over a throwaway SQLite database (`Site` from bench/profile_server.py, so the same
set-up as the profiles), with a 1,000-comment and a 50-comment thread seeded through the API. For each scenario,
`--clients` threads send anonymous requests for `--seconds` (after a few unmeasured requests, so each worker has
prepared what it serves); the script prints the requests answered a second and the time each one took, measured
by the client.

Scenarios: the 1,000-comment thread as JSON (`?per_page=1000`), the 50-comment one, and the article page of the
1,000-comment thread (its first page of threads).

    .venv/bin/python bench/reads.py [--seconds 5] [--clients 4] [--only NAME ...]
"""

import argparse
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from profile_server import Site


def timed_get(site: Site, path: str) -> tuple[int, float, int]:
    """One GET on a new connection (sync workers close each one): status, seconds taken, body bytes."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, time.perf_counter() - started, len(body)


def measure(site: Site, path: str, clients: int, seconds: float) -> tuple[Counter, list[float], int]:
    """GETs of `path` from `clients` threads for `seconds`: statuses, each request's time, and the body size."""
    statuses: Counter = Counter()
    times: list[float] = []
    sizes: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            status, took, size = timed_get(site, path)
            with lock:
                statuses[status] += 1
                times.append(took)
                sizes.append(size)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, times, max(sizes, default=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--only", nargs="*", default=None, help="scenario names to run")
    args = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="afterword-reads-") as tmp:
        site = Site(Path(tmp), workers=2)
        try:
            big, small = site.thread("Bench thread 1000", 1000, rng), site.thread("Bench thread 50", 50, rng)
            scenarios = {
                "thread_1000_json": f"/api/v1/articles/{big}/comments?per_page=1000",
                "thread_50_json": f"/api/v1/articles/{small}/comments?per_page=1000",
                "article_page_1000": f"/articles/{big}",
            }
            print(f"gunicorn 2 workers, {args.clients} client threads, {args.seconds:g} s per scenario, anonymous")
            for name, path in scenarios.items():
                if args.only and name not in args.only:
                    continue
                for _ in range(4):  # unmeasured: each worker prepares what it serves
                    timed_get(site, path)
                statuses, times, size = measure(site, path, args.clients, args.seconds)
                served = len(times)
                print(
                    f"{name:18} {served / args.seconds:8.1f} req/s  "
                    f"{1000 * statistics.fmean(times):7.2f} ms/req mean  "
                    f"{1000 * statistics.median(times):7.2f} ms p50  "
                    f"{size / 1024:6.0f} KiB  statuses {dict(statuses)}"
                )
        finally:
            site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
