"""Command-line tools: `flask --app wsgi seed-demo`, `flask --app wsgi user create|token|role`, `import ...`."""

import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.config import MAIL_OFF, mail_is_off
from app.demo import ACCOUNTS, seed
from app.extensions import db
from app.importers.cli import export_cli, import_cli
from app.models import Article, CommentStatus
from app.models.spam import ORIGIN_MAX
from app.services import accounts, outbox, personal_data, staff_mail, subscriptions, tasks
from app.services.comments import rerender_comments
from app.services.errors import ServiceError
from app.services.markdown import render_comment
from app.services.moderation import purge
from app.services.screening import explain_checks
from app.services.settings import comment_rules
from app.services.spam.classifier import classify
from app.services.spam.evaluation import LabelledComment, Metrics, read_labelled
from app.services.spam.verdicts import Submission

user_cli = AppGroup("user", help="Manage accounts and API tokens.")
moderation_cli = AppGroup("moderation", help="Moderation chores.")
privacy_cli = AppGroup("privacy", help="Personal data: how long networks are kept.")
comments_cli = AppGroup("comments", help="Comments: render their stored HTML again.")
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
    """Delete spam or trash older than the given age for good (logged; comments with replies are kept, and so
    are those readers see as removed by the article's author)."""
    age = parse_age(older_than)
    result = purge(CommentStatus(status), age)
    click.echo(
        f"Purged {result.deleted} {status} comment(s) older than {older_than}; "
        f"kept {result.kept_with_replies} that still have replies"
        + (
            f" and {result.kept_author_removals} that readers see as removed by the article's author."
            if result.kept_author_removals
            else "."
        )
    )


@privacy_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), help="Keep networks this many days (default PRIVACY_NETWORK_DAYS).")
def privacy_purge(days: int | None) -> None:
    """Drop the networks stored with comments, flags and correction requests older than the given number of days.
    Safe to run again: what is cleared stays cleared."""
    if days is None:
        days = int(current_app.config["PRIVACY_NETWORK_DAYS"])
    result = personal_data.purge_networks(days)
    click.echo(
        f"Dropped the networks of {result.comments} comment(s), {result.flags} flag(s) and "
        f"{result.correction_requests} correction request(s) older than {days} day(s)."
    )
    if result.votes:
        click.echo(f"Replaced the networks of {result.votes} helpful vote(s) by tokens that only tell them apart.")


@comments_cli.command("rerender")
def comments_rerender() -> None:
    """Render every comment's HTML again from its text, after an upgrade changed what comments' Markdown does.
    Safe to run again: a comment already rendered the current way is left as it is."""
    result = rerender_comments()
    click.echo(f"Checked {result.checked} comment(s); rendered {result.changed} again.")


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


if TYPE_CHECKING:
    from app.services.spam.training import Retrained

spam_cli = AppGroup("spam", help="The content classifier: train it, retrain it, measure it, purge old spam.")


def _labelled_comments(path: str) -> list[LabelledComment]:
    try:
        return read_labelled(path)
    except ServiceError as error:
        _fail(error)
        raise  # _fail always raises; this line only tells type checkers so


def _retrained(result: "Retrained") -> str:
    if result.version is None:
        return "The model was not stored: other processes kept adding versions; run the command again."
    replayed = f", then {result.replayed} verdict(s) given meanwhile" if result.replayed else ""
    return (
        f"Model version {result.version}: learned {result.examples} example(s) ({result.spam} spam){replayed}; "
        f"{result.decisions} of them are moderators' decisions."
    )


# The training commands import scikit-learn when they run, not when the app starts: web workers never
# need it (they score and learn in pure Python), and it costs each process about 100 MB.


@spam_cli.command("train")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def spam_train(file: str) -> None:
    """Add FILE.csv (columns content,label; label 1 = spam, 0 = ham) to the examples and retrain the model."""
    from app.services.spam import training

    comments = _labelled_comments(file)
    labelled = [training.Labelled(comment.content, comment.is_spam) for comment in comments]
    training.add_examples(labelled, f"file:{os.path.basename(file)}"[:ORIGIN_MAX])
    db.session.commit()
    result = training.retrain(bool(current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True)))
    spam = sum(1 for comment in comments if comment.is_spam)
    click.echo(f"Added {len(comments)} examples from {file}: {spam} spam, {len(comments) - spam} ham.")
    click.echo(_retrained(result))


@spam_cli.command("retrain")
def spam_retrain() -> None:
    """Rebuild the model from the shipped one and every example (moderators' latest verdicts, training files)."""
    from app.services.spam import training

    click.echo(_retrained(training.retrain(bool(current_app.config.get("SPAM_CLASSIFIER_BOOTSTRAP", True)))))


