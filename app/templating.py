"""Jinja filters and globals shared by every template."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask
from flask_login import current_user
from markupsafe import Markup

from app.services import permissions
from app.services.correction_requests import request_counts
from app.services.formatting import PLAIN_TEXT
from app.services.markdown import formatting_help
from app.services.moderation import TRASH_REASONS, pending_count
from app.services.text import excerpt


def long_date(value: datetime | None) -> str:
    """'26 November 2026' — the date readers see; the exact time goes in <time datetime>."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def date_time(value: datetime | None) -> str:
    """'26 November 2026, 18:42 UTC' — for comments, where the hour matters."""
    if value is None:
        return ""
    return f"{long_date(value)}, {value:%H:%M} UTC"


def iso(value: datetime | None) -> str:
    """An ISO 8601 timestamp for machine-readable attributes."""
    return value.isoformat() if value else ""


# How static/js/times.js shows a <time> in the reader's own zone and language: "relative" ("3 hours ago" while
# recent, then the local date and time), "datetime" (the local date and time, for "until …" and "on …"), "date".
TIME_STYLES = ("relative", "datetime", "date")


def time_tag(value: datetime | None, style: str = "relative") -> Markup:
    """Every time readers and staff see: a <time> in UTC ("26 November 2026, 18:42 UTC", or the date alone), which
    the page script rewrites into the reader's local time; without JavaScript the UTC text stays."""
    if value is None:
        return Markup("")
    if style not in TIME_STYLES:
        raise ValueError(f"time_tag style is one of {TIME_STYLES}, not {style!r}")
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = long_date(utc) if style == "date" else date_time(utc)
    return Markup('<time datetime="{}" data-time="{}">{}</time>').format(
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"), style, text
    )


def page_host(url: str | None) -> str:
    """The host (and port) of a page elsewhere, as the desk and the API say where a discussion lives."""
    return urlsplit(url or "").netloc


def register(app: Flask) -> None:
    """Install filters and the permission helpers templates ask about."""
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(date_time, "date_time")
    app.add_template_filter(time_tag, "time_tag")
    app.add_template_filter(page_host, "page_host")
    # "Formatting help" beside the comment forms, from the list that configures the comment renderer.
    app.add_template_global(formatting_help, "formatting_help")
    app.add_template_global(PLAIN_TEXT, "plain_text_formatting")
    app.add_template_filter(excerpt, "excerpt")

    @app.context_processor
    def inject_labels():
        return {"reason_labels": {**TRASH_REASONS, "banned_sender": "Banned sender", "flagged": "Flagged by readers"}}

    @app.context_processor
    def inject_permissions():
        desk = permissions.can_use_desk(current_user)
        return {
            "can_use_desk": desk,
            # A callable, so the count query runs only where the navigation shows it.
            "moderation_pending": (lambda: pending_count(current_user)) if desk else (lambda: 0),
            "can_write_articles": permissions.can_write_articles(current_user),
            # Open correction requests on the writer's articles, counted only where the navigation shows it.
            "requests_open": lambda: request_counts(current_user)["open"],
            "can_edit_article": lambda article: permissions.can_edit_article(current_user, article),
            "can_manage_users": permissions.can_manage_users(current_user),
        }
