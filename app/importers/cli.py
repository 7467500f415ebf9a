"""`flask --app wsgi import wordpress|disqus|isso|commento FILE [--dry-run] [--train] [--owner EMAIL]`."""

from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from app.services.accounts import find_user_by_email
from app.services.importing.loader import Options
from app.services.importing.platforms import import_file
from app.services.importing.records import Platform
from app.services.settings import comment_rules

import_cli = AppGroup(
    "import",
    help="Bring comments (and WordPress posts) in from WordPress, Disqus, Isso or Commento. "
    "Running the same file again adds nothing; nobody is notified.",
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
