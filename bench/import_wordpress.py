"""How fast `flask import wordpress` reads a big export, and in how much memory: a generated WXR file of
`--comments` comments (100,000 by default) on `--posts` posts, imported into a throwaway database by the real
command, in a child process whose peak RSS the kernel reports (wait4).

The file is shaped like a real blog's: a third of the comments answer an earlier one on the same post (chains go
past the depth limit), most are approved, some held, spam or trashed, a few are pingbacks (skipped), bodies carry
a little HTML, entities and non-ASCII text. The script prints the file's size, the comments imported per second
(by the import's own clock, and by the wall clock of the whole command, start-up included) and the peak RSS; a
second, smaller run (`--small`) shows whether memory grows with the file.

    .venv/bin/python bench/import_wordpress.py [--comments 100000] [--posts 1000] [--small 20000]
        [--database-url postgresql://afterword:afterword@127.0.0.1:5432/afterword_bench]

Without --database-url a SQLite file in a temporary directory is used; a PostgreSQL database is emptied first.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
START = datetime(2018, 1, 1, tzinfo=UTC)
WORDS = [
    *("tide", "moon", "current", "harbour", "chart", "depth", "sounding", "pilot", "ebb", "flood", "slack", "neap"),
    *("spring", "buoy", "channel", "swell", "anchor", "keel", "rudder", "breeze", "gale", "compass", "bearing"),
    *("reef", "shoal", "lighthouse", "beacon", "mooring", "quay", "pier"),
]
NAMES = ["Ada Reader", "Bo Lind", "Zoë Øster", "Jun 日本", "Priya N.", "Tom O'Hara", "Ines Müller", "Sam & Co"]
STATES = ["1"] * 90 + ["0"] * 4 + ["spam"] * 4 + ["trash"] * 2


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def body(rng: random.Random, number: int) -> str:
    paragraphs = [sentence(rng, rng.randint(6, 25)) for _ in range(rng.randint(1, 3))]
    if number % 7 == 0:
        paragraphs[0] += ' See <a href="https://example.org/charts">the charts</a> &amp; <em>tables</em>.'
    if number % 11 == 0:
        paragraphs.append("Ça va — très bien, merci. 日本語も。&nbsp;")
    return "\n\n".join(paragraphs) + f" (comment {number})"


def comment_xml(rng: random.Random, number: int, parent: int, when: datetime, kind: str = "") -> str:
    name = NAMES[number % len(NAMES)]
    return f"""		<wp:comment>
			<wp:comment_id>{number}</wp:comment_id>
			<wp:comment_author><![CDATA[{name}]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reader{number % 5000}@example.org]]></wp:comment_author_email>
			<wp:comment_author_url>{"https://reader.example.net/" if number % 5 == 0 else ""}</wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[198.51.{number % 250}.{number % 200 + 1}]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[{when:%Y-%m-%d %H:%M:%S}]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[{when:%Y-%m-%d %H:%M:%S}]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[{body(rng, number)}]]></wp:comment_content>
			<wp:comment_approved><![CDATA[{rng.choice(STATES)}]]></wp:comment_approved>
			<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
			<wp:comment_parent>{parent}</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
