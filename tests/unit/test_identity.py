"""Lookalike identities: one canonical form for an address, names that show something, and names compared the
way a reader's eye compares them (services.identity, and the staff check in services.accounts)."""

import pytest

from app.services import accounts
from app.services.comments import guest_name
from app.services.errors import ServiceError
from app.services.identity import MARKS_PER_LETTER, canonical_email, claims_role, display_name, email_key, name_key

ZWSP = "\u200b"
ZALGO = "D" + "\u0301" * 76 + "ana"  # 80 characters: within the length limit


def _name(value: str) -> str:
    return display_name(value, missing="Enter a name.", limit=80, too_long="At most {limit}.")


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("dana@example.org", "dana@example.org"),
        ("  Dana@Example.ORG ", "dana@example.org"),
        ("ｄａｎａ@example.org", "dana@example.org"),  # fullwidth letters
        ("ｄａｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ", "dana@example.org"),  # fullwidth @ and full stop too
        ("𝐝𝐚𝐧𝐚@example.org", "dana@example.org"),  # mathematical bold
        ("reader@Bücher.example", "reader@xn--bcher-kva.example"),  # IDNA, as the mail system sends it
        ("reader@xn--bcher-kva.example", "reader@xn--bcher-kva.example"),
        ("иван@пример.рф", "иван@xn--e1afmkfd.xn--p1ai"),  # one alphabet throughout: an address like any other
    ],
)
def test_an_address_has_one_canonical_form(typed, stored):
    assert canonical_email(typed) == stored
    assert email_key(typed) == stored


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter an email address."),
        ("nope", "not valid"),
        ("d\u0430na@example.org", "mixes letters of different alphabets"),  # a Cyrillic а among Latin letters
        ("dan\u03b1@example.org", "mixes letters of different alphabets"),  # a Greek α
    ],
)
def test_an_address_that_is_not_one_or_is_disguised_is_refused(typed, message):
    with pytest.raises(ServiceError, match=message) as refused:
        canonical_email(typed)
    assert refused.value.field == "email"


def test_an_invalid_address_still_has_one_key_for_counting_attempts():
    assert email_key("ＮＯＰＥ") == email_key("nope") == "nope"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        ZWSP * 3,
        "\u3164",  # HANGUL FILLER
        "\u115f\u1160",  # Hangul choseong and jungseong fillers
        "\uffa0",  # halfwidth Hangul filler
        "\u2800\u2800",  # braille pattern blank
        "\u0301\u0302",  # combining marks with nothing to sit on
        "\u2060\u180e\ufeff",  # word joiner, Mongolian vowel separator, BOM
        "\U000e0041\U000e0042",  # tag characters
    ],
)
def test_a_name_that_shows_nothing_is_refused(typed):
    with pytest.raises(ServiceError, match="Enter a name."):
        _name(typed)


def test_invisible_characters_are_taken_out_of_a_name():
    assert _name(f"Lee{ZWSP} \u3164Morgan\u2800") == "Lee Morgan"


def test_a_pile_of_combining_marks_on_one_letter_is_refused_and_real_accents_are_kept():
    with pytest.raises(ServiceError, match=f"at most {MARKS_PER_LETTER} accents or marks on one letter"):
        _name(ZALGO)
    with pytest.raises(ServiceError, match="accents or marks"):
        _name("x" + "\u0300" * (MARKS_PER_LETTER + 1))  # no precomposed x with a grave: NFC keeps them all
    assert _name("x" + "\u0300" * MARKS_PER_LETTER) == "x" + "\u0300" * MARKS_PER_LETTER
    for real in ["Nguyễn Thị Ánh", "Zoë Brontë", "שָׁלוֹם", "བསྒྲུབས", "क्षितिज", "José"]:
        assert _name(real)
    assert _name("Nguye\u0302\u0303n") == "Nguyễn"  # stored in NFC


def test_a_name_is_at_most_its_limit():
    with pytest.raises(ServiceError, match="At most 80."):
        _name("x" * 81)


