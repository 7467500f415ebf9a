"""Site administration: accounts and roles."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
