"""The public index and article pages."""
from flask import abort, current_app, render_template
from flask_login import current_user

from app.articles import bp
from app.comments.routes import render_article_page
from app.extensions import db
from app.services.articles import published_articles, visible_article


@bp.route("/")
def index():
    """Published articles, newest first."""
    page = db.paginate(published_articles(), per_page=current_app.config["ARTICLES_PER_PAGE"], error_out=False)
    return render_template("articles/index.html", page=page)


@bp.route("/articles/<slug>")
def show(slug: str):
    """One article; a draft is a 404 to everyone but those who may edit it."""
    article = visible_article(slug, current_user)
    if article is None:
        abort(404)
    return render_article_page(article)

