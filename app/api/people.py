"""/api/v1/people/<id>: a person's public page as JSON (the same data as /people/<id>)."""

from flask import abort, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.auth import require_json_body
from app.api.comments import avatar_data
from app.api.errors import documented_errors
from app.api.schemas import PageQuerySchema, PersonSchema
from app.extensions import db
from app.services import profiles
from app.web import account_avatar

blp = Blueprint("api_people", __name__, url_prefix="/api/v1", description="People")
blp.before_request(require_json_body)
errors = documented_errors(blp)


@blp.route("/people/<int:user_id>")
class Person(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, PersonSchema)
    @errors(404, 422)
    def get(self, query, user_id):
        """An account's public data: name, badge, month joined, avatar, its public comments (newest first,
        paginated) and the newest notes it signed. 404 for a deactivated or deleted account."""
        user = profiles.public_account(user_id)
        if user is None:
            abort(404)
        page = db.paginate(profiles.comments_by(user), page=query["page"], per_page=query["per_page"], error_out=False)
        signed = profiles.notes_by(user)
        return {
            "id": user.id,
            "name": user.name,
            "badge": profiles.role_badge(user),
            "member_since": user.created_at.strftime("%Y-%m"),
            "avatar": avatar_data(account_avatar(user)),
            "comment_count": page.total,
            "comments": [
                {
                    "id": comment.id,
                    "article": comment.article,
                    "body_html": comment.body_html,
                    "created_at": comment.created_at,
                    "url": url_for("comments.permalink", comment_id=comment.id),
                }
                for comment in page.items
            ],
            "next_page": page.next_num if page.has_next else None,
            "note_count": signed.total,
            "notes": signed.notes,
        }
