"""`flask --app wsgi import wordpress|disqus|isso|commento FILE [--dry-run] [--train] [--owner EMAIL]`,
`flask --app wsgi import afterword FILE.json [--dry-run]` and `flask --app wsgi export [--format wxr] FILE`."""

import os
import time
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from app.services import site_export, wxr_export
from app.services.accounts import find_user_by_email
from app.services.errors import ServiceError
from app.services.importing.loader import Options
from app.services.importing.platforms import import_file
from app.services.importing.records import Platform
from app.services.settings import comment_rules

import_cli = AppGroup(
    "import",
    help="Bring comments (and WordPress posts) in from WordPress, Disqus, Isso or Commento (running the same file "
    "again adds nothing; nobody is notified), or a whole Afterword site into an empty one.",
)


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.argument("file", type=click.Path(exists=True, dir_okay=False)),
            click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing."),
            click.option(
                "--train",
                is_flag=True,
                help="Teach the spam filter the imported states (spam, and approved as not spam), then retrain it.",
            ),
            click.option(
                "--owner",
                metavar="EMAIL",
                help="The account that owns the articles made for threads, and posts whose author has no account "
                "here (default: the first admin).",
            ),
            click.option(
                "--origin",
                metavar="NAME",
                help="Where the file comes from, as remembered for re-imports (default: the platform and the site "
                "the file names, e.g. wordpress:blog.example.org).",
            ),
        ]
    ):
        command = option(command)
    return command


def _run(platform: Platform, file: str, dry_run: bool, train: bool, owner: str | None, origin: str | None) -> None:
    account = None
    if owner:
        account = find_user_by_email(owner)
        if account is None:
            raise click.ClickException(f"No account has the email address {owner!r} (--owner).")
    options = Options(
        platform,
        max_depth=comment_rules(current_app.config).max_depth,
        dry_run=dry_run,
        train=train,
        owner=account,
        origin=origin or None,
    )
    with open(file, "rb") as raw:
        report = import_file(raw, options)
    for line in report.lines():
        click.echo(line)
    if train and not dry_run and report.examples:
        # scikit-learn is loaded by the command that trains, never by the site (see app/cli.py).
        from app.services.spam import training

        result = training.retrain(bool(current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True)))
        click.echo(
            f"Spam filter retrained: model version {result.version}, {result.examples} example(s), {result.spam} spam."
            if result.version is not None
            else "The spam filter was not retrained (other processes kept adding versions): run flask spam retrain."
        )


@import_cli.command("wordpress")
@_common
def import_wordpress(file: str, dry_run: bool, train: bool, owner: str | None, origin: str | None) -> None:
    """Import FILE.xml, WordPress's export (Tools → Export → All content): posts and pages become articles,
    with their comments."""
    _run(Platform.wordpress, file, dry_run, train, owner, origin)


@import_cli.command("disqus")
@_common
def import_disqus(file: str, dry_run: bool, train: bool, owner: str | None, origin: str | None) -> None:
    """Import FILE.xml, Disqus's export: each thread's posts go to the article at its address (made if none)."""
    _run(Platform.disqus, file, dry_run, train, owner, origin)


@import_cli.command("isso")
@_common
def import_isso(file: str, dry_run: bool, train: bool, owner: str | None, origin: str | None) -> None:
    """Import FILE.json, Isso's JSON (a list of threads with their comments)."""
    _run(Platform.isso, file, dry_run, train, owner, origin)


@import_cli.command("commento")
@_common
def import_commento(file: str, dry_run: bool, train: bool, owner: str | None, origin: str | None) -> None:
    """Import FILE.json, Commento's export (comments and commenters)."""
    _run(Platform.commento, file, dry_run, train, owner, origin)


@import_cli.command("afterword")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Read the whole file and report; write nothing.")
def import_afterword(file: str, dry_run: bool) -> None:
    """Import FILE.json, written by `flask export` on another Afterword, into this site, which must be empty.
    Everything keeps its id; accounts have no password until their owners set one (Forgot your password?)."""
    started = time.monotonic()
    try:
        with open(file, "rb") as raw:
            loaded = site_export.import_site(raw, dry_run=dry_run)
    except ServiceError as error:
        raise click.ClickException(f"{error.message} Nothing was imported.") from error
    done = "Read (dry run: nothing written)" if dry_run else "Imported"
    click.echo(f"{done} {file} in {time.monotonic() - started:.1f} s.")
    click.echo(_counts(loaded.counts))
    if not dry_run:
        click.echo(
            "Accounts have no password: their owners set one with 'Forgot your password?'. "
            "Run `flask --app wsgi spam retrain` to rebuild the spam filter from the imported examples."
        )


def _counts(counts: dict[str, int]) -> str:
    return "Rows: " + ", ".join(f"{name} {count}" for name, count in counts.items()) + "."


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--format",
    "kind",
    type=click.Choice(["afterword", "wxr"]),
    default="afterword",
    show_default=True,
    help="afterword: the whole site, for `flask import afterword`; wxr: published articles and public comments, "
    "for WordPress (Tools → Import → WordPress).",
)
def export_cli(file: str, kind: str) -> None:
    """Write the site to FILE (readable by its owner only: it holds email addresses and networks)."""
    started = time.monotonic()
    # Created for the owner alone, before anything is written; an existing file is made so too.
    try:
        handle = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(handle, 0o600)
    except OSError as error:
        raise click.ClickException(f"Cannot write {file}: {error.strerror}.") from error
    if kind == "wxr":
        with os.fdopen(handle, "wb") as out:
            articles, comments = wxr_export.export_wxr(out, current_app.config["SITE_NAME"])
        summary = f"{articles} published article(s) with {comments} public comment(s), as WordPress WXR 1.2"
    else:
        with os.fdopen(handle, "w", encoding="utf-8") as text:
            counts = site_export.export_site(text)
        summary = f"{site_export.FORMAT} version {site_export.VERSION}. {_counts(counts)}"
    click.echo(f"Exported to {file} in {time.monotonic() - started:.1f} s: {summary}")
    click.echo("The file holds email addresses: keep it private (it is readable by its owner only).")
