"""Property-based tests over the OpenAPI document (schemathesis, through the app's WSGI interface).

Every operation in /api/v1/openapi.json is sent requests generated from its schemas, signed in as an admin (who
may write articles, notes and bans and moderate everything), against a site with an article, comments, a note and
a correction request, so the writer and moderator operations do their work rather than answer 401. Each response
must: not be a server error; have a status the document lists for the operation, with a body that matches the
documented schema; and not refuse, with 400 or 422, a request the document calls valid, unless the refusal names
a rule the document states in words because no schema can: an id that must name an existing row, a network too
wide without confirm_wide, or a state such as a comment already approved.

Examples are bounded and derandomised (the same requests on every run), so the run takes about a minute.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.services.correction_requests import Requester, request_correction
from tests.conftest import make_app
from tests.factories import OPEN, make_comment, make_note

MAX_EXAMPLES = 50
# Refusals that depend on what is stored, not on the request's shape: each is described in the operation's
# documentation (see docs/api.md). Field names as the API's 422 names them.
STATE_FIELDS = {"parent_id", "comment_id", "note_id", "user_id", "prompted_by", "paragraph", "expires_at"}
STATE_CODES = {"wide_network", "unchanged"}
# Publishing needs a body: a request that leaves the body out meets the body an earlier request stored.
STATE_MESSAGES = {
    "Write the article before publishing it.",
    "A published article needs a body; unpublish it first to empty it.",
}

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "mode": "positive",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # NUL is refused everywhere, as docs/api.md says: no schema keyword can say it for every string.
            "allow-x00": False,
        },
    }
)


def _document() -> dict:
    """The OpenAPI document as the app serves it (rendering it reads no database)."""
    return make_app(SQLALCHEMY_DATABASE_URI="sqlite://").test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@pytest.fixture
def site(app, make_user, make_article, token_for) -> dict:
    """An article with comments, a note and a correction request, and an admin's token for every request."""
    admin = make_user("admin", name="Ada Admin")
    article = make_article(author=admin, title="A published piece")
    comment = make_comment(article, "A first comment.")
    make_comment(article, "A reply.", parent=comment)
    note = make_note(article, admin, prompted_by=[comment.id])
    asked = request_correction(article, Requester(name="Rita", email="rita@example.org"), "The date is wrong.", OPEN)
    return {
        "app": app,
        "headers": token_for(admin),
        "slug": article.slug,
        "ids": {"comment_id": comment.id, "note_id": note.id, "request_id": asked.id},
    }


def _on_the_site(case, site: dict) -> None:
    """Point paths at the stored article, and at stored rows half the time, so bodies meet real resources."""
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = site["slug"]
    for name, stored in site["ids"].items():
        if name in params and int(params[name]) % 2 == 0:
            params[name] = stored


def _refused_for_state(response) -> bool:
    if response.status_code != 422:
        return False
    error = response.json()["error"]
    fields = {name.split(".")[0] for name in error.get("fields", {})}
    return (
        error.get("code") in STATE_CODES
        or error.get("message") in STATE_MESSAGES
        or (bool(fields) and fields <= STATE_FIELDS)
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_the_promises_of_its_openapi_document(case, site):
    _on_the_site(case, site)
    response = case.call(app=site["app"], headers=site["headers"])
    checks = [
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.status_code_conformance,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance,
    ]
    if not _refused_for_state(response):
        checks.append(schemathesis.checks.positive_data_acceptance)
    case.validate_response(response, checks=checks, headers=site["headers"])


def test_the_document_states_the_rules_the_api_enforces(client):
    """The rules a schema-driven client once broke: empty title and body, unknown kind and reason, one ban target."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    props = {name: schema.get("properties", {}) for name, schema in schemas.items()}
    assert props["ArticleWrite"]["title"]["minLength"] == 1 and props["ArticleWrite"]["title"]["pattern"]
    assert props["CommentCreate"]["body"]["minLength"] == 1 and props["CommentCreate"]["body"]["pattern"]
    assert props["NoteCreate"]["body"]["minLength"] == 1
    assert props["NoteCreate"]["kind"]["enum"] == ["correction", "update", "clarification", "editors_note"]
    assert props["FlagCreate"]["reason"]["enum"] == ["spam", "abusive", "off_topic", "factual_error", "other"]
    assert "misinformation" in props["ModerationAction"]["reason"]["enum"]
    assert schemas["BanCreate"]["oneOf"] == [{"required": ["email"]}, {"required": ["user_id"]}, {"required": ["ip"]}]
    assert props["BanCreate"]["reason"]["minLength"] == 1
    assert props["CommentCreate"]["parent_id"]["maximum"] == 2**31 - 1
    # A nullable byline is the byline or null, not any object at all.
    assert {"type": "object", "nullable": True, "enum": [None]} in props["ArticleWrite"]["guest_author"]["anyOf"]
