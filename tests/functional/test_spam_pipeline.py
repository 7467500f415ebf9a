"""The spam pipeline through the page form and the API: what is stored, what the writer is told."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommentStatus

GUEST = {"name": "Guest Writer", "email": "guest@example.org"}


def _rows() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def _form_fields(html: str) -> dict:
    """The hidden fields the article page puts in its comment form."""
    form = html[html.index('id="comment-form"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'name="(form_ts|homepage|parent_id)"[^>]*value="([^"]*)"', form))


def test_the_page_form_carries_a_signed_time_and_an_empty_honeypot(client, make_article):
    html = client.get(f"/articles/{make_article().slug}").get_data(as_text=True)
    fields = _form_fields(html)
    assert fields["homepage"] == "" and len(fields["form_ts"]) > 10
    assert 'class="hp" aria-hidden="true"' in html and 'tabindex="-1"' in html


def test_a_filled_honeypot_is_spam_and_the_writer_only_hears_awaiting_moderation(client, make_article):
    article = make_article()
    fields = _form_fields(client.get(f"/articles/{article.slug}").get_data(as_text=True))
    response = client.post(
        f"/articles/{article.slug}/comments",
        data={**GUEST, **fields, "homepage": "http://bot.example", "body": "Great post!"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    comment = db.session.scalar(select(Comment))
    assert comment.status is CommentStatus.spam and comment.reasons[0]["code"] == "honeypot"
    assert "awaiting moderation" in html.lower() and "honeypot" not in html and "spam" not in html.lower()
    assert "Great post!" in html  # its writer still sees it, as held
    assert "Great post!" not in client.application.test_client().get(f"/articles/{article.slug}").get_data(as_text=True)


def test_a_fast_form_is_held_and_a_tampered_one_is_refused_with_the_text_kept(app, client, make_article):
    app.config["SPAM_MIN_SECONDS"] = 3
    article = make_article()
    fields = _form_fields(client.get(f"/articles/{article.slug}").get_data(as_text=True))
    client.post(f"/articles/{article.slug}/comments", data={**GUEST, **fields, "body": "Typed in a flash."})
    comment = db.session.scalar(select(Comment))
    assert comment.status is CommentStatus.pending and comment.reasons[0]["code"] == "timing"

    refused = client.post(
        f"/articles/{article.slug}/comments", data={**GUEST, **fields, "form_ts": "forged", "body": "Careful words."}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Please reload the page and post again" in html and "Careful words." in html
    assert _rows() == 1


def test_a_repeated_comment_is_refused_on_the_page_next_to_the_text(client, make_article):
    article = make_article()
    client.post(f"/articles/{article.slug}/comments", data={**GUEST, "body": "Only once."})
    again = client.post(f"/articles/{article.slug}/comments", data={**GUEST, "body": "Only once."})
    assert again.status_code == 409
    assert "You already said that on this article." in again.get_data(as_text=True)
    assert _rows() == 1


def test_the_api_refuses_a_repeat_with_409(client, make_article):
    article = make_article()
    url = f"/api/v1/articles/{article.slug}/comments"
    assert client.post(url, json={**GUEST, "body": "Once."}).status_code == 201
    response = client.post(url, json={**GUEST, "body": "Once."})
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "duplicate",
        "message": "You already said that on this article.",
        "fields": {"body": "You already said that on this article."},
    }


def test_api_comments_are_held_for_links_and_say_so_only_to_moderators(client, make_article):
    article = make_article()
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={**GUEST, "body": "Deals at https://a.example, https://b.example and https://a.example/c"},
    )
    assert response.status_code == 202 and response.get_json()["status"] == "pending"
    assert "links" not in response.get_data(as_text=True)


def test_flooding_is_limited_per_writer(app_with, make_article):
    with app_with(
        RATELIMIT_ENABLED=True, COMMENT_LIMIT_PER_NETWORK="100 per minute", COMMENT_LIMIT_PER_EMAIL="2 per minute"
    ) as app:
        article = make_article()
        client = app.test_client()
        url = f"/api/v1/articles/{article.slug}/comments"
        statuses = [client.post(url, json={**GUEST, "body": f"Number {n}."}).status_code for n in range(3)]
        assert statuses == [201, 201, 429]
        limited = client.post(url, json={**GUEST, "body": "Number 9."})
        assert limited.get_json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) > 0
        other = client.post(url, json={"name": "Other", "email": "other@example.org", "body": "Mine."})
        assert other.status_code == 201  # another writer on the same network
        assert db.session.scalar(select(func.count(Comment.id))) == 3


def test_flooding_is_limited_per_network(app_with, make_article):
    with app_with(
        RATELIMIT_ENABLED=True, COMMENT_LIMIT_PER_NETWORK="2 per minute", COMMENT_LIMIT_PER_EMAIL="100 per minute"
    ) as app:
        article = make_article()
        url = f"/api/v1/articles/{article.slug}/comments"
        client = app.test_client()
        writers = [{"name": f"W{n}", "email": f"w{n}@example.org", "body": f"From writer {n}."} for n in range(3)]
        assert [client.post(url, json=writer).status_code for writer in writers] == [201, 201, 429]
        elsewhere = app.test_client().post(
            url,
            json={"name": "Far", "email": "far@example.org", "body": "Hi."},
            environ_base={"REMOTE_ADDR": "10.9.0.1"},
        )
        assert elsewhere.status_code == 201


def test_the_page_form_keeps_the_text_when_flooding_is_refused(app_with, make_article):
    with app_with(
        RATELIMIT_ENABLED=True, COMMENT_LIMIT_PER_NETWORK="1 per minute", COMMENT_LIMIT_PER_EMAIL="5 per minute"
    ) as app:
        article = make_article()
        client = app.test_client()
        client.post(f"/articles/{article.slug}/comments", data={**GUEST, "body": "First."})
        response = client.post(
            f"/articles/{article.slug}/comments", data={**GUEST, "body": "My second, careful thought."}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        assert "You are posting faster than the site allows" in html and "My second, careful thought." in html


def test_rate_limits_switch_off_for_load_tests(app_with, make_article):
    with app_with(RATELIMIT_ENABLED=False, COMMENT_LIMIT_PER_NETWORK="1 per minute") as app:
        article = make_article()
        client = app.test_client()
        url = f"/api/v1/articles/{article.slug}/comments"
        assert [client.post(url, json={**GUEST, "body": f"N{n}."}).status_code for n in range(3)] == [201, 201, 201]


def test_the_classifier_catches_obvious_spam_through_the_api_and_passes_ordinary_comments(app, client, make_article):
    app.config["SPAM_CLASSIFIER_ENABLED"] = True
    app.config["SPAM_CLASSIFIER_MIN_DECISIONS"] = 0  # a site whose moderators have taught the filter enough
    article = make_article()
    url = f"/api/v1/articles/{article.slug}/comments"
    spam = client.post(url, json={**GUEST, "body": "Hey guys check out my channel and subscribe!!! Free gift cards"})
    assert spam.status_code == 202 and spam.get_json()["status"] == "pending"  # never "spam" to the writer
    ham = client.post(
        url,
        json={"name": "Reader", "email": "reader@example.org", "body": "Does the deadline differ for oral agreements?"},
    )
    assert ham.status_code == 201
    caught = db.session.get(Comment, spam.get_json()["comment"]["id"])
    assert caught.status is CommentStatus.spam and caught.spam_score >= 0.99
    assert [reason["code"] for reason in caught.reasons] == ["classifier"]


def test_on_a_new_site_the_classifier_only_holds_even_obvious_spam(app, client, make_article):
    app.config["SPAM_CLASSIFIER_ENABLED"] = True
    article = make_article()
    url = f"/api/v1/articles/{article.slug}/comments"
    spam = client.post(url, json={**GUEST, "body": "Hey guys check out my channel and subscribe!!! Free gift cards"})
    assert spam.status_code == 202 and spam.get_json()["status"] == "pending"
    held = db.session.get(Comment, spam.get_json()["comment"]["id"])
    assert held.status is CommentStatus.pending and held.spam_score >= 0.99
    (reason,) = held.reasons
    assert (reason["code"], reason["action"]) == ("classifier", "hold")
    assert "Held, not caught" in reason["message"] and "(so far 0)" in reason["message"]


def test_spam_explain_prints_every_signal_and_the_verdict(app, runner):
    app.config["SPAM_CLASSIFIER_ENABLED"] = True
    app.config["SPAM_CLASSIFIER_MIN_DECISIONS"] = 0
    app.config["SPAM_CLASSIFIER_SPAM_AT"] = 0.9
    result = runner.invoke(
        args=["spam", "explain", "Check out my channel https://a.example https://b.example https://a.example/c now"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    codes = [line.split()[1] for line in lines[:-1]]
    assert codes == [
        "honeypot",
        "timing",
        "duplicate",
        "banned_sender",
        "hold_all",
        "new_commenter",
        "often_rejected",
        "links",
        "link_farm",
        "shortener",
        "name",
        "blocked_words",
        "moderation_words",
        "classifier",
        "akismet",
    ]
    assert lines[codes.index("links")].startswith("hold")
    assert lines[codes.index("classifier")].startswith("spam")
    assert lines[-1] == "verdict: spam"
    assert db.session.scalar(select(func.count(Comment.id))) == 0
