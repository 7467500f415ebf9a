"""/api/v1/articles: list, read, create and edit articles."""

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.auth import api_user, require_json_body
from app.api.errors import documented_errors
from app.api.schemas import (
    ArticleEnvelopeSchema,
    ArticleListSchema,
    ArticlePatchSchema,
    ArticleWriteSchema,
    PageQuerySchema,
    RevisionListSchema,
)
from app.extensions import db
from app.services import articles as article_service
from app.services.permissions import can_edit_article, can_write_articles

blp = Blueprint("api_articles", __name__, url_prefix="/api/v1", description="Articles")
blp.before_request(require_json_body)

_errors = documented_errors(blp)


def _guest(data: dict):
    guest = data.get("guest_author")
    return article_service.GuestAuthor(guest["name"], guest.get("bio", "")) if guest else None


@blp.route("/articles")
class Articles(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ArticleListSchema)
    def get(self, query):
        """Published articles, newest first."""
        page = db.paginate(
            article_service.published_articles(), page=query["page"], per_page=query["per_page"], error_out=False
        )
        return {"articles": page.items, "next_page": page.next_num if page.has_next else None}

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(ArticleWriteSchema)
    @blp.response(201, ArticleEnvelopeSchema)
    @_errors(400, 401, 403, 409, 413, 415, 422)
    def post(self, data):
        """Create an article (authors and admins)."""
        user = api_user()
        if user is None:
            abort(401)
        if not can_write_articles(user):
            abort(403, description="Only authors and admins write articles.")
        article = article_service.create_article(
            user,
            data["title"],
            data["body"],
            published=data["published"],
            guest_author=_guest(data),
            slug=data.get("slug"),
        )
        return {"article": article}


@blp.route("/articles/<slug>")
class ArticleItem(MethodView):
    @blp.response(200, ArticleEnvelopeSchema)
    @_errors(404)
    def get(self, slug):
        """One article with its rendered body; drafts only to those who may edit them."""
        article = article_service.visible_article(slug, api_user())
        if article is None:
            abort(404)
        return {"article": article}

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(ArticlePatchSchema)
    @blp.response(200, ArticleEnvelopeSchema)
    @_errors(400, 401, 403, 404, 413, 415, 422)
    def patch(self, data, slug):
        """Change any of title, body, published, guest_author (the article's author or an admin)."""
        user = api_user()
        if user is None:
            abort(401)
        article = article_service.visible_article(slug, user)
        if article is None:
            abort(404)
        if not can_edit_article(user, article):
            abort(403, description="Only the article's author or an admin may edit it.")
        changes = {key: data[key] for key in ("title", "body", "published") if key in data}
        if "guest_author" in data:
            changes["guest_author"] = _guest(data)
        article_service.update_article(article, editor=user, **changes)
        return {"article": article}


@blp.route("/articles/<slug>/revisions")
class ArticleRevisions(MethodView):
    @blp.response(200, RevisionListSchema)
    @_errors(404)
    def get(self, slug):
        """The article's published versions, oldest first."""
        article = article_service.visible_article(slug, api_user())
        if article is None:
            abort(404)
        return {"revisions": article_service.revisions_of(article)}
