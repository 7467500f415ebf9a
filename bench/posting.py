"""How fast guests' comments are taken: gunicorn with 2 sync workers over a throwaway SQLite database, comments
posted through the public API and the whole spam pipeline, as in the side-by-side benchmark
(`../shared/bench/compare.sh`): rate limits and the first-comment hold off, every body distinct.

`--clients` threads post for `--seconds` into an article that already has `--seed` comments. The script prints
the comments taken per second, the client's latency (median and 99th percentile), and the server's CPU time per
comment (master and workers, from /proc): the figure to compare between commits, since a shared machine's
load moves the others.

    .venv/bin/python bench/posting.py [--seconds 10] [--clients 8] [--workers 2] [--seed 50]
"""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_server import NAMES, Site, sentence


def cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def post_for(site: Site, slug: str, clients: int, seconds: float) -> tuple[Counter, list[float]]:
    """Guests post from `clients` threads for `seconds`: the statuses answered and each request's latency."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        sent = 0
        while time.monotonic() < stop_at:
            body = {
                "body": f"{sentence(rng)} (guest {number}, comment {sent})",
                "name": NAMES[(number + sent) % len(NAMES)],
                "email": f"reader{number}@example.com",
            }
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
            try:
                connection.request(
                    "POST", f"/api/v1/articles/{slug}/comments", json.dumps(body), {"Content-Type": "application/json"}
                )
                status = connection.getresponse().status
            finally:
                connection.close()
            took = time.perf_counter() - started
            sent += 1
            with lock:
                statuses[status] += 1
                latencies.append(took)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=50, help="comments already on the article")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="afterword-posting-") as tmp:
        site = Site(Path(tmp), workers=args.workers)
        try:
            slug = site.thread("Bench posting", args.seed, random.Random(7))
            processes = [site.master.pid, *site.worker_pids()]
            cpu_before = cpu_seconds(processes)
            statuses, latencies = post_for(site, slug, args.clients, args.seconds)
            cpu = cpu_seconds(processes) - cpu_before
        finally:
            site.stop()
    taken = sum(count for status, count in statuses.items() if status in (201, 202))
    if not latencies or taken == 0:
        print(f"nothing was taken: statuses {dict(statuses)}", file=sys.stderr)
        return 1
    latencies.sort()
    print(f"workers {args.workers}, clients {args.clients}, {args.seconds:g} s, statuses {dict(statuses)}")
    print(f"comments taken   {taken / args.seconds:8.1f} /s")
    print(f"latency p50      {1000 * statistics.median(latencies):8.1f} ms")
    print(f"latency p99      {1000 * latencies[int(0.99 * (len(latencies) - 1))]:8.1f} ms")
    print(f"server CPU       {1000 * cpu / taken:8.2f} ms per comment")
    return 0 if set(statuses) <= {201, 202} else 1


if __name__ == "__main__":
    sys.exit(main())
