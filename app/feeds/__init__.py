"""Atom feeds of new articles and of public comments, site-wide and per article (the notes' feeds are with the
corrections)."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)
