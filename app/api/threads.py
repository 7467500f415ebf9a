"""/api/v1/threads: what index pages of a registered site ask about their discussions (docs/embed.md).

Answered to the browsers of the site's own origins only (CORS): the request's Origin names the site."""

from flask import abort, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.errors import documented_errors
from app.api.schemas import ThreadCountsQuerySchema, ThreadCountsSchema
from app.services import sites

blp = Blueprint("api_threads", __name__, url_prefix="/api/v1", description="Embedded discussions")
_errors = documented_errors(blp)


@blp.after_request
def allow_site_origin(response):
    """Let the registered origin that asked read the answer; no other origin gets the header."""
    origin = g.get("cors_origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
    response.vary.add("Origin")
    return response


@blp.route("/threads/counts")
class ThreadCounts(MethodView):
    @blp.arguments(ThreadCountsQuerySchema, location="query")
    @blp.response(200, ThreadCountsSchema)
    @_errors(403, 404, 422)
    def get(self, query):
        """Published comments of threads of one site, by key: `?id=…&id=…` (at most 50)."""
        asking = request.headers.get("Origin")
        site = sites.site_for_origin(sites.origin_of(asking or query["site"]))
        if site is None:
            if asking:
                abort(403, description=f"{asking} is not a registered site's origin.")
            abort(404, description="Name a registered site's origin as `site`, e.g. ?site=https://blog.example.")
        if asking:
            g.cors_origin = sites.origin_of(asking)
        return {"counts": sites.thread_counts(site, query["id"])}
