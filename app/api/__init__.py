"""The JSON API, /api/v1: blueprints built with flask-smorest so the OpenAPI document comes from the schemas."""

from app.api.articles import blp as articles_blp
from app.api.comments import blp as comments_blp
from app.api.corrections import blp as corrections_blp
from app.api.moderation import blp as moderation_blp
from app.api.people import blp as people_blp
from app.api.threads import blp as threads_blp

blueprints = [articles_blp, comments_blp, corrections_blp, moderation_blp, people_blp, threads_blp]
