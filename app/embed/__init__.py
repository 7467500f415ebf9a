"""Discussions on pages elsewhere: the embed script, the page it frames, and the no-script link (docs/embed.md)."""

from flask import Blueprint

bp = Blueprint("embed", __name__)
