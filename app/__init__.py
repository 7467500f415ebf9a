"""The application factory: a table of contents of register_* steps."""
from flask import Flask

from app.config import CONFIGS, database_url_from_env, secret_key_from
from app import extensions


def create_app(config: str | dict | None = None) -> Flask:
    """Build the app. `config` is an environment name or a mapping of settings to apply last."""
    instance_path = config.get("INSTANCE_PATH") if isinstance(config, dict) else None
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    register_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_templates(app)
    register_cli(app)
    register_spam_learning()
    return app


def register_config(app: Flask, config: str | dict | None) -> None:
    """Class defaults, then the environment (DATABASE_URL, SECRET_KEY, AFTERWORD_*), then explicit overrides."""
    import os

    overrides = config if isinstance(config, dict) else {}
    name = config if isinstance(config, str) else overrides.get("ENV_NAME") or os.environ.get("AFTERWORD_ENV", "development")
    if name not in CONFIGS:
        raise ValueError(f"AFTERWORD_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    app.config.from_object(CONFIGS[name])
    if "SQLALCHEMY_DATABASE_URI" not in overrides:
        default = f"sqlite:///{os.path.join(app.instance_path, 'afterword.sqlite3')}"
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(default)
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.from_prefixed_env("AFTERWORD")
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key_from(app.instance_path)
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=app.config["PROXY_FIX_X_PROTO"])


def register_extensions(app: Flask) -> None:
    """Bind the module-level extensions to this app."""
    from app import models  # noqa: F401  (registers the models with SQLAlchemy)
    from app.services.accounts import user_for_session

    login_manager = extensions.login_manager
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db)
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


def register_blueprints(app: Flask) -> None:
    """The areas of the site, one blueprint each."""
    from app.admin import bp as admin_bp
    from app.api import blueprints as api_blueprints
    from app.articles import bp as articles_bp
    from app.auth import bp as auth_bp
    from app.authoring import bp as authoring_bp
    from app.comments import bp as comments_bp
    from app.corrections import bp as corrections_bp
    from app.moderation import bp as moderation_bp

    app.register_blueprint(articles_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(corrections_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(admin_bp)
    for blueprint in api_blueprints:
        extensions.csrf.exempt(blueprint)
        extensions.api.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    """JSON errors under /api/, pages elsewhere (after flask-smorest, so these win)."""
    from app.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """CSP, nosniff, referrer policy and framing rules on every response."""
    from app.security import register

    register(app)


def register_templates(app: Flask) -> None:
    """Filters and globals the templates share."""
    from app.templating import register

    register(app)


def register_spam_learning() -> None:
    """Connect what learns from moderators' spam decisions (the classifier, Akismet reports) to the signal."""
    from app.services.spam import akismet  # noqa: F401  (connects its receiver on import)
    from app.services.spam import classifier  # noqa: F401  (learns and unlearns on import)


def register_cli(app: Flask) -> None:
    """`flask seed-demo`, `flask user ...`."""
    from app.cli import register

    register(app)
