"""Command-line tools: `flask --app wsgi seed-demo`, `flask --app wsgi user create|token|role`."""

import re
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.demo import ACCOUNTS, seed
from app.extensions import db
from app.models import Article, CommentStatus
from app.services import accounts
from app.services.errors import ServiceError
from app.services.markdown import render_comment
from app.services.moderation import purge
from app.services.screening import explain_checks
from app.services.settings import comment_rules
from app.services.spam.classifier import site_classifier
from app.services.spam.counts import MemoryCounts, add_counts
from app.services.spam.evaluation import Metrics, read_labelled
from app.services.spam.tokens import tokenise
from app.services.spam.verdicts import Submission

user_cli = AppGroup("user", help="Manage accounts and API tokens.")
moderation_cli = AppGroup("moderation", help="Moderation chores.")
ROLE_NAMES = ["reader", "author", "moderator", "admin"]


def _fail(error: ServiceError):
    raise click.ClickException(error.message)


def _find(email: str):
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email!r}.")
    return user


@user_cli.command("create")
@click.option("--email", required=True, help="The account's email address (never shown publicly).")
@click.option("--name", required=True, help="The display name.")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES), help="What the account may do.")
@click.option("--password", help="Prompted for, hidden, when left out.")
def create_user(email: str, name: str, role: str, password: str | None) -> None:
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            email,
            name,
            password,
            role,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except ServiceError as error:
        _fail(error)
    click.echo(f"Created {user.role.value} {user.name} <{user.email}>.")


@user_cli.command("token")
@click.argument("email")
@click.option("--label", default="", help="A note to recognise the token by.")
def create_token(email: str, label: str) -> None:
    """Create an API token for EMAIL and print it (last line). Only its hash is stored."""
    user = _find(email)
    token = accounts.create_api_token(user, label)
    click.echo(f"API token for {user.email} (shown once; send it as 'Authorization: Bearer <token>'):")
    click.echo(token)


@user_cli.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLE_NAMES))
def change_role(email: str, role: str) -> None:
    """Give EMAIL's account another ROLE (signs out its sessions)."""
    user = accounts.set_role(_find(email), role)
    click.echo(f"{user.email} is now {user.role.value}.")


def parse_age(value: str) -> timedelta:
    """'30d', '12h', '90m' or a plain number of days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dhm]?)\s*", value or "")
    if not match:
        raise click.BadParameter("use a number with d (days), h (hours) or m (minutes), e.g. 30d")
    amount, unit = int(match.group(1)), match.group(2) or "d"
    return {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]


@moderation_cli.command("purge")
@click.option("--status", type=click.Choice(["spam", "trash"]), required=True, help="Which queue to empty.")
@click.option("--older-than", "older_than", default="30d", show_default=True, help="Only comments older than this.")
def purge_comments(status: str, older_than: str) -> None:
    """Delete spam or trash older than the given age for good (logged; comments with replies are kept)."""
    age = parse_age(older_than)
    result = purge(CommentStatus(status), age)
    click.echo(
        f"Purged {result.deleted} {status} comment(s) older than {older_than}; "
        f"kept {result.kept_with_replies} that still have replies."
    )


@click.command("seed-demo")
def seed_demo() -> None:
    """Create the demo accounts and article if they are missing, and print the demo logins."""
    created = seed()
    click.echo("Created: " + ", ".join(created) if created else "The demo is already in place; nothing changed.")
    click.echo("Demo accounts (email / password):")
    for account in ACCOUNTS:
        click.echo(
            f"  {account.role.value:<10} {account.email:<20} {account.password:<22} {account.name}, {account.about}"
        )


spam_cli = AppGroup("spam", help="The content classifier: train it, measure it, purge old spam.")


def _labelled_comments(path: str):
    try:
        return read_labelled(path)
    except ServiceError as error:
        _fail(error)


@spam_cli.command("train")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def spam_train(file: str) -> None:
    """Add FILE.csv (columns content,label; label 1 = spam, 0 = ham) to what the classifier has learned."""
    comments = _labelled_comments(file)
    lessons = MemoryCounts()
    for comment in comments:
        lessons.learn(tokenise(comment.content), comment.is_spam)
    add_counts(lessons.tokens, lessons.spam, lessons.ham)
    db.session.commit()
    click.echo(
        f"Learned {len(comments)} comments from {file}: {lessons.spam} spam, {lessons.ham} ham, "
        f"{len(lessons.tokens)} distinct tokens."
    )


@spam_cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def spam_eval(file: str) -> None:
    """Score FILE.csv (columns content,label) with the current model and print how it did; nothing is learned."""
    comments = _labelled_comments(file)
    spam_at, hold_at = current_app.config["SPAM_CLASSIFIER_SPAM_AT"], current_app.config["SPAM_CLASSIFIER_HOLD_AT"]
    classifier = site_classifier()
    metrics = Metrics()
    for comment in comments:
        metrics.add(comment.is_spam, classifier.score(comment.content).probability, spam_at, hold_at)
    db.session.rollback()
    click.echo(metrics.report(spam_at, hold_at))


@spam_cli.command("explain")
@click.argument("text")
@click.option("--name", default="", help="The writer's name, as a guest would give it.")
@click.option("--email", default="", help="The writer's email.")
@click.option("--website", default=None, help="The writer's website.")
def explain(text: str, name: str, email: str, website: str | None) -> None:
    """Print every signal the pipeline sees in TEXT and the final verdict (nothing is stored)."""
    rules = comment_rules(current_app.config)
    # A comment on no article: checks that need one (duplicates, the article's author) find nothing.
    submission = Submission(Article(), None, email, None, text, html=render_comment(text), name=name, website=website)
    status, verdicts = explain_checks(submission, rules)
    for verdict in verdicts:
        click.echo(f"{verdict.action:<7} {verdict.code:<17} {verdict.score:5.2f}  {verdict.message}")
    click.echo(f"verdict: {status}")


@spam_cli.command("purge")
@click.option("--older-than", "older_than", default="30d", show_default=True, help="Only spam older than this.")
def spam_purge(older_than: str) -> None:
    """Delete spam older than the given age for good (logged; comments with replies are kept)."""
    result = purge(CommentStatus.spam, parse_age(older_than))
    click.echo(
        f"Purged {result.deleted} spam comment(s) older than {older_than}; "
        f"kept {result.kept_with_replies} that still have replies."
    )


def register(app: Flask) -> None:
    """Add the commands to `flask`."""
    app.cli.add_command(user_cli)
    app.cli.add_command(moderation_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(spam_cli)
