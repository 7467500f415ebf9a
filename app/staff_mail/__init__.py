"""Pages behind the links in staff mail: confirming a moderator's mailed action, unsubscribing, and the form
where staff choose their mail."""

from flask import Blueprint

bp = Blueprint("staff_mail", __name__, url_prefix="/staff-mail")