@pytest.mark.parametrize(
    "lookalike",
    [
        "Dana Reyes",
        "dana reyes",
        "DANA  REYES",
        f"Dana Reyes{ZWSP}",
        f"Da{ZWSP}na Re\u00adyes",
        "Ｄａｎａ Ｒｅｙｅｓ",  # fullwidth
        "D\u0430na Reyes",  # Cyrillic а
        "Dána Réyes",
        "Dana-Reyes",
        "Dana.Reyes",
        "Dana Reyes (Moderator)",
        "Dana Reyes [admin]",
        "Dana Reyes, site host",
        "Dana Reyes - author",
        "D\u0301ana Reyes",
    ],
)
def test_lookalikes_of_a_name_share_its_key(lookalike):
    assert name_key(lookalike) == name_key("Dana Reyes") == "danareyes"


@pytest.mark.parametrize("other", ["Dana Reyes-Smith", "Dan Reyes", "Diana Reyes", "Reyes Dana"])
def test_other_names_have_other_keys(other):
    assert name_key(other) != name_key("Dana Reyes")


@pytest.mark.parametrize(
    "name, claims",
    [
        ("Site Admin", True),
        ("Moderator", True),
        ("Sam (mod)", True),
        ("The Staff", True),
        ("Ｍｏｄｅｒａｔｏｒ", True),
        ("M\u043eder\u0430tor", True),  # Cyrillic о and а
        ("Modesto Admiral", False),
        ("Sam the author", False),  # writing is no role a guest could misuse: the name is still checked
        ("Lee Morgan", False),
    ],
)
def test_a_name_that_claims_a_role(name, claims):
    assert claims_role(name) is claims


@pytest.fixture
def staff(make_user):
    make_user("admin", name="Dana Reyes", email="dana@example.org")
    make_user("moderator", name="Priya Nair", email="priya@example.org")
    make_user("author", name="Sam Okafor", email="sam@example.org")
    make_user("reader", name="Lee Morgan", email="lee@example.org")


@pytest.mark.parametrize(
    "name", ["Dana Reyes", f"Dana Reyes{ZWSP}", "Priya Nair (Moderator)", "ＳＡＭ ＯＫＡＦＯＲ", "Pr\u0456ya Na\u0456r"]
)
def test_a_guest_may_not_take_a_staff_members_name(staff, name):
    with pytest.raises(ServiceError, match="belongs to a member of the site's staff") as refused:
        guest_name(name)
    assert refused.value.field == "name"


def test_a_guest_may_take_a_readers_name_or_their_own(staff):
    assert guest_name("Lee Morgan") == "Lee Morgan"
    assert guest_name("Gail Guest") == "Gail Guest"


def test_a_guest_may_not_claim_a_role(staff):
    with pytest.raises(ServiceError, match="does not claim a role"):
        guest_name("Gail (Moderator)")


def test_a_new_reader_may_not_take_a_staff_members_name_but_staff_accounts_may(app, staff):
    def create(name, role="reader", email="new@example.org"):
        return accounts.create_user(
            email, name, "long enough password", role, hash_method="pbkdf2:sha256:1000", min_length=10
        )

    with pytest.raises(ServiceError, match="belongs to a member of the site's staff"):
        create("Dana Reyes\u200b")
    # An admin making a staff account may give two people the same name, and name a role.
    assert create("Priya Nair", role="author", email="priya.two@example.org").name == "Priya Nair"
    with pytest.raises(ServiceError, match="does not claim a role"):
        create("Site Admin")
    assert create("Site Admin", role="admin").name == "Site Admin"
    with pytest.raises(ServiceError, match="Enter a name."):
        create("\u3164", email="other@example.org")


def test_an_address_in_any_spelling_finds_its_account_and_cannot_be_registered_again(app, staff):
    assert accounts.find_user_by_email("ｄａｎａ@ｅｘａｍｐｌｅ.org").name == "Dana Reyes"
    assert accounts.find_user_by_email("DANA@example.org").name == "Dana Reyes"
    with pytest.raises(ServiceError, match="already exists"):
        accounts.create_user(
            "ｄａｎａ@example.org", "Someone Else", "long enough password", "reader",
            hash_method="pbkdf2:sha256:1000", min_length=10,
        )  # fmt: skip
    user = accounts.authenticate("Ｄａｎａ@example.org", "correct horse battery", hash_method="pbkdf2:sha256:1000")
    assert user is not None and user.email == "dana@example.org"
