"""The linear model: scoring, explaining, one lesson at a time, saving, and calibrated training."""

import random

import pytest

from app.services.spam.features import vectorise
from app.services.spam.model import SHIPPED_PATH, LinearModel
from app.services.spam.storage import shipped_model
from app.services.spam.training import calibrated, fit

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
# Ordinary blog comments with a link or two: the kind the old filter binned.
LINKED_HAM = [
    "Thanks for this guide. **Very** useful — I'd add that you should *check* the "
    "[court website](https://example.com/court) first.",
    "For anyone setting this up: the docs are at https://flask.palletsprojects.com/en/latest/, "
    "https://docs.sqlalchemy.org/en/20/ and https://alembic.sqlalchemy.org/ and they explain the migration steps well.",
]


def _trained() -> LinearModel:
    texts = SPAM * 4 + HAM * 4
    return fit([vectorise(text) for text in texts], [text in SPAM for text in texts])


def test_an_empty_model_is_undecided_and_a_trained_one_separates_and_explains():
    assert LinearModel().probability(vectorise("anything at all")) == 0.5
    model = _trained()
    spam = vectorise("Check out my channel and subscribe http://promo.example.com")
    ham = vectorise("The second chart explains the data really well.")
    assert model.probability(spam) > 0.9 > 0.1 > model.probability(ham)
    clues = model.clues(spam)
    assert clues and all(clue.evidence > 0 for clue in clues)
    assert clues == sorted(clues, key=lambda clue: -clue.evidence)
    assert {"subscribe", "cta:subscribe", "my channel"} & {clue.label for clue in clues}


def test_one_lesson_moves_that_comment_a_long_way_and_a_double_lesson_undoes_it():
    model = _trained()
    text = vectorise("Lovely weather for the garden party on Sunday")
    before = model.probability(text)
    taught = model.copy()
    taught.learn(text, is_spam=True)
    assert taught.probability(text) > before + 0.3
    assert model.probability(text) == before  # the copy learned, not the original
    taught.learn(text, is_spam=False, weight=2.0)
    assert taught.probability(text) < before + 0.1
    # A lesson about one comment barely moves an unrelated one.
    other = vectorise("I disagree: the figures from last year show the opposite.")
    assert taught.probability(other) == pytest.approx(model.probability(other), abs=0.05)


def test_the_weights_survive_packing_and_the_file_reads_back_byte_for_byte(tmp_path):
    model = _trained()
    assert list(LinearModel.unpack_weights(model.packed_weights())) == list(model.weights)
    path = tmp_path / "model.bin.gz"
    model.save(path, "hand-written samples")
    first = path.read_bytes()
    loaded = LinearModel.load(path)
    assert list(loaded.weights) == list(model.weights) and loaded.intercept == model.intercept
    model.save(path, "hand-written samples")
    assert path.read_bytes() == first


def test_a_file_for_other_features_is_refused(tmp_path):
    path = tmp_path / "model.bin.gz"
    model = _trained()
    model.feature_version = 999
    model.save(path, "from the future")
    with pytest.raises(ValueError, match="features 999"):
        LinearModel.load(path)


def test_the_shipped_model_loads_knows_spam_and_leaves_linked_blog_comments_alone():
    model = shipped_model(str(SHIPPED_PATH))
    assert model.probability(vectorise("Check out my new channel and subscribe! http://bit.ly/abc")) > 0.99
    assert model.probability(vectorise("I disagree with the second paragraph; the figures show the opposite.")) < 0.1
    for text in LINKED_HAM:
        assert model.probability(vectorise(text)) < 0.5, text


def test_probabilities_are_calibrated_on_examples_the_model_did_not_learn():
    """Of comments scored about p, about p are spam: a noisy synthetic set where the truth is known."""
    chance = random.Random(3)
    spammy = ["Win a free phone at {} today", "Cheap pills delivered, order from {} now", "Visit {} for easy money"]
    honest = ["The {} chapter read well", "I met the author at {} last spring", "Our club discussed the {} section"]
    texts, labels = [], []
    for n in range(600):
        word = f"w{n}"  # a word of its own, so no comment can be told apart by a word it shares
        if n % 2:
            texts.append(chance.choice(spammy).format(word))
            labels.append(chance.random() < 0.8)  # 80 % of these are spam
        else:
            texts.append(chance.choice(honest).format(word))
            labels.append(chance.random() < 0.1)  # 10 % of these are spam
    model = calibrated([vectorise(text) for text in texts], labels)
    spam_scores = [model.probability(vectorise(chance.choice(spammy).format(f"new{n}"))) for n in range(50)]
    ham_scores = [model.probability(vectorise(chance.choice(honest).format(f"new{n}"))) for n in range(50)]
    assert sum(spam_scores) / 50 == pytest.approx(0.8, abs=0.1)
    assert sum(ham_scores) / 50 == pytest.approx(0.1, abs=0.08)
