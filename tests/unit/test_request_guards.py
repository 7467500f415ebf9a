"""The pieces the request guards and the OpenAPI document build on: ids a database holds, storable text, JSON
depth, web addresses, and the pattern that says "something visible"."""

import re

import pytest

from app.guards import json_too_deep, unreadable_fields
from app.models.types import MAX_ID
from app.services.text import is_http_url, is_visible, storable, visible_pattern, whole_number


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 5001, None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_000", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits
        ("", None),
        (None, None),
        (True, None),
        (12, 12),
        (-3, None),
    ],
)
def test_whole_number_reads_only_ids_a_database_holds(value, number):
    assert whole_number(value) == number


@pytest.mark.parametrize(
    ("text", "ok"), [("plain", True), ("line\nbreak", True), ("a\x00b", False), ("\ud800", False), ("\udfff", False)]
)
def test_storable_text_has_no_nul_and_no_lone_surrogate(text, ok):
    assert storable(text) is ok


def test_json_depth_is_counted_outside_strings():
    assert not json_too_deep('{"a": [[1]]}', limit=3)
    assert json_too_deep('{"a": [[[1]]]}', limit=3)
    assert not json_too_deep('{"a": "[[[[[[[[[["}', limit=3)
    assert not json_too_deep('{"a": "\\"[[[[[[["}', limit=3)
    assert json_too_deep("[" * 100_000 + "]" * 100_000)


def test_unreadable_fields_are_named_as_the_api_names_them():
    data = {"body": "ok", "guest_author": {"name": "a\x00"}, "prompted_by": [1, "\ud800"], "\x00": 1}
    assert set(unreadable_fields(data)) == {"guest_author.name", "prompted_by.1", "\ufffd"}
    assert unreadable_fields("\ud800") == {"_schema": unreadable_fields("\ud800")["_schema"]}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com", True),
        ("http://example.com/a?b=c#d", True),
        ("https://ex\x00ample.com", False),
        ("https://ex\x01ample.com", False),
        ("https://ex\u200bample.com", False),
        ("https://example.com/a b", False),
        ("http://[::1", False),  # urlsplit raises on an unclosed bracket
        ("ftp://example.com", False),
        ("https://", False),
    ],
)
def test_web_addresses_have_no_control_or_invisible_characters(url, ok):
    assert is_http_url(url) is ok


def test_the_visible_pattern_agrees_with_is_visible_on_every_character_it_covers():
    pattern = re.compile(visible_pattern())
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        assert bool(pattern.search(ch)) is is_visible(ch), hex(code)