@spam_cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def spam_eval(file: str) -> None:
    """Score FILE.csv (columns content,label) with the current model and rules; nothing is learned or stored.

    Prints the classifier alone at its thresholds, then the whole pipeline as it would treat each line
    posted by a guest (without Akismet), with the learning minimum applied.
    """
    comments = _labelled_comments(file)
    # The filter's rules as the site has them, without the two that hold every newcomer whatever they write.
    rules = replace(comment_rules(current_app.config), hold_all=False, hold_until_approved=0)
    alone, pipeline = Metrics(), Metrics()
    for comment in comments:
        alone.add(comment.is_spam, classify(comment.content).probability, rules.spam_at, rules.hold_at)
        submission = Submission(Article(), None, "", None, comment.content, html=render_comment(comment.content))
        outcome, _ = explain_checks(submission, rules, offline=True)
        pipeline.add_outcome(comment.is_spam, outcome)
    db.session.rollback()
    click.echo("The classifier alone")
    click.echo(alone.report(f"at probability >= {rules.spam_at:g}", f"at >= {rules.hold_at:g}"))
    click.echo("")
    click.echo(
        "The whole pipeline (each line as a new guest's comment; "
        "Akismet, 'hold all' and 'hold new commenters' left out)"
    )
    click.echo(pipeline.report("by any check", "by any check"))


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


tasks_cli = AppGroup("tasks", help="Work done after the answer: run it, list what waits or failed, retry.")


class _Stop:
    """Set by SIGTERM or SIGINT: `tasks run --watch` ends after the task it is running."""

    requested = False

    @classmethod
    def request(cls, signum: int, frame: object) -> None:
        cls.requested = True


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


@tasks_cli.command("run")
@click.option("--watch", is_flag=True, help="Keep running, looking for due tasks every --interval seconds.")
@click.option(
    "--interval", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds between looks."
)
def tasks_run(watch: bool, interval: float) -> None:
    """Run the due tasks, then stop (or, with --watch, keep going until SIGTERM or Ctrl-C).

    Needed only when workers do not run their tasks after answering (TASKS_AFTER_ANSWER=0), or to retry failed
    tasks and finish big bulk actions without waiting for the next moderator's decision. Any number of these
    may run beside the web workers: no task runs twice at once.
    """
    if not watch:
        tasks.prune_done()
        click.echo(str(tasks.run_due()))
        return

    def run_some() -> tasks.Report:
        tasks.prune_done(every_seconds=3600)
        return tasks.run_due(limit=100)

    _watch(run_some, interval, f"Running tasks as they fall due, looking every {interval:g} s")


