"""Writing articles through the site. Each action is one service call."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.authoring import bp
from app.authoring.forms import ArticleForm
from app.extensions import db
from app.services import articles as article_service
from app.services.errors import ServiceError
from app.services.markdown import render_article
from app.services.permissions import can_edit_article, can_write_articles

ACTIONS = {"preview", "save", "publish", "unpublish"}


def _require_writer() -> None:
    if not can_write_articles(current_user):
        abort(403)


def _editable_article(slug: str):
    """The article if the current user may edit it: 404 when they may not even see it, 403 otherwise."""
    article = article_service.find_article(slug)
    if article is None or not article_service.visible_article(slug, current_user):
        abort(404)
    if not can_edit_article(current_user, article):
        abort(403)
    return article


def _guest(form: ArticleForm) -> article_service.GuestAuthor:
    return article_service.GuestAuthor(form.guest_author_name.data or "", form.guest_author_bio.data or "")


def _attach(form: ArticleForm, error: ServiceError) -> None:
    field = {"guest_author.name": "guest_author_name", "guest_author.bio": "guest_author_bio"}.get(
        error.field, error.field
    )
    target = getattr(form, field or "", None)
    (target.errors if target is not None else form.form_errors).append(error.message)


@bp.route("/articles")
@login_required
def dashboard():
    """The current author's articles, drafts first in line."""
    _require_writer()
    mine = db.session.scalars(article_service.articles_by(current_user)).all()
    return render_template("authoring/dashboard.html", articles=mine)


def _form_page(form: ArticleForm, article, save):
    """The flow new and edit share: Preview renders the body; any other action calls save(action)."""
    action = request.form.get("action", "save")
    preview = None
    if form.validate_on_submit() and action in ACTIONS:
        if action == "preview":
            preview = render_article(form.body.data or "").html
        else:
            try:
                return save(action)
            except ServiceError as error:
                _attach(form, error)
    return render_template("authoring/edit.html", form=form, article=article, preview=preview)


@bp.route("/articles/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a new article: preview, save as a draft, or publish."""
    _require_writer()
    form = ArticleForm()

    def save(action: str):
        article = article_service.create_article(
            current_user,
            form.title.data,
            form.body.data,
            published=action == "publish",
            guest_author=_guest(form),
            slug=form.slug.data or None,
        )
        flash("Published." if article.is_published else "Draft saved.", "success")
        return redirect(url_for("articles.show", slug=article.slug))

    return _form_page(form, None, save)


@bp.route("/articles/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit an article; its author or an admin only."""
    article = _editable_article(slug)
    form = ArticleForm(obj=article)

    def save(action: str):
        published = {"publish": True, "unpublish": False}.get(action, article.is_published)
        article_service.update_article(
            article,
            title=form.title.data,
            body=form.body.data,
            guest_author=_guest(form),
            published=published,
            editor=current_user,
        )
        messages = {"publish": "Published.", "unpublish": "Unpublished: the article is a draft again."}
        flash(messages.get(action, "Changes saved."), "success")
        return redirect(url_for("articles.show", slug=article.slug))

    return _form_page(form, article, save)
