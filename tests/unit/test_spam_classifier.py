"""services.spam.classifier: tokens, scores, learning and unlearning, and the moderators' spam decisions."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import SpamToken
from app.services import moderation
from app.services.settings import CommentRules
from app.services.spam import classifier, learning
from app.services.spam.bayes import Classifier
from app.services.spam.classifier import check_classifier
from app.services.spam.counts import BOOTSTRAP_PATH, DatabaseCounts, MemoryCounts
from app.services.spam.learning import learn, unlearn
from app.services.spam.tokens import tokenise
from app.services.spam.verdicts import Submission
from tests.factories import make_comment, make_guest

SPAM = [
    "Check out my channel and subscribe! http://promo.example.com/watch",
    "Please subscribe to my channel, I make music videos",
    "Earn money from home, visit www.cash-fast.example.net now",
    "Follow me on instagram for free gift cards",
    "Check out my new video http://promo.example.com/v/2 and like this comment",
]
HAM = [
    "The second paragraph explains the trade-off really well.",
    "I disagree: the figures from last year show the opposite.",
    "Thanks for the clear write-up, the diagrams helped a lot.",
    "Could the author say more about the data behind the second chart?",
    "Great article, I read it twice and learned something each time.",
]
HELD = CommentRules(hold_all=True)


def _model(spam=SPAM, ham=HAM) -> MemoryCounts:
    counts = MemoryCounts()
    for text in spam:
        counts.learn(tokenise(text), True)
    for text in ham:
        counts.learn(tokenise(text), False)
    return counts


def _stored_counts() -> tuple:
    """Everything the site has learned, as plain values."""
    columns = (SpamToken.token, SpamToken.spam_count, SpamToken.ham_count)
    rows = db.session.execute(select(*columns).order_by(SpamToken.token))
    return DatabaseCounts().documents(), [tuple(row) for row in rows]


def _token(token: str) -> tuple[int, int] | None:
    return DatabaseCounts().counts([token]).get(token)


# --- tokens ----------------------------------------------------------------------------------


def test_words_are_folded_and_normalised():
    tokens = tokenise("ＳＴＲＡＳＳＥ Straße sub\u200bscribe &amp; CAFÉ’s")
    assert {"strasse", "subscribe", "café's"} <= tokens
    assert not any(token != token.casefold() for token in tokens if ":" not in token)


def test_links_become_their_domains_and_link_features():
    tokens = tokenise("Free stuff at https://www.Shop.Example.COM/deals/today and cheap-deals.com too")
    assert {"has:url", "has:urls", "tld:com", "domain:cheap-deals.com"} <= tokens
    assert {"domain:shop.example.com", "domain:example.com"} <= tokens
    assert "url:deals" in tokens
    assert not any("http" in token or "www" in token for token in tokens)
    # A full stop without a space is not a link; a link alone in a comment is a sign of its own.
    assert not any(token.startswith("domain:") for token in tokenise("great song.Love it"))
    assert "has:link-only" in tokenise("http://bit.ly/x1") and "has:shortener" in tokenise("http://bit.ly/x1")


def test_links_to_reference_sites_are_not_counted_as_links():
    tokens = tokenise("See https://en.wikipedia.org/wiki/Naive_Bayes and https://data.example.edu/set")
    assert "link:reference" in tokens and "has:url" not in tokens and "has:link-only" not in tokens
    assert "domain:en.wikipedia.org" in tokens


def test_calls_to_action_and_other_features():
    tokens = tokenise(
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
    } <= tokens
    assert "has:shouting" in tokenise("SUBSCRIBE TO ME NOW") and "has:shouting" not in tokenise("I like the BBC")
    ordinary = tokenise("I subscribed years ago; check out the paper by Graham, my favourite song is on it.")
    assert not any(token.startswith(("cta:", "has:")) for token in ordinary)


def test_the_writers_name_and_website_count_separately():
    tokens = tokenise("Nice post", name="Cheap Pills", website="https://pills.example.org/buy")
    assert {"name:cheap", "name:pills", "has:website", "website:domain:pills.example.org"} <= tokens
    assert "cheap" not in tokens and "has:url" not in tokens


def test_tokens_fit_the_column_and_long_words_become_a_length():
    tokens = tokenise("abcdefghij" * 20 + " " + "https://" + "a" * 100 + ".example.com/")
    assert all(len(token) <= 64 for token in tokens)
    assert "long:60" in tokens


# --- scoring ---------------------------------------------------------------------------------


def test_scores_separate_spam_from_ham_and_name_the_tokens_that_decided():
    model = Classifier([_model()])
    spam = model.score("Check out my channel and subscribe http://promo.example.com")
    ham = model.score("The second chart explains the data really well.")
    assert spam.probability > 0.97 > 0.5 > ham.probability
    assert "cta:subscribe" in [clue.token for clue in spam.top()]
    assert all(clue.evidence > 0 for clue in spam.top()) and all(clue.evidence < 0 for clue in ham.top(spammy=False))
    assert Classifier([_model()]).score("zebra quokka").probability == 0.5


def test_sources_add_up():
    first, second = _model(SPAM[:2], HAM[:3]), _model(SPAM[2:], HAM[3:])
    text = "Please subscribe, the second paragraph is on my channel"
    assert Classifier([first, second]).score(text).probability == pytest.approx(
        Classifier([_model()]).score(text).probability
    )


def test_the_shipped_bootstrap_model_loads_and_knows_spam_from_ham():
    model = MemoryCounts.load(BOOTSTRAP_PATH)
    assert model.spam > 500 and model.ham > 500 and len(model.tokens) > 500
    assert not any(token.startswith("text:") for token in model.tokens)
    bootstrap = Classifier([model])
    assert bootstrap.score("Check out my new channel and subscribe! http://bit.ly/abc").probability > 0.99
    assert bootstrap.score("I disagree with the second paragraph; the figures show the opposite.").probability < 0.6


def test_a_saved_model_reads_back_the_same(tmp_path):
    path = tmp_path / "model.json.gz"
    _model().save(path, "hand-written samples")
    first = path.read_bytes()
    assert MemoryCounts.load(path) == _model()
    _model().save(path, "hand-written samples")
    assert path.read_bytes() == first


# --- learning in the database ----------------------------------------------------------------


def test_learning_then_unlearning_restores_the_counts_exactly(app):
    learn(SPAM[0], True)
    learn(HAM[0], False, name="Hal", website="https://hal.example.org")
    db.session.commit()
    before = _stored_counts()
    learn(SPAM[1], True, name="Sam")
    learn(HAM[1], False)
    db.session.commit()
    assert _stored_counts() != before
    unlearn(SPAM[1], True, name="Sam")
    unlearn(HAM[1], False)
    db.session.commit()
    assert _stored_counts() == before
    for text, is_spam in ((SPAM[0], True), (HAM[0], False)):
        unlearn(text, is_spam, **({"name": "Hal", "website": "https://hal.example.org"} if not is_spam else {}))
    db.session.commit()
    assert _stored_counts() == ((0, 0), [])


def test_the_database_holds_what_a_memory_model_of_the_same_comments_holds(app):
    for text in SPAM:
        learn(text, True)
    for text in HAM:
        learn(text, False)
    db.session.commit()
    memory, stored = _model(), DatabaseCounts()
    assert stored.documents() == memory.documents() == (5, 5)
    assert stored.counts(memory.tokens) == memory.counts(memory.tokens)


def test_learning_is_two_statements_and_unlearning_never_goes_below_zero(app, count_queries):
    with count_queries() as counted:
        learn(SPAM[0], True)
    assert counted.n == 2  # one upsert for the tokens, one for the totals
    db.session.commit()
    unlearn(SPAM[0], True)
    unlearn(SPAM[0], True)
    db.session.commit()
    assert _stored_counts() == ((0, 0), [])


def test_the_site_model_adds_what_it_learned_to_the_bootstrap(app_with):
    text = "zebra quokka wombat"
    with app_with():
        before = classifier.classify(text).probability
        for _ in range(5):
            learn(text, True)
        db.session.commit()
        assert before == 0.5 < classifier.classify(text).probability
    with app_with(SPAM_CLASSIFIER_BOOTSTRAP=False):
        assert [type(source) for source in classifier.site_classifier().sources] == [DatabaseCounts]


# --- learning from moderators ----------------------------------------------------------------


@pytest.fixture
def unscreened(app):
    """Comments reach the queue whatever the classifier thinks of them: these tests are about its learning."""
    app.config["SPAM_CLASSIFIER_ENABLED"] = False


def test_marking_spam_learns_and_not_spam_unlearns_it_and_learns_ham(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(
        make_article(), "Visit my shop http://deals.example.com for discount watches", make_guest("Deal Maker"), HELD
    )
    moderation.apply(comment, "spam", moderator)
    db.session.rollback()  # what the receiver learned is committed, not merely flushed
    db.session.expire_all()
    assert comment.trained_as == "spam"
    assert DatabaseCounts().documents() == (1, 0)
    assert _token("domain:deals.example.com") == (1, 0) and _token("name:deal") == (1, 0)

    moderation.apply(comment, "not_spam", moderator)
    db.session.expire_all()
    assert comment.trained_as == "ham"
    assert DatabaseCounts().documents() == (0, 1)
    assert _token("domain:deals.example.com") == (0, 1) and _token("cta:my-site") == (0, 1)


def test_trashing_and_restoring_teach_nothing_and_a_verdict_is_learned_once(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    comment = make_comment(make_article(), "Subscribe to my channel please", rules=HELD)
    moderation.apply(comment, "approve", moderator)
    moderation.apply(comment, "trash", moderator, "other")
    moderation.apply(comment, "restore", moderator)
    assert comment.trained_as is None and _stored_counts() == ((0, 0), [])

    moderation.apply(comment, "spam", moderator)
    learned = _stored_counts()
    moderation.apply(comment, "trash", moderator, "spam")
    moderation.apply(comment, "restore", moderator)  # back to spam: nothing new about the text
    learning.on_spam_decision(comment, is_spam=True, previous=None)
    assert _stored_counts() == learned and learned[0] == (1, 0)

    moderation.apply(comment, "approve", moderator)  # out of spam into publication: a verdict of ham
    moderation.apply(comment, "spam", moderator)
    assert comment.trained_as == "spam" and _stored_counts() == learned


def test_a_bulk_action_learns_from_every_comment(unscreened, make_user, make_article):
    moderator = make_user("moderator")
    article = make_article()
    comments = [make_comment(article, f"Check out my channel number {n}", rules=HELD) for n in range(3)]
    moved, problems = moderation.apply_many([c.id for c in comments], "spam", moderator)
    assert len(moved) == 3 and problems == []
    db.session.expire_all()
    assert [c.trained_as for c in comments] == ["spam"] * 3
    assert DatabaseCounts().documents() == (3, 0) and _token("cta:my-channel") == (3, 0)


# --- the check -------------------------------------------------------------------------------


def _submission(article, body: str, name: str = "Gail", website: str | None = None) -> Submission:
    return Submission(article, None, "gail@example.org", "198.51.100.0/24", body, name=name, website=website)


def test_the_check_catches_holds_or_passes_by_the_configured_thresholds(app_with, make_article):
    settings = {
        "SPAM_CLASSIFIER_ENABLED": True,
        "SPAM_CLASSIFIER_BOOTSTRAP": False,
        "SPAM_CLASSIFIER_SPAM_AT": 0.99,
        "SPAM_CLASSIFIER_HOLD_AT": 0.6,
    }
    with app_with(**settings):
        article = make_article()
        for text in SPAM:
            learn(text, True)
        for text in HAM:
            learn(text, False)
        db.session.commit()

        spammy = "Check out my channel and subscribe http://promo.example.com"
        caught = check_classifier(_submission(article, spammy), None)
        assert (caught.action, caught.code) == ("spam", "classifier") and caught.score >= 0.99
        assert caught.message.startswith(f"Spam probability {caught.score:.1%} (strongest signs of spam: ")
        assert "cta:subscribe" in caught.message

        held = check_classifier(_submission(article, "I like your channel"), None)
        assert held.action == "hold" and 0.6 <= held.score < 0.99

        passed = check_classifier(_submission(article, "The second paragraph explains the data."), None)
        assert passed.action == "pass" and passed.score < 0.6


def test_the_check_can_be_switched_off(app_with, make_article):
    with app_with(SPAM_CLASSIFIER_ENABLED=False):
        verdict = check_classifier(_submission(make_article(), "Check out my channel http://promo.example.com"), None)
    assert (verdict.action, verdict.code, verdict.score) == ("pass", "classifier", 0.0)
