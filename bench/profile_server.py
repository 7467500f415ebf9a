"""Where a served request's time goes: py-spy samples a gunicorn worker under each scenario of the side-by-side
benchmark (`../shared/bench/compare.sh`), and docs/performance.md quotes what this prints.

The set-up follows that benchmark's: a throwaway SQLite database (`flask db upgrade`), an admin with an API
token, gunicorn with one sync worker (so one process holds every sample), rate limits and the first-comment
hold off. Two threads are seeded through the API as the admin: 1,000 comments (30 % replies, each answering an
earlier comment) and 50. For each scenario, `--clients` threads send requests for `--seconds` while py-spy
records the worker; the script prints the requests served (slowed by the sampling, so compare them only with
each other) and the functions holding the most samples, on their own ("self") and with what they call ("total").

Scenarios: the 1,000-comment thread as JSON (`?per_page=1000`), the 50-comment one, the article page of the
1,000-comment thread, and a guest comment posted through the whole spam pipeline.

    .venv/bin/python bench/profile_server.py [--seconds 10] [--clients 4] [--top 12] [--only NAME ...]

py-spy comes with `make install-dev`; it reads the worker's memory, which needs root or ptrace rights.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
# Words for generated comments, as a phrase to split (a list literal would take a screen).
WORD_TEXT = (
    "the a thread reply article comment reader writer point source claim evidence because however which "
    "court judge claim form fee hearing small amount county filing notice service defendant plaintiff "
    "agree disagree think seems actually really clear wrong right step paragraph example number year"
)
WORDS = WORD_TEXT.split(" ")
NAMES = ["Ann Lee", "Bo Chen", "Cam Ortiz", "Dee Walsh", "Eli Novak", "Fay Osei", "Gus Ito", "Hal Berg"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sentence(rng: random.Random) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60))).capitalize() + "."
    if rng.random() < 0.2:
        text += "\n\n" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 25))).capitalize() + "."
    return text


class Site:
    """A gunicorn of this checkout on a free loopback port, over a fresh database in `workdir`."""

    def __init__(
        self, workdir: Path, workers: int = 1, database_url: str | None = None, settings: dict | None = None
    ) -> None:
        """`database_url` names an empty database to use instead of a SQLite file in `workdir`; `settings` are
        more environment variables (AFTERWORD_*) for every process."""
        self.workdir = workdir
        self.workers = workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'afterword.db'}",
            "SECRET_KEY": "bench-secret-key",
            "AFTERWORD_ENV": "production",
            "AFTERWORD_BASE_URL": "http://127.0.0.1",  # production requires it (links in mail)
            "AFTERWORD_MAIL_BACKEND": "file",  # mail the bench causes stays in the work folder
            "AFTERWORD_MAIL_FILE_PATH": str(workdir / "mail"),
            "AFTERWORD_SESSION_COOKIE_SECURE": "false",
            "AFTERWORD_RATELIMIT_ENABLED": "false",
            "AFTERWORD_MODERATION_HOLD_UNTIL_APPROVED": "0",
        }
        self.env.update(settings or {})
        self.flask("db", "upgrade")
        self.flask(
            "user", "create", "--email", "bench@bench.example", "--name", "Bench Admin", "--role", "admin",
            "--password", "bench-password-long",
        )  # fmt: skip
        self.token = self.flask("user", "token", "bench@bench.example").strip().splitlines()[-1].strip()
        self.port = free_port()
        self.serve()

    def serve(self) -> None:
        """Start gunicorn and wait until it answers; `worker` is the first worker's process id."""
        self.master = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "--no-control-socket", "-b", f"127.0.0.1:{self.port}",
             "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "gunicorn.log", "a"),  # noqa: SIM115 (closed with the process)
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/api/v1/articles")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer within 30 s; see gunicorn.log in the work directory")
        self.worker = self.worker_pids()[0]

    def worker_pids(self) -> list[int]:
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.master.pid)], capture_output=True, text=True)
        return [int(pid) for pid in children.stdout.split()]

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed: {(done.stderr or done.stdout)[-500:]}")
        return done.stdout

    def request(self, method: str, path: str, body: dict | None = None, admin: bool = False) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if admin:
            headers["Authorization"] = f"Bearer {self.token}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def thread(self, title: str, size: int, rng: random.Random) -> str:
        """An article with `size` comments posted by the admin, 30 % of them replies; its slug."""
        status, raw = self.request(
            "POST", "/api/v1/articles", {"title": title, "body": "One.\n\nTwo.", "published": True}, True
        )
        if status != 201:
            raise SystemExit(f"creating an article answered {status}: {raw[:300]!r}")
        slug = json.loads(raw)["article"]["slug"]
        ids: list[int] = []
        for _ in range(size):
            body: dict = {"body": sentence(rng)}
            if ids and rng.random() < 0.3:
                body["parent_id"] = rng.choice(ids)
            status, raw = self.request("POST", f"/api/v1/articles/{slug}/comments", body, True)
            if status != 201:
                raise SystemExit(f"seeding answered {status}: {raw[:300]!r}")
            ids.append(json.loads(raw)["comment"]["id"])
        return slug

    def stop(self) -> None:
        self.master.send_signal(signal.SIGTERM)
        self.master.wait(timeout=30)


