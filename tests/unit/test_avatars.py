"""Avatars made here (services.avatars): initials from any script, a colour from a keyed hash that nobody without
the key can reproduce, and a palette whose every entry keeps the initials readable in both themes."""

import hashlib
import re
from pathlib import Path

import pytest

from app.security import with_image_sources
from app.services.avatars import (
    GLYPH,
    INITIALS_COLOUR,
    NEUTRAL,
    PALETTE,
    avatar,
    colour_digest,
    gravatar_url,
    initials,
)

KEY = "a secret only the server knows"
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "site.css"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Ana María", "AM"),
        ("ana maría lópez", "AL"),  # first and last words, upper-cased
        ("Dana", "D"),
        ("李小龙", "李"),
        ("山田 太郎", "山太"),
        ("Ёжик в тумане", "ЁТ"),
        ("e\u0301mile zola", "ÉZ"),  # a decomposed accent stays on its letter
        ("ßarah", "ß"),  # no single upper-case letter: kept as written
        ("🎉 Dana 🎉", "D"),  # words without a letter are skipped
        ("(Dana) Reyes", "DR"),
        ("🎉🎉", GLYPH),
        ("", GLYPH),
        (None, GLYPH),
        ("  42  ", GLYPH),
    ],
)
def test_initials_come_from_the_first_and_last_words(name, expected):
    assert initials(name) == expected


def test_the_same_address_in_any_spelling_gets_the_same_colour():
    first = avatar("Dana", "dana@example.org", KEY)
    assert avatar("Dana Reyes", "  DANA@Example.ORG ", KEY).tone == first.tone
    assert avatar("D", "ｄａｎａ@example.org", KEY).tone == first.tone
    assert first.tone is not None and first.colour == PALETTE[first.tone][0]


def test_colours_spread_over_the_palette():
    tones = {avatar("x", f"reader{n}@example.org", KEY).tone for n in range(200)}
    assert tones == set(range(len(PALETTE)))


def test_the_colour_comes_from_a_keyed_hash_nobody_can_recompute():
    email = "alice@example.org"
    digest = colour_digest(email, KEY)
    unkeyed = {
        hashlib.md5(email.encode()).hexdigest(),  # noqa: S324 (compared with, never used)
        hashlib.sha256(email.encode()).hexdigest(),
        hashlib.sha1(email.encode()).hexdigest(),  # noqa: S324
    }
    assert digest is not None and len(digest) == 64
    assert digest not in unkeyed
    assert not any(digest.startswith(value[:16]) for value in unkeyed)
    # Another key gives other digests, and so other colours for some writers.
    assert colour_digest(email, "another site's key") != digest
    tones = [avatar("x", f"reader{n}@example.org", KEY).tone for n in range(50)]
    other = [avatar("x", f"reader{n}@example.org", b"another site's key").tone for n in range(50)]
    assert tones != other


def test_a_writer_without_an_address_gets_the_neutral_colour():
    for email in ("", "   ", None):
        shown = avatar("Former reader", email, KEY, gravatar=True)
        assert shown.tone is None and shown.url is None
        assert (shown.colour, shown.colour_dark, shown.css_class) == (*NEUTRAL, "avatar--neutral")


def test_gravatar_only_when_turned_on():
    assert avatar("Dana", "dana@example.org", KEY).url is None
    shown = avatar("Dana", " Dana@Example.org", KEY, gravatar=True)
    expected = hashlib.sha256(b"dana@example.org").hexdigest()
    assert shown.url == gravatar_url("dana@example.org")
    assert shown.url == f"https://www.gravatar.com/avatar/{expected}?d=blank&s=80"


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("entry", [*PALETTE, NEUTRAL])
def test_every_colour_keeps_the_initials_readable_in_both_themes(entry):
    light, dark = entry
    assert _contrast(light, INITIALS_COLOUR[0]) >= 4.5
    assert _contrast(dark, INITIALS_COLOUR[1]) >= 4.5


def test_the_stylesheet_holds_the_palette():
    css = CSS.read_text()
    section = css[css.index("Avatars and profiles") :]
    light = dict(re.findall(r"\.avatar--(\w+) \{ background: (#[0-9a-f]{6}); \}", section.split("prefers-color")[0]))
    dark = dict(re.findall(r"\.avatar--(\w+) \{ background: (#[0-9a-f]{6}); \}", section.split("prefers-color")[1]))
    expected = {str(n): colours for n, colours in enumerate(PALETTE)} | {"neutral": NEUTRAL}
    assert light == {name: colours[0] for name, colours in expected.items()}
    assert dark == {name: colours[1] for name, colours in expected.items()}


def test_gravatars_host_joins_the_policys_img_src_only_when_given():
    policy = "default-src 'self'; img-src 'self' https: data:; object-src 'none'"
    assert with_image_sources(policy, ()) == policy
    assert with_image_sources(policy, ["https://www.gravatar.com"]) == (
        "default-src 'self'; img-src 'self' https: data: https://www.gravatar.com; object-src 'none'"
    )
    # A policy without img-src gets one that keeps the site's own pictures.
    assert with_image_sources("default-src 'self'", ["https://www.gravatar.com"]) == (
        "default-src 'self'; img-src 'self' https://www.gravatar.com"
    )
