"""Site settings that admins change on a page: stored in the database, defaults from the configuration."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Setting, User
from app.models.types import utcnow
from app.services.errors import ServiceError
from app.services.text import clean_line


@dataclass(frozen=True)
class CommentRules:
    """The settings comments follow: configuration defaults overlaid with what admins set (see `comment_rules`)."""

    max_length: int = 5000
    max_depth: int = 5
    edit_window: timedelta = timedelta(minutes=15)
    auto_close_days: int = 0
    hold_all: bool = False
    hold_until_approved: int = 0
    rejected_percent: int = 0
    rejected_window: timedelta = timedelta(days=7)
    rejected_min_comments: int = 2
    flag_threshold: int = 3
    link_limit: int = 3
    min_seconds: int = 3
    form_max_age_hours: int = 24
    moderation_words: tuple[str, ...] = ()
    blocked_words: tuple[str, ...] = ()
    # The content classifier: caught as spam at spam_at (once the site has min_decisions verdicts of its
    # own), held at hold_at; calibrated probabilities.
    spam_at: float = 0.99
    hold_at: float = 0.8
    min_decisions: int = 50
    # Gravatar pictures over writers' initials (services.avatars); off by default, for the readers' privacy.
    gravatar: bool = False


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, the configuration key holding its default, its type and limits, and its wording."""

    key: str
    config_key: str
    kind: type
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    # Text: one word or phrase per line (the word lists), or else a short plain text of at most `maximum` characters.
    word_per_line: bool = True


DESCRIPTION_MAX = 300
SPECS = [
    SettingSpec(
        "site_description",
        "SITE_DESCRIPTION",
        str,
        "Site description",
        f"A sentence or two about the site, shown at the top of the home page and in the articles feed "
        f"(plain text, at most {DESCRIPTION_MAX} characters; empty shows nothing).",
        maximum=DESCRIPTION_MAX,
        word_per_line=False,
    ),
    SettingSpec(
        "hold_all", "MODERATION_HOLD_ALL", bool, "Hold every comment", "Every new comment waits for a moderator."
    ),
    SettingSpec(
        "hold_until_approved",
        "MODERATION_HOLD_UNTIL_APPROVED",
        int,
        "Hold new commenters",
        "Hold a commenter's comments until they have this many approved ones (0 turns this off).",
        0,
        100,
    ),
    SettingSpec(
        "rejected_percent",
        "MODERATION_REJECTED_PERCENT",
        int,
        "Hold often-rejected commenters (%)",
        "Hold commenters when at least this share of their recent decided comments went to spam or trash "
        "(0 turns this off).",
        0,
        100,
    ),
    SettingSpec(
        "rejected_window_days",
        "MODERATION_REJECTED_WINDOW_DAYS",
        int,
        "…over the last (days)",
        "How far back the rejected share looks.",
        1,
        365,
    ),
    SettingSpec(
        "rejected_min_comments",
        "MODERATION_REJECTED_MIN_COMMENTS",
        int,
        "…counting at least (comments)",
        "The share only counts once a commenter has this many decided comments in that time.",
        1,
        100,
    ),
    SettingSpec(
        "flag_threshold",
        "MODERATION_FLAG_THRESHOLD",
        int,
        "Flags to hide",
        "Hide a comment for review once this many different readers flag it.",
        1,
        100,
    ),
    SettingSpec(
        "max_depth",
        "COMMENT_MAX_DEPTH",
        int,
        "Thread depth",
        "How many levels replies nest before they hang side by side.",
        1,
        10,
    ),
    SettingSpec(
        "edit_window_minutes",
        "COMMENT_EDIT_WINDOW_MINUTES",
        int,
        "Edit window (minutes)",
        "How long writers may edit or delete their comment.",
        0,
        1440,
    ),
    SettingSpec(
        "auto_close_days",
        "COMMENTS_AUTO_CLOSE_DAYS",
        int,
        "Close threads after (days)",
        "Close comments this long after publication (0: never).",
        0,
        3650,
    ),
    SettingSpec(
        "link_limit",
        "SPAM_LINK_LIMIT",
        int,
        "Hold comments with many links",
        "Hold a comment with this many links or more and fewer than 15 words of its own per link "
        "(0 turns this off). Long comments citing a few sources are normal.",
        0,
        50,
    ),
    SettingSpec(
        "min_seconds",
        "SPAM_MIN_SECONDS",
        int,
        "Fastest human (seconds)",
        "Hold page-form comments sent sooner than this after the form appeared (0 turns this off).",
        0,
        120,
    ),
    SettingSpec(
        "spam_at",
        "SPAM_CLASSIFIER_SPAM_AT",
        float,
        "Catch as spam at (probability)",
        "Once moderators have decided enough comments (below), a comment the content classifier scores at "
        "this probability or above goes to spam.",
        0.5,
        1.0,
    ),
    SettingSpec(
        "hold_at",
        "SPAM_CLASSIFIER_HOLD_AT",
        float,
        "Hold at (probability)",
        "A comment the content classifier scores at this probability or above waits for a moderator.",
        0.05,
        1.0,
    ),
    SettingSpec(
        "min_decisions",
        "SPAM_CLASSIFIER_MIN_DECISIONS",
        int,
        "Judge content alone after (decisions)",
        "Until moderators have marked this many comments spam or not spam, the classifier may hold a comment "
        "but never move it to spam on content alone.",
        0,
        100_000,
    ),
    SettingSpec(
        "moderation_words",
        "SPAM_MODERATION_WORDS",
        str,
        "Words to hold",
        "One word or phrase per line. A comment whose text, name, email or website contains one is held.",
    ),
    SettingSpec(
        "blocked_words",
        "SPAM_BLOCKED_WORDS",
        str,
        "Words to block",
        "One word or phrase per line. A comment containing one is caught as spam. "
        "Matching ignores case, accents' forms and zero-width characters.",
    ),
    SettingSpec(
        "gravatar",
        "AVATARS_GRAVATAR",
        bool,
        "Show Gravatar pictures",
        "Show a writer's Gravatar picture over their initials. Each page view then sends Gravatar's servers a hash "
        "of the email address of every writer shown, and anyone can compare that hash with the hash of an address "
        "they know, so readers' addresses are no longer private. Off, avatars are made on this site and nothing "
        "leaves it.",
    ),
]
WORDS_MAX = 10_000
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
# Every configuration key comment_rules reads.
RULES_CONFIG = ("COMMENT_MAX_LENGTH", "SPAM_FORM_MAX_AGE_HOURS", *(spec.config_key for spec in SPECS))


