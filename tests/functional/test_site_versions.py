"""What each process keeps in memory between requests (services.site_versions, models.site_state): the rules built
from the settings, the staff's names, the bans and the spam model. A change made through one process is obeyed by
every other at its next request; a change rolled back is never kept. And posting costs a fixed number of queries,
however many comments the writer has written before.

Two apps on one database stand for two worker processes (the `workers` fixture); the first one's context is the
one the services below run in.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentStatus, Setting
from app.models.site_state import SETTINGS
from app.services import accounts, moderation
from app.services.articles import create_article
from app.services.settings import update_settings
from app.services.site_versions import remembered
from app.services.spam.model import LinearModel
from app.services.spam.storage import current_model, save_version
from app.web import rules
from tests.conftest import PASSWORD


def _user(role: str, name: str):
    return accounts.create_user(
        f"{name.split()[0].lower()}@example.org", name, PASSWORD, role, hash_method="pbkdf2:sha256:1000", min_length=8
    )


def _post(client, slug: str, body: str, name: str = "Gail Guest", email: str = "gail@example.org"):
    return client.post(f"/api/v1/articles/{slug}/comments", json={"name": name, "email": email, "body": body})


def _article(title: str = "Kept in memory"):
    return create_article(_user("author", "Ada Author"), title, "One.\n\nTwo.", published=True).slug


def test_a_setting_changed_through_one_worker_rules_the_others_next_post(workers):
    first, second = workers
    slug = _article()
    reader = second.test_client()
    assert _post(reader, slug, "Before the change.").status_code == 201  # the second worker now keeps the rules
    update_settings({"hold_all": True}, _user("admin", "Adam Admin"))
    held = _post(reader, slug, "After the change.")
    assert held.status_code == 202 and held.get_json()["status"] == "pending"
    update_settings({"hold_all": False}, None)
    assert _post(reader, slug, "Back to normal.").status_code == 201


def test_a_new_staff_members_name_is_refused_by_the_other_worker(workers):
    first, second = workers
    slug = _article()
    reader = second.test_client()
    assert _post(reader, slug, "I am a reader.", name="Nadia Reader").status_code == 201
    _user("moderator", "Nadia Okafor")
    refused = _post(reader, slug, "I pass for a moderator.", name="Nadia Okafor", email="nadia@example.net")
    assert refused.status_code == 422, refused.get_json()
    assert "staff" in refused.get_json()["error"]["fields"]["name"]


def test_a_ban_made_through_one_worker_catches_the_senders_next_post_on_the_other(workers):
    first, second = workers
    slug = _article()
    reader = second.test_client()
    assert _post(reader, slug, "Fine so far.").status_code == 201
    ban, _ = moderation.create_ban("email", "gail@example.org", "spam run", _user("moderator", "Mo Moderator"))
    caught = _post(reader, slug, "Caught now.")
    assert caught.status_code == 202
    status = db.session.scalar(select(Comment.status).where(Comment.id == caught.get_json()["comment"]["id"]))
    assert status is CommentStatus.spam
    moderation.lift_ban(ban, _user("moderator", "Max Moderator"))
    assert _post(reader, slug, "Free again.").status_code == 201


def test_a_model_saved_by_one_worker_scores_on_the_other(workers):
    first, second = workers
    with second.app_context():
        assert current_model()[0] == 0
    model = LinearModel()
    model.decisions = 7
    version = save_version(model, "retrain", "a test version")
    db.session.commit()
    with second.app_context():
        newest, loaded = current_model()
        assert (newest, loaded.decisions) == (version, 7)


def test_what_a_request_builds_from_a_change_rolled_back_is_not_kept(app):
    with app.test_request_context():
        assert rules().hold_all is False
    with app.test_request_context():
        db.session.add(Setting(key="hold_all", value=True))
        db.session.flush()  # the settings' version is one up, in this transaction only
        assert remembered(SETTINGS, lambda: "from the change") == "from the change"
        db.session.rollback()
    # Another change takes the same version number, committed this time: what was built from the rolled-back
    # change must not pass for it.
    update_settings({"link_limit": 5}, None)
    with app.test_request_context():
        assert remembered(SETTINGS, lambda: "from the committed change") == "from the committed change"
        assert rules().hold_all is False and rules().link_limit == 5


def test_a_guest_post_costs_the_same_queries_for_the_first_and_the_fortieth_comment(app, count_queries):
    slug = _article()
    client = app.test_client()
    costs = []
    for number in range(40):
        with count_queries() as counted:
            assert _post(client, slug, f"Comment number {number} on this article.").status_code == 201
        costs.append(counted.n)
    # The article, the site's versions, the duplicate check, the writer's history, two inserts, and one update of
    # the article (its discussion version and comment count): nothing reads the writer's earlier comments one by one.
    assert costs[-1] == costs[5] <= 7, costs
    assert costs[0] <= 12, costs  # the first post also builds what the process keeps


def test_the_duplicate_check_follows_edits(app):
    slug = _article()
    client = app.test_client()
    posted = _post(client, slug, "The first version.")
    token = posted.get_json()["edit_token"]
    edited = client.patch(
        f"/api/v1/comments/{posted.get_json()['comment']['id']}",
        json={"body": "The second version."},
        headers={"X-Edit-Token": token},
    )
    assert edited.status_code == 200, edited.get_json()
    assert _post(client, slug, "The first version.").status_code == 201  # no longer said
    again = _post(client, slug, "the  SECOND version.")  # the same words, folded
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
