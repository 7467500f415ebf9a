"""The application factory: a table of contents of register_* steps."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import after_answer, caching, errors, extensions, guards, models, security, templating, web
from app.admin import routes as admin_views
from app.api import blueprints as api_blueprints
from app.articles import routes as article_views
from app.auth import account as account_views
from app.auth import my_data as my_data_views
from app.auth import routes as auth_views
from app.authoring import routes as authoring_views
from app.comments import routes as comment_views
from app.config import (
    CONFIGS,
    MAIL_OFF,
    database_url_from_env,
    default_sender,
    mail_is_off,
    mail_settings_problem,
    secret_key_from,
)
from app.corrections import routes as correction_views
from app.embed import routes as embed_views
from app.feeds import routes as feed_views
from app.moderation import routes as moderation_views
from app.people import routes as people_views
from app.services import outbox, tasks
from app.services import staff_mail as staff_mail_service  # app.staff_mail is the area's blueprint
from app.services import subscriptions as subscription_service  # app.subscriptions is the views' package
from app.services.accounts import user_for_session
from app.services.signals import (
    comment_published,
    comment_waits,
    correction_requested,
    spam_decision,
    verdict_undone,
)
from app.services.spam import akismet, learning
from app.staff_mail import routes as staff_mail_views
from app.subscriptions import routes as subscription_views

# The view modules of each area; importing one attaches its routes to its area's blueprint (`views.bp`).
VIEWS = (
    article_views,
    auth_views,
    account_views,
    my_data_views,
    authoring_views,
    comment_views,
    correction_views,
    embed_views,
    feed_views,
    moderation_views,
    people_views,
    admin_views,
    staff_mail_views,
    subscription_views,
)


# Settings read from the environment as text, never parsed as JSON.
TEXT_SETTINGS = ("BASE_URL", "MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "MAIL_FILE_PATH")


def create_app(config: str | dict | None = None, *, commands: bool = True) -> Flask:
    """Build the app. `config` is an environment name or a mapping of settings to apply last.

    `commands=False` leaves out the `flask` command's groups and what only they use: `flask db` with Alembic
    (some 11 MiB), the importers and exports with lxml and ijson, the demo data, the spam evaluation (some 6 MiB
    more). A web server's worker never runs them (wsgi.py, when gunicorn loads it)."""
    instance_path = config.get("INSTANCE_PATH") if isinstance(config, dict) else None
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    register_config(app, config)
    register_request_guards(app)
    register_extensions(app)
    if commands:
        register_migrations(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_templates(app)
    if commands:
        register_cli(app)
    register_signal_receivers()
    register_tasks(app)
    return app


def register_config(app: Flask, config: str | dict | None) -> None:
    """Class defaults, then the environment (DATABASE_URL, SECRET_KEY, AFTERWORD_*), then explicit overrides."""
    overrides = config if isinstance(config, dict) else {}
    name = (
        config
        if isinstance(config, str)
        else overrides.get("ENV_NAME") or os.environ.get("AFTERWORD_ENV", "development")
    )
    if name not in CONFIGS:
        raise ValueError(f"AFTERWORD_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    app.config.from_object(CONFIGS[name])
    if "SQLALCHEMY_DATABASE_URI" not in overrides:
        default = f"sqlite:///{os.path.join(app.instance_path, 'afterword.sqlite3')}"
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(default)
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.from_prefixed_env("AFTERWORD")
    for name in TEXT_SETTINGS:  # as written: a password of digits or "true" must not become a number or a boolean
        if f"AFTERWORD_{name}" in os.environ:
            app.config[name] = os.environ[f"AFTERWORD_{name}"]
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key_from(app.instance_path)
    problem = mail_settings_problem(
        app.config, mail_server_given="AFTERWORD_MAIL_SERVER" in os.environ or "MAIL_SERVER" in overrides
    )
    if problem:
        raise ValueError(problem)
    if mail_is_off(app.config):
        app.logger.error(MAIL_OFF)
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    app.config["MAIL_FILE_PATH"] = app.config["MAIL_FILE_PATH"] or os.path.join(app.instance_path, "mail")
    if not app.config["MAIL_DEFAULT_SENDER"]:
        app.config["MAIL_DEFAULT_SENDER"] = default_sender(app.config["SITE_NAME"], app.config["BASE_URL"])
    if app.config["EMBED_CROSS_SITE"]:
        # Framed by other sites' pages: cookies that still reach the frame, each embedding site its own jar.
        app.config.update(SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=True, SESSION_COOKIE_PARTITIONED=True)
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=app.config["PROXY_FIX_X_PROTO"]
        )


def register_request_guards(app: Flask) -> None:
    """Ids a database can hold in every route, and no request a database would store differently (NUL, unpaired
    surrogates, JSON nested without end, chunked bodies over the limit): before the routes and the extensions."""
    guards.register(app)


def register_extensions(app: Flask) -> None:
    """Bind the module-level extensions to this app."""
    login_manager = extensions.login_manager
    extensions.db.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(user_for_session)
    # The package app.api would shadow a module-level name `api` here, hence extensions.api.
    extensions.api.init_app(app)
    extensions.api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    caching.init_app(app)


def register_migrations(app: Flask) -> None:
    """`flask db ...` (Flask-Migrate, Alembic), with the models' renderer for custom column types."""
    from flask_migrate import Migrate  # noqa: PLC0415 (only where commands may run: see create_app)

    migrate = Migrate(render_as_batch=True, compare_type=True)
    migrate.init_app(app, extensions.db, render_item=models.types.render_migration_type)


def register_blueprints(app: Flask) -> None:
    """The areas of the site, one blueprint each."""
    for blueprint in dict.fromkeys(views.bp for views in VIEWS):  # auth's two view modules share one
        app.register_blueprint(blueprint)
    for blueprint in api_blueprints:
        extensions.csrf.exempt(blueprint)
        extensions.api.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    """JSON errors under /api/, pages elsewhere (after flask-smorest, so these win)."""
    errors.register(app)


def register_security_headers(app: Flask) -> None:
    """CSP, nosniff, referrer policy and framing rules on every response; pictures from Gravatar's host only when
    the request's rules turn them on."""
    security.register(app, image_sources=web.image_sources)


def register_templates(app: Flask) -> None:
    """Filters and globals the templates share; writers' avatars need the request's rules (app/web.py)."""
    templating.register(app)
    app.add_template_global(web.comment_avatar, "comment_avatar")
    app.add_template_global(web.account_avatar, "account_avatar")


def register_cli(app: Flask) -> None:
    """`flask seed-demo`, `flask user ...`, `flask spam ...`, `flask import ...`, `flask export ...`, ..."""
    from app import cli  # noqa: PLC0415 (only where commands may run: see create_app)

    cli.register(app)


def register_signal_receivers() -> None:
    """Connect what learns from moderators' spam decisions: the classifier's counts and Akismet's reports
    (each queues a task, run after the answer); staff mail, told of comments waiting and correction requests;
    and what tells readers of a comment made public (reply mail and thread subscriptions).

    Signals are process-wide, so this runs for every app made and connects each receiver once (blinker
    keeps one connection per receiver); strong references, since the receivers are module functions.
    """
    spam_decision.connect(learning.on_spam_decision, weak=False)
    spam_decision.connect(akismet.on_spam_decision, weak=False)
    verdict_undone.connect(learning.on_verdict_undone, weak=False)
    comment_waits.connect(staff_mail_service.on_comment_waits, weak=False)
    correction_requested.connect(staff_mail_service.on_correction_requested, weak=False)
    comment_published.connect(subscription_service.on_comment_published, weak=False)


def register_tasks(app: Flask) -> None:
    """The handlers of the tasks queued for after the answer, and the hook that runs them once it is sent."""
    tasks.handles(learning.LEARN_TASK, learning.learn_from_task)
    tasks.handles(akismet.REPORT_TASK, akismet.report_from_task)
    tasks.handles(outbox.DELIVER_TASK, outbox.deliver_from_task)
    tasks.handles(staff_mail_service.WAITING_TASK, staff_mail_service.waiting_from_task)
    tasks.handles(staff_mail_service.SEND_TASK, staff_mail_service.send_from_task)
    tasks.handles(staff_mail_service.DIGEST_TASK, staff_mail_service.digest_from_task)
    problem = staff_mail_service.digest_time_problem(app.config)  # the digest task's time of day, checked at start-up
    if problem:
        raise ValueError(problem)
    tasks.handles(subscription_service.NOTIFY_TASK, subscription_service.notify_from_task)
    tasks.handles(subscription_service.DIGEST_TASK, subscription_service.digest_from_task)
    after_answer.init_app(app)