def _watch(
    run_some: Callable[[], tasks.Report],
    interval: float,
    started: str,
    describe: Callable[[tasks.Report], str] = str,
) -> None:
    """Call `run_some` until SIGTERM or Ctrl-C, waiting `interval` seconds whenever it found nothing to do; a failure
    (the database restarting, say) is reported and tried again after the wait."""
    _Stop.requested = False
    previous = {number: signal.signal(number, _Stop.request) for number in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"{started}; stop with SIGTERM or Ctrl-C.")
    try:
        while not _Stop.requested:
            try:
                report = run_some()
            except Exception as error:  # the database restarting, say: the runner waits and tries again
                db.session.rollback()
                click.echo(f"Running tasks failed, trying again in {interval:g} s: {error}", err=True)
                _sleep(interval)
                continue
            if report.ran:
                click.echo(describe(report))
            elif not _Stop.requested:
                _sleep(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo("Stopped.")


@tasks_cli.command("list")
@click.option("--failed", "only_failed", is_flag=True, help="Only the tasks given up after their last attempt.")
def tasks_list(only_failed: bool) -> None:
    """List the tasks not done yet, oldest first: due, waiting for a retry, running, or given up with their error."""
    found = db.session.scalars(tasks.waiting()).all()
    rows = [(task, tasks.state(task)) for task in found]
    rows = [(task, state) for task, state in rows if state == "failed" or not only_failed]
    if not rows:
        click.echo("No failed tasks." if only_failed else "No tasks waiting.")
        return
    for task, state in rows:
        when = {"waiting": task.run_after, "running": task.claimed_until, "failed": task.failed_at}.get(state)
        since = f" {'until' if state in {'waiting', 'running'} else 'at'} {when:%Y-%m-%d %H:%M:%S}Z" if when else ""
        comment = task.payload.get("comment_id") if isinstance(task.payload, dict) else None
        about = f" comment {comment}" if comment is not None else ""
        click.echo(f"{task.id:>7}  {task.kind:<16} {state}{since}, {task.attempts} attempt(s){about}")
        if task.last_error:
            click.echo(f"         last error: {task.last_error}")


@tasks_cli.command("retry")
@click.argument("task_ids", nargs=-1, type=click.IntRange(1, None))
@click.option("--all-failed", is_flag=True, help="Every task given up.")
def tasks_retry(task_ids: tuple[int, ...], all_failed: bool) -> None:
    """Make given-up tasks TASK_IDS (or --all-failed) due again, with their attempts counted afresh."""
    if bool(task_ids) == all_failed:
        raise click.UsageError("Give the ids of failed tasks, or --all-failed.")
    try:
        count = tasks.retry(None if all_failed else list(task_ids))
    except ServiceError as error:
        _fail(error)
    click.echo(f"{count} task(s) due again.")


outbox_cli = AppGroup("outbox", help="Mail for people: deliver it, list what is not sent.")


@outbox_cli.command("deliver")
@click.option("--watch", is_flag=True, help="Keep delivering, looking for due mail every --interval seconds.")
@click.option(
    "--interval", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds between looks."
)
def outbox_deliver(watch: bool, interval: float) -> None:
    """Send the mail that is due, then stop (or, with --watch, keep going until SIGTERM or Ctrl-C).

    Runs only the `mail.deliver` tasks, with their retries and give-up, after the tasks that write mail and fall
    due (planned moderation mail, the daily digest, reply mail and readers' digests); any number may run beside
    the web workers and `flask tasks run`: no message is sent twice.
    """
    if mail_is_off(current_app.config):
        raise click.ClickException(MAIL_OFF)
    if not watch:
        click.echo(_deliveries(_write_and_deliver()))
        return
    _watch(
        lambda: _write_and_deliver(limit=100),
        interval,
        f"Delivering mail as it falls due, looking every {interval:g} s",
        _deliveries,
    )


def _write_and_deliver(limit: int | None = None) -> tasks.Report:
    """Run the tasks that write mail and are due, then deliver; the deliveries' report."""
    tasks.run_due(limit=limit, kinds=[*staff_mail.MAIL_WRITING_TASKS, *subscriptions.MAIL_WRITING_TASKS])
    return tasks.run_due(limit=limit, kinds=[outbox.DELIVER_TASK])


def _deliveries(report: tasks.Report) -> str:
    return (
        f"Delivered {report.count('done')} message(s); {report.count('retry')} to be retried, "
        f"{report.count('failed')} given up, {report.count('lost')} taken over by another runner."
    )


@outbox_cli.command("list")
@click.option("--failed", "only_failed", is_flag=True, help="Only the messages given up after their last attempt.")
def outbox_list(only_failed: bool) -> None:
    """List the messages not sent yet, oldest first, with their delivery task's state and last error."""
    found = db.session.scalars(outbox.given_up() if only_failed else outbox.unsent()).all()
    if not found:
        click.echo("No undelivered messages." if only_failed else "Every message was sent.")
        return
    for message in found:
        task, where = message.task, outbox.state(message)
        if task is not None:
            when = {"waiting": task.run_after, "running": task.claimed_until, "failed": task.failed_at}.get(where)
            if when is not None:
                where += f" {'at' if where == 'failed' else 'until'} {when:%Y-%m-%d %H:%M:%S}Z"
            where += f" (task {task.id}, {task.attempts} attempt(s))"
        written = f"{message.created_at:%Y-%m-%d %H:%M}Z"
        click.echo(f"{message.id:>7}  {message.topic:<16} to {message.to_email}, written {written}: {where}")
        if task is not None and task.last_error:
            click.echo(f"         last error: {task.last_error}")
    if any(outbox.state(message) == "failed" for message in found):
        click.echo("Retry given-up messages with `flask --app wsgi tasks retry TASK_ID...` once the mail server works.")


mail_cli = AppGroup("mail", help="Staff mail: the moderators' digest.")


@mail_cli.command("digest")
def mail_digest() -> None:
    """Write the digest of every moderator on the daily digest who has new comments waiting, now (for cron; the
    `staff_mail.digest` task does the same each day at MODERATION_MAIL_DIGEST_AT). Run twice, the second run writes
    nothing: each digest lists only what arrived since that moderator's last mail. `flask outbox deliver` or any
    task runner sends them."""
    written = staff_mail.send_digests()
    db.session.commit()
    click.echo(f"Wrote {written} digest(s).")


def register(app: Flask) -> None:
    """Add the commands to `flask`."""
    app.cli.add_command(user_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(moderation_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(comments_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(spam_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)
