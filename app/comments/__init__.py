"""Reader comments on the site's pages: post, reply, edit, delete, close."""

from flask import Blueprint

bp = Blueprint("comments", __name__)