"""


def generate(path: Path, comments: int, posts: int, seed: int = 1) -> tuple[int, int]:
    """Write the export; return how many comments and pingbacks it holds."""
    rng = random.Random(seed)
    number = pingbacks = 0
    per_post = max(1, comments // posts)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "\t<title>Bench blog</title>\n\t<link>https://bench.example.org</link>\n"
            "\t<wp:wxr_version>1.2</wp:wxr_version>\n\t<wp:base_site_url>https://bench.example.org</wp:base_site_url>\n"
            "\t<wp:author><wp:author_login><![CDATA[host]]></wp:author_login>"
            "<wp:author_email><![CDATA[host@bench.example.org]]></wp:author_email>"
            "<wp:author_display_name><![CDATA[The Host]]></wp:author_display_name></wp:author>\n"
        )
        for post in range(1, posts + 1):
            published = START + timedelta(days=post)
            out.write(
                f"\t<item>\n\t\t<title>{escape(sentence(rng, 5))}</title>\n"
                f"\t\t<link>https://bench.example.org/{post}/</link>\n\t\t<dc:creator><![CDATA[host]]></dc:creator>\n"
                f"\t\t<content:encoded><![CDATA[<p>{sentence(rng, 40)}</p>\n\n<p>{sentence(rng, 40)}</p>]]>"
                f"</content:encoded>\n\t\t<wp:post_id>{post}</wp:post_id>\n"
                f"\t\t<wp:post_date_gmt><![CDATA[{published:%Y-%m-%d %H:%M:%S}]]></wp:post_date_gmt>\n"
                f"\t\t<wp:post_name><![CDATA[post-{post}]]></wp:post_name>\n"
                "\t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n"
            )
            earlier: list[int] = []
            share = per_post if post < posts else comments - number
            for index in range(share):
                number += 1
                when = published + timedelta(minutes=10 * index + rng.randint(0, 9))
                parent = rng.choice(earlier[-20:]) if earlier and rng.random() < 0.34 else 0
                out.write(comment_xml(rng, number, parent, when))
                earlier.append(number)
                if rng.random() < 0.02:
                    pingbacks += 1
                    out.write(comment_xml(rng, 10_000_000 + number, 0, when, "pingback"))
            out.write("\t</item>\n")
        out.write("</channel>\n</rss>\n")
    return number, pingbacks


def flask(args: list[str], env: dict[str, str]) -> tuple[str, float, float, float]:
    """Run a flask command; its output, wall-clock seconds, CPU seconds (user and system) and peak RSS in MiB,
    from the kernel (wait4). On a shared machine the CPU time is the figure to compare: the wall clock includes
    the time other processes had the CPU."""
    started = time.monotonic()
    process = subprocess.Popen(
        FLASK + args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    took = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{output}")
    return output, took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def fresh_database(url: str | None, workdir: Path, label: str) -> str:
    if url is None:
        return f"sqlite:///{workdir / f'bench-{label}.sqlite3'}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def run(comments: int, posts: int, url: str | None, workdir: Path) -> None:
    export = workdir / f"wxr-{comments}.xml"
    made, pingbacks = generate(export, comments, posts)
    database = fresh_database(url, workdir, str(comments))
    env = {**os.environ, "DATABASE_URL": database, "AFTERWORD_ENV": "development"}
    flask(["db", "upgrade"], env)
    flask(["user", "create", "--email", "admin@bench.example.org", "--name", "Admin", "--role", "admin",
           "--password", "bench-password-long"], env)  # fmt: skip
    output, wall, cpu, peak = flask(["import", "wordpress", str(export)], env)
    imported = int(re.search(r"Comments: (\d+) imported", output).group(1))  # type: ignore[union-attr]
    own = float(re.search(r" in ([0-9.]+) s\.", output).group(1))  # type: ignore[union-attr]
    size = export.stat().st_size / 2**20
    kind = database.split(":")[0]
    print(f"{made:,} comments (+{pingbacks:,} pingbacks) on {posts:,} posts, {size:.0f} MiB of WXR, {kind}")
    print(f"  imported {imported:,} in {own:.1f} s: {imported / own:,.0f} comments/s "
          f"({imported / wall:,.0f}/s over the whole command, {wall:.1f} s with start-up)")  # fmt: skip
    print(f"  peak RSS of the import process: {peak:.0f} MiB")
    print(f"  CPU time of the import process: {cpu:.1f} s, {imported / cpu:,.0f} comments per CPU second")
    _, again, again_cpu, _ = flask(["import", "wordpress", str(export)], env)
    print(f"  the same file again: {again:.1f} s ({again_cpu:.1f} s of CPU), nothing added")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000)
    parser.add_argument("--small", type=int, default=20_000, help="a second, smaller run (0: none)")
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="afterword-import-") as directory:
        workdir = Path(directory)
        if options.small:
            run(options.small, max(1, options.posts * options.small // options.comments), options.database_url, workdir)
        run(options.comments, options.posts, options.database_url, workdir)


if __name__ == "__main__":
    main()