def _stored() -> dict[str, object]:
    return {row.key: row.value for row in db.session.scalars(select(Setting))}


# Settings' values differ in type (bool, int, str) from key to key, hence Any.
def current_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting's value in force: the database's if an admin set it, else the configuration's default."""
    stored = _stored()
    return {spec.key: stored.get(spec.key, spec.kind(config[spec.config_key])) for spec in SPECS}


def site_description(config: Mapping[str, Any]) -> str:
    """The admin's description of the site (empty when none), plain text."""
    stored = db.session.scalar(select(Setting.value).where(Setting.key == "site_description"))
    return str(stored if stored is not None else config["SITE_DESCRIPTION"])


def comment_rules(config: Mapping[str, Any]) -> CommentRules:
    """The rules comments follow now, built from the settings in force."""
    values = current_settings(config)
    return CommentRules(
        max_length=int(config["COMMENT_MAX_LENGTH"]),
        max_depth=max(1, values["max_depth"]),
        edit_window=timedelta(minutes=values["edit_window_minutes"]),
        auto_close_days=values["auto_close_days"],
        hold_all=values["hold_all"],
        hold_until_approved=values["hold_until_approved"],
        rejected_percent=values["rejected_percent"],
        rejected_window=timedelta(days=values["rejected_window_days"]),
        rejected_min_comments=values["rejected_min_comments"],
        flag_threshold=values["flag_threshold"],
        link_limit=values["link_limit"],
        min_seconds=values["min_seconds"],
        form_max_age_hours=int(config["SPAM_FORM_MAX_AGE_HOURS"]),
        moderation_words=word_list(values["moderation_words"]),
        blocked_words=word_list(values["blocked_words"]),
        spam_at=values["spam_at"],
        hold_at=values["hold_at"],
        min_decisions=values["min_decisions"],
        gravatar=values["gravatar"],
    )


def word_list(text: str) -> tuple[str, ...]:
    """One word or phrase per line (commas also separate), blanks dropped."""
    parts = (part.strip() for line in (text or "").splitlines() for part in line.split(","))
    return tuple(part for part in parts if part)


def _parse(spec: SettingSpec, raw: object) -> bool | int | float | str:
    if spec.kind is str and not spec.word_per_line:
        text = clean_line(str(raw or ""))
        if spec.maximum is not None and len(text) > spec.maximum:
            raise ServiceError(
                f"{spec.label}: at most {spec.maximum:g} characters; this one has {len(text):,}.", field=spec.key
            )
        return text
    if spec.kind is str:
        text = "\n".join(word_list(str(raw or "")))
        if len(text) > WORDS_MAX:
            raise ServiceError(f"{spec.label}: at most {WORDS_MAX:,} characters.", field=spec.key)
        return text
    if spec.kind is bool:
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in {"1", "true", "on", "yes", "y"}
    value: int | float | None
    try:
        text = str(raw).strip()
        value = None if isinstance(raw, bool) else float(text) if spec.kind is float else int(text)
    except ValueError:
        value = None
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        kind = "a whole number" if spec.kind is int else "a number such as 0.95"
        raise ServiceError(f"{spec.label}: enter {kind}.", field=spec.key)
    if spec.minimum is not None and value < spec.minimum or spec.maximum is not None and value > spec.maximum:
        raise ServiceError(f"{spec.label}: enter a number from {spec.minimum:g} to {spec.maximum:g}.", field=spec.key)
    return value


def update_settings(values: Mapping[str, object], admin: User | None) -> dict[str, bool | int | float | str]:
    """Validate every given setting, then store them all in one commit; unknown keys are refused."""
    unknown = sorted(set(values) - set(SPEC_BY_KEY))
    if unknown:
        raise ServiceError(f"Unknown setting: {', '.join(unknown)}.", field=unknown[0])
    parsed = {key: _parse(SPEC_BY_KEY[key], raw) for key, raw in values.items()}
    stored = {row.key: row for row in db.session.scalars(select(Setting))}
    for key, value in parsed.items():
        row = stored.get(key) or Setting(key=key)
        row.value = value
        row.updated_at = utcnow()
        row.updated_by_id = admin.id if admin is not None else None
        db.session.add(row)
    db.session.commit()
    return parsed
