"""People's public pages: what every reader may see of an account, at /people/<id>."""

from flask import Blueprint

bp = Blueprint("people", __name__)
