"""What the classifier reads of a comment: text without markup, signs of spam, and hashed features."""

import math

from app.services.spam.features import SIZE, bucket, vectorise
from app.services.spam.markup import markup_free, readable_text
from app.services.spam.signs import signs, words_of


def _signs(text: str, name: str = "", website: str | None = None) -> set[str]:
    return signs(markup_free(text), name, website)


def _group_length(text: str, group: str) -> float:
    vector = vectorise(text)
    labels = {index for index, label in vector.labels.items() if bucket(group, label) == index}
    return math.sqrt(sum(value * value for index, value in vector.values.items() if index in labels))


# --- markup ----------------------------------------------------------------------------------


def test_markdown_html_and_plain_links_read_the_same():
    markdown = markup_free("See [the court's page](https://courts.example.gov/fees) for **fees**.")
    html = markup_free('See <a href="https://courts.example.gov/fees">the court\'s page</a> for <b>fees</b>.')
    assert markdown.links == html.links == ("https://courts.example.gov/fees",)
    assert " ".join(markdown.text.split()) == " ".join(html.text.split()) == "See the court's page for fees ."
    assert (
        vectorise("See [the court's page](https://courts.example.gov/fees) for **fees**.").values
        == vectorise('See <a href="https://courts.example.gov/fees">the court\'s page</a> for <b>fees</b>.').values
    )


def test_reference_style_links_read_as_inline_ones():
    reference = markup_free("See [the court's page][1] for fees.\n\n  [1]: https://courts.example.gov/fees")
    inline = markup_free("See [the court's page](https://courts.example.gov/fees) for fees.")
    assert reference.links == inline.links == ("https://courts.example.gov/fees",)
    assert reference.text.split() == inline.text.split()


def test_formatting_is_not_content():
    plain = vectorise("Great point about the deadline\nand the filing fee")
    dressed = vectorise("# Great point about the *deadline*\n> and the `filing fee`")
    assert dressed.values == plain.values


def test_text_is_read_as_people_see_it():
    assert readable_text("sub\u200bscribe &amp; ＣＡＦＥ") == "subscribe & CAFE"


# --- signs -----------------------------------------------------------------------------------


def test_links_become_their_domains_and_link_signs():
    found = _signs("Free stuff at https://www.Shop.Example.COM/deals/today and cheap-deals.com too")
    assert {"has:url", "has:urls", "tld:com", "domain:cheap-deals.com"} <= found
    assert {"domain:shop.example.com", "domain:example.com", "url:deals"} <= found
    assert not any(sign.startswith("domain:") for sign in _signs("great song.Love it"))
    assert {"has:link-only", "has:shortener"} <= _signs("http://bit.ly/x1")


def test_links_to_reference_sites_are_not_counted_as_links():
    found = _signs("See https://en.wikipedia.org/wiki/Naive_Bayes and https://data.example.edu/set")
    assert "link:reference" in found and "has:url" not in found and "has:link-only" not in found


def test_calls_to_action_and_other_signs():
    found = _signs(
        "Check out my channel!!! Please subscribe, help me reach 100 subscribers. I earn $5 a day. Whatsapp me"
    )
    assert {
        "cta:check-out",
        "cta:my-channel",
        "cta:ask",
        "cta:subscribe",
        "cta:help-me",
        "cta:imperative",
        "cta:contact",
        "has:money",
        "has:exclamations",
    } <= found
    assert "has:shouting" in _signs("SUBSCRIBE TO ME NOW") and "has:shouting" not in _signs("I like the BBC")
    ordinary = _signs("I subscribed years ago; check out the paper by Graham, my favourite song is on it.")
    assert not any(sign.startswith(("cta:", "has:")) for sign in ordinary)


def test_the_writers_name_and_website_are_signs_of_their_own():
    found = _signs("Nice post", name="Cheap Pills", website="https://pills.example.org/buy")
    assert {"name:cheap", "name:pills", "has:website", "website:domain:pills.example.org"} <= found
    assert "has:url" not in found


# --- features --------------------------------------------------------------------------------


def test_each_group_has_unit_length_so_long_comments_weigh_no_more():
    short, long = "A fair point.", "A fair point about the fees, and the filing deadline in my state. " * 20
    for text in (short, long):
        assert math.isclose(_group_length(text, "w"), 1.0, rel_tol=1e-9)
        assert math.isclose(_group_length(text, "s"), 0.5, rel_tol=1e-9)
    assert all(0 <= index < SIZE for index in vectorise(long).values)


def test_buckets_are_stable_and_words_are_labelled_for_explanations():
    assert bucket("w", "subscribe") == bucket("w", "subscribe") != bucket("s", "subscribe")
    vector = vectorise("Please subscribe to my channel http://promo.example.com")
    assert {"subscribe", "my channel", "cta:subscribe", "domain:promo.example.com"} <= set(vector.labels.values())
    assert vector.labels[bucket("s", "cta:subscribe")] == "cta:subscribe"


def test_features_from_a_prepared_text_are_those_of_the_text():
    """The checks of one comment share its text without markup and its words (spam.checks.plain_words); the
    classifier's features from them are the features of the text itself."""
    for text in (
        "Check out my channel!!! https://bit.ly/x [site](https://shop.example/buy) for CHEAP pills, sooooo good",
        "A plain reply about the court's fee, with <a href='https://example.org/a'>a link</a>.",
        "",
    ):
        plain = markup_free(text)
        prepared = vectorise(text, "Ann Lee", "https://ann.example", (plain, words_of(plain.text)))
        assert prepared == vectorise(text, "Ann Lee", "https://ann.example")
        assert signs(plain, "Ann Lee", None, words_of(plain.text)) == signs(plain, "Ann Lee")
