"""The public index and article pages."""

from flask import abort, current_app, render_template, request, send_from_directory
from flask_login import current_user

from app.articles import bp
from app.articles.page import article_page_response
from app.extensions import db
from app.services.articles import published_articles, revisions_of, visible_article
from app.services.diff import body_diff, word_diff
from app.services.notes import corrections_by_article, notes_for, timeline
from app.services.settings import site_description

# The icon's address never changes, so caches keep it a week and then ask again (its ETag answers 304).
ICON_MAX_AGE = 7 * 86400


@bp.route("/favicon.ico")
def favicon():
    """The site's icon where browsers look for it without being told (static/favicon.ico)."""
    response = send_from_directory(
        current_app.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=ICON_MAX_AGE
    )
    response.cache_control.public = True
    return response


@bp.route("/")
def index():
    """Published articles, newest first, each with its excerpt, byline, comment count and corrections, under the
    site's description (the discussions of other sites' pages live on those pages)."""
    page = db.paginate(
        published_articles(hosted_only=True), per_page=current_app.config["ARTICLES_PER_PAGE"], error_out=False
    )
    return render_template(
        "articles/index.html",
        page=page,
        corrections=corrections_by_article(article.id for article in page.items),
        description=site_description(current_app.config),
    )


@bp.route("/articles/<slug>")
def show(slug: str):
    """One article; a draft is a 404 to everyone but those who may edit it."""
    article = visible_article(slug, current_user)
    if article is None:
        abort(404)
    return article_page_response(article)


@bp.route("/articles/<slug>/history")
def history(slug: str):
    """The article's published versions, newest first, and what changed between one of them and the next."""
    article = visible_article(slug, current_user)
    if article is None:
        abort(404)
    revisions = revisions_of(article)
    compare = None
    chosen = request.args.get("from", type=int)
    ids = [revision.id for revision in revisions]
    if chosen is not None:
        if chosen not in ids[:-1]:
            abort(404)
        old, new = revisions[ids.index(chosen)], revisions[ids.index(chosen) + 1]
        compare = {
            "old": old,
            "new": new,
            "title": word_diff(old.title, new.title),
            "body": body_diff(old.body, new.body),
        }
    notes = notes_for(article)
    return render_template(
        "articles/history.html",
        article=article,
        revisions=revisions,
        timeline=timeline(revisions, notes),
        notes=notes,
        ids=ids,
        compare=compare,
    )
