"""Registration, sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