def load(site: Site, method: str, path: str, bodies, clients: int, seconds: float) -> Counter:
    """Requests from `clients` threads for `seconds`; the statuses answered."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        sent = 0
        while time.monotonic() < stop_at:
            status, _ = site.request(method, path, bodies(number, sent) if bodies else None)
            sent += 1
            with lock:
                statuses[status] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


# Frames every request passes through (the server's loop, Flask's dispatch and views, the API's decorators): left out of
# the "total" list, where they would fill the top lines at 100 %.
PLUMBING = (
    "(gunicorn/app/base.py)",
    "(gunicorn/app/wsgiapp.py)",
    "(gunicorn/arbiter.py)",
    "(gunicorn/workers/base.py)",
    "(gunicorn/workers/sync.py)",
    "(flask/app.py)",
    "(werkzeug/middleware/proxy_fix.py)",
    "(flask/views.py)",
    "(flask_limiter/_limits.py)",
    "(flask_smorest/arguments.py)",
    "(flask_smorest/response.py)",
    "(webargs/core.py)",
    "(gunicorn)",
    "(<string>)",
)


def frame_name(frame: str) -> str:
    """py-spy's "function (path/to/file.py:123)" as "function (file.py)": one entry per function."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0]
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


def summarise(raw: Path, top: int) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """Samples in all, and the functions with the most samples on their own and with their callees."""
    own: Counter = Counter()
    total: Counter = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame_name(frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        for name in set(frames):
            if not name.endswith(PLUMBING):
                total[name] += int(count)
    return samples, own.most_common(top), total.most_common(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--only", nargs="*", default=None, help="scenario names to run")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if not py_spy:
        print("py-spy is not installed: run `make install-dev`", file=sys.stderr)
        return 2
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="afterword-profile-") as tmp:
        workdir = Path(tmp)
        site = Site(workdir)
        try:
            big, small = site.thread("Bench thread 1000", 1000, rng), site.thread("Bench thread 50", 50, rng)

            def guest(number: int, sent: int) -> dict:
                return {
                    "body": sentence(random.Random(number * 100_003 + sent)) + f" (take {number}-{sent})",
                    "name": NAMES[(number + sent) % len(NAMES)],
                    "email": f"reader{number}@example.com",
                }

            scenarios = {
                "get_thread_1000": ("GET", f"/api/v1/articles/{big}/comments?per_page=1000", None),
                "get_thread_50": ("GET", f"/api/v1/articles/{small}/comments?per_page=1000", None),
                "article_page_1000": ("GET", f"/articles/{big}", None),
                "post_comment": ("POST", f"/api/v1/articles/{small}/comments", guest),
            }
            for name, (method, path, bodies) in scenarios.items():
                if args.only and name not in args.only:
                    continue
                raw = workdir / f"{name}.txt"
                recorder = subprocess.Popen(
                    [py_spy, "record", "--pid", str(site.worker), "--duration", str(int(args.seconds)),
                     "--rate", "250", "--format", "raw", "--output", str(raw), "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                )  # fmt: skip
                time.sleep(0.5)  # py-spy attaches before the load starts
                statuses = load(site, method, path, bodies, args.clients, args.seconds)
                _, errors = recorder.communicate(timeout=args.seconds + 60)
                if recorder.returncode or not raw.exists():
                    print(f"py-spy failed: {errors.strip()[-500:]}", file=sys.stderr)
                    return 1
                samples, own, total = summarise(raw, args.top)
                served = sum(statuses.values())
                print(f"\n## {name}: {method} {path.split('?')[0]}")
                print(f"requests {served} in {args.seconds:g} s ({served / args.seconds:.1f}/s while sampled), "
                      f"statuses {dict(statuses)}, samples {samples}")  # fmt: skip
                for title, rows in (("self", own), ("total", total)):
                    print(f"top by {title}:")
                    for function, count in rows:
                        print(f"  {100 * count / max(samples, 1):5.1f}%  {function}")
        finally:
            site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
