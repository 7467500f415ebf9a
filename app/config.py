"""Configuration classes. Every setting can be overridden as AFTERWORD_<NAME> in the environment."""

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def database_url_from_env(default: str) -> str:
    """Read DATABASE_URL and point PostgreSQL URLs at the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL") or default
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Map postgres:// and postgresql:// to SQLAlchemy's psycopg 3 dialect."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key_from(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions; O_EXCL keeps two starting processes from racing.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


# Rate-limit storages whose counters live inside one process: with several processes each keeps its own.
PER_PROCESS_STORAGES = ("memory",)


def per_process_limits_problem(storage_uri: str, enabled: bool, workers: int) -> str | None:
    """Why a server of `workers` processes must not start with this rate-limit storage, or None when it may.

    With counters kept in each process, four workers allow four times every limit: a password guesser gets
    20 tries a minute instead of 5. gunicorn.conf.py asks this before starting any worker.
    """
    scheme = storage_uri.partition("://")[0].lower()
    if not enabled or workers <= 1 or scheme not in PER_PROCESS_STORAGES:
        return None
    return (
        f"AFTERWORD_RATELIMIT_STORAGE_URI is {storage_uri!r}, which keeps rate-limit counters inside each process, "
        f"so {workers} workers would allow {workers} times every limit (sign-in, registration, comments). "
        "Use database:// (the default: counters in the site's database, shared by every process) or "
        "redis://HOST:6379/0, or run a single worker."
    )


MAIL_BACKENDS = ("smtp", "file", "console")


def _flag(config: dict[str, Any], name: str) -> str | None:
    value = config.get(name)
    if isinstance(value, bool):
        return None
    return f"AFTERWORD_{name} must be true or false, not {value!r}."


MAIL_OFF = (
    "AFTERWORD_BASE_URL is not set, so mail is off: mail needs the site's address for its links. Messages are "
    "kept in the outbox unsent (`flask --app wsgi outbox list`). Set it to turn mail on, "
    "e.g. AFTERWORD_BASE_URL=https://comments.example.org"
)


def mail_is_off(config: dict[str, Any]) -> bool:
    """Mail is off while the site does not know its own address (production before AFTERWORD_BASE_URL is set):
    messages are written to the outbox and never sent. The factory says so at start-up."""
    return not config.get("BASE_URL")


def mail_settings_problem(config: dict[str, Any], mail_server_given: bool = False) -> str | None:
    """What is wrong with the settings mail needs, or None. The factory refuses to start with a problem, so a
    site never sends mail it cannot deliver or whose links lead nowhere.

    Without a BASE_URL mail is off (MAIL_OFF), which is no problem unless a mail server was named
    (`mail_server_given`): then the operator meant mail to go, and the start is refused."""
    base = str(config.get("BASE_URL") or "")
    if not base:
        if mail_server_given:
            return (
                "AFTERWORD_MAIL_SERVER is set but AFTERWORD_BASE_URL is not: mail needs the site's address for "
                "its links, e.g. AFTERWORD_BASE_URL=https://comments.example.org"
            )
        base = "http://localhost"  # the other mail settings are still checked
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        return (
            f"AFTERWORD_BASE_URL must be the site's address with http:// or https://, a host and at most a path, "
            f"e.g. https://comments.example.org, not {base!r}."
        )
    if config.get("MAIL_BACKEND") not in MAIL_BACKENDS:
        return f"AFTERWORD_MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not {config.get('MAIL_BACKEND')!r}."
    port = config.get("MAIL_PORT")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        return f"AFTERWORD_MAIL_PORT must be a port number (1 to 65535), not {port!r}."
    problem = _flag(config, "MAIL_USE_TLS") or _flag(config, "MAIL_USE_SSL")
    if problem:
        return problem
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        return (
            "Set only one of AFTERWORD_MAIL_USE_TLS (STARTTLS, usually port 587) and AFTERWORD_MAIL_USE_SSL "
            "(TLS from the start, usually port 465)."
        )
    return None


def mail_domain(base_url: str) -> str:
    """The domain of the site's mail (default sender, Message-IDs): the host of BASE_URL, or localhost for an IP
    address, which is no domain."""
    host = urlsplit(base_url).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return "localhost"


def default_sender(site_name: str, base_url: str) -> str:
    """`Site name <noreply@domain>` for the domain of BASE_URL."""
    return f"{site_name} <noreply@{mail_domain(base_url)}>"


class Config:
    """Defaults shared by every environment."""

    SITE_NAME = "Afterword"
    # What the site is about, in a sentence or two: the top of the home page and the articles feed's subtitle.
    # The default for the admin's setting of the same name (the settings page).
    SITE_DESCRIPTION = ""
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Accounts and sessions
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 10
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # tie the token to the session, not to a clock

    # Rate limits (Flask-Limiter). database:// keeps the counters in the site's own database, shared by every
    # worker process and machine (app/models/ratelimit.py); redis://HOST:6379/0 keeps them in Redis instead.
    # memory:// counts in each process: gunicorn.conf.py refuses it with more than one worker.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "database://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in attempts count as they arrive, so parallel guesses cannot slip past; a successful one is given back,
    # so only failures use the allowance. Once a limit is reached even the right password waits for the window
    # (app/auth/throttle.py). Per email address in any spelling, and per network.
    LOGIN_LIMIT_PER_NETWORK = "10 per minute;60 per hour"
    LOGIN_LIMIT_PER_EMAIL = "5 per minute;20 per hour"
    # Registration attempts, made or refused: a refusal tells whether an address has an account, so failures count.
    REGISTER_LIMIT_PER_NETWORK = "10 per hour"
    REGISTER_LIMIT_PER_EMAIL = "5 per hour"
    # Account self-service (docs/accounts.md). A password-reset link works once, for this many seconds; a link
    # confirming an address (a new account's, or the new one an account moves to) for this many.
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600
    # Reset requests count as they arrive, answered or not, per network and per address in any spelling: each
    # one mails a stranger's inbox when the address is someone else's.
    PASSWORD_RESET_LIMIT_PER_NETWORK = "10 per hour"
    PASSWORD_RESET_LIMIT_PER_EMAIL = "3 per hour"
    # A guest's link to their own data (/my-data, docs/accounts.md#your-data) works for this many hours; asking
    # for one counts like a reset request, answered or not, per network and per address in any spelling.
    MY_DATA_LINK_HOURS = 24
    MY_DATA_LIMIT_PER_NETWORK = "10 per hour"
    MY_DATA_LIMIT_PER_EMAIL = "3 per hour"
    # Confirmation mails an account asks for (sent again, or for a new address), per account.
    CONFIRMATION_LIMIT_PER_ACCOUNT = "3 per hour;10 per day"

    # Requests and content
    MAX_CONTENT_LENGTH = 1024 * 1024
    ARTICLES_PER_PAGE = 20
    PROFILE_COMMENTS_PER_PAGE = 20  # comments on one page of a person's public page (/people/<id>)

    # Comments
    COMMENT_MAX_LENGTH = 5000
    COMMENT_MAX_DEPTH = 5
    COMMENT_EDIT_WINDOW_MINUTES = 15
    COMMENTS_AUTO_CLOSE_DAYS = 0  # 0 keeps threads open for ever
    COMMENTS_PER_PAGE = 50  # top-level threads per page of an article's discussion
    # However long a thread grows, a page shows this many of its replies (the first ones written); a link
    # continues the thread on pages of its own, as many replies at a time. The API does the same.
    COMMENT_REPLIES_PER_PAGE = 50
    COMMENTS_PAGE_LIMIT = 300  # comments on one page of the discussion, threads and replies together
    API_COMMENTS_LIMIT = 2000  # comments in one API answer (threads and replies together)
    # Public thread readings, and article-page discussions as visitors see them, that each worker process keeps
    # until the discussion changes (app/caching.py): at most this many bytes per process, least recently read out
    # first; 0 prepares every reading afresh.
    THREAD_CACHE_BYTES = 32 * 1024 * 1024
    # Moderation defaults; admins override them on /moderation/settings (stored in the database).
    MODERATION_HOLD_ALL = False  # hold every new comment for a moderator
    MODERATION_HOLD_UNTIL_APPROVED = 1  # hold a commenter until this many of their comments were approved
    MODERATION_REJECTED_PERCENT = 30  # hold commenters whose recent comments were rejected this often...
    MODERATION_REJECTED_WINDOW_DAYS = 7  # ...over this many days...
    MODERATION_REJECTED_MIN_COMMENTS = 2  # ...once they have this many decided comments
    MODERATION_FLAG_THRESHOLD = 3  # distinct readers whose flags hide a comment for review
    # Gravatar pictures over writers' initials: each page view then sends Gravatar an unkeyed hash of every shown
    # writer's address (docs/configuration.md, "Avatars"); off, avatars are made here and nothing leaves the site.
    AVATARS_GRAVATAR = False

    # Spam checks (admins override most of them on /moderation/settings)
    SPAM_LINK_LIMIT = 3  # hold comments with this many links or more and little text of their own (0: off)
    SPAM_MIN_SECONDS = 3  # hold page-form comments sent faster than a person could write (0: off)
    SPAM_FORM_MAX_AGE_HOURS = 24  # a page form older than this must be reloaded
    SPAM_MODERATION_WORDS = ""  # one word or phrase per line: held
    SPAM_BLOCKED_WORDS = ""  # one word or phrase per line: caught as spam
    # Flood limits on new comments and correction requests; only accepted posts count against them.
    COMMENT_LIMIT_PER_EMAIL = "1 per 15 seconds;10 per hour"  # from one writer (account, API token, guest's email)
    # From one network (IPv4 /24, IPv6 /48). An office, a campus or a mobile carrier's shared addresses put many
    # readers behind one network, so this leaves room for ten writers at their own full pace in the same hour;
    # it is there to stop one sender who changes email addresses to get round the per-writer limit.
    COMMENT_LIMIT_PER_NETWORK = "10 per minute;100 per hour"

    # Akismet (optional; docs/akismet.md). With a key, each new comment is also checked by Akismet, a
    # third-party service that then receives the comment and its writer's IP address.
    AKISMET_KEY = ""  # the API key; empty: Akismet is never asked
    AKISMET_BLOG_URL = ""  # the site registered with the key; empty: SITE_URL, else the request's host
    AKISMET_BLOG_LANG = "en"  # the site's language, as the pages declare it
    AKISMET_API_URL = "https://rest.akismet.com"  # Akismet's endpoint; the tests point it at a fake
    AKISMET_TIMEOUT = 3  # seconds to wait; when Akismet is slower, the comment is held

    # Spam classifier (docs/spam.md): a linear model over words, spellings and signs of spam, learning from
    # moderators' spam decisions.
    SPAM_CLASSIFIER_ENABLED = True  # score new comments (it learns from decisions either way)
    SPAM_CLASSIFIER_BOOTSTRAP = True  # start from the shipped model; False: learn from this site alone
    SPAM_CLASSIFIER_SPAM_AT = 0.99  # caught as spam at this calibrated probability or above (see MIN_DECISIONS)...
    SPAM_CLASSIFIER_HOLD_AT = 0.8  # ...held for a moderator at this one or above
    # Until moderators have decided this many comments, content alone only holds, never catches as spam.
    SPAM_CLASSIFIER_MIN_DECISIONS = 50

    # Tasks (docs/operations.md): work done after the answer, kept in the database until done.
    TASKS_AFTER_ANSWER = 100  # a worker runs at most this many due tasks after answering a request that queued one
    TASKS_CLAIM_SECONDS = 120  # a runner holds a task this long; after that another runner may take it again
    TASKS_RETRY_SECONDS = 30  # the wait after a task's first failure, doubled after each further one
    TASKS_MAX_ATTEMPTS = 8  # then the task is given up, its error kept (`flask tasks list`)
    TASKS_KEEP_DONE_DAYS = 7  # done tasks are deleted after this many days

    # Privacy (docs/operations.md#privacy): `flask privacy purge` drops networks stored longer than this.
    PRIVACY_NETWORK_DAYS = 90

    # Mail (docs/configuration.md#mail): messages wait in the outbox table and tasks send them.
    BASE_URL = ""  # the site's address, for the links in mail, e.g. https://comments.example.org (none: mail is off)
    MAIL_BACKEND = "smtp"  # smtp; file: one file per delivery run in MAIL_FILE_PATH; console: standard output
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting (usually port 587)
    MAIL_USE_SSL = False  # TLS from the start (usually port 465)
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = ""  # empty: "SITE_NAME <noreply@the host of BASE_URL>"
    MAIL_TIMEOUT = 10  # seconds to wait for the SMTP server at each step; keep it well under TASKS_CLAIM_SECONDS
    MAIL_FILE_PATH = ""  # for the file backend; empty: instance/mail
    # Reply mail and thread subscriptions (docs/configuration.md#reply-mail-and-subscriptions)
    NOTIFICATION_EVERY_MINUTES = 15  # at most one mail per discussion per reader this often; the rest in a digest
    NOTIFICATION_CONFIRM_HOURS = 72  # a guest's link confirming their address works this long
    SUBSCRIBE_LIMIT = "20 per hour"  # requests to follow a discussion from one network (each may mail a link)
    VOTE_LIMIT = "30 per minute;300 per hour"  # helpful votes given or taken back from one network

    # Staff mail (docs/operations.md#staff-mail): moderators hear of comments waiting in Pending or Flagged
    # (immediately, in a daily digest, or not at all: each chooses on their account page), authors of correction
    # requests on their articles.
    STAFF_MAIL_ENABLED = True  # false: no staff mail at all (held comments and flags then queue no task for it)
    MODERATION_MAIL_EVERY_MINUTES = 15  # "immediately": at most one mail per moderator in this many minutes
    MODERATION_MAIL_DIGEST_AT = "08:00"  # the daily digest's time of day, UTC, as HH:MM
    MODERATION_MAIL_LINK_DAYS = 7  # a mail's Approve / Spam / Trash links work this many days
    MODERATION_MAIL_MAX_COMMENTS = 20  # comments listed in one mail; the mail counts the rest, the desk has them

    # Discussions embedded in other sites' pages (docs/embed.md). New threads made by page views, per network.
    EMBED_NEW_THREADS_PER_NETWORK = "20 per minute;200 per hour"
    # Afterword on another site than the pages embedding it (comments.example framed by blog.example): the
    # session and the guests' cookies become SameSite=None; Secure; Partitioned (CHIPS), so the framed discussion
    # keeps its own cookies for each embedding site. Needs HTTPS. Off: same-site embedding only (subdomains).
    EMBED_CROSS_SITE = False
    # The origin `flask seed-demo` registers as a site: where `make run` serves examples/static-site.
    DEMO_SITE_ORIGIN = "http://127.0.0.1:5001"

    # Security headers
    FRAME_ANCESTORS = "'none'"
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
    )
    # Number of proxies in front of the app whose X-Forwarded-For/-Proto to trust (0 = none).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0

    # JSON API and its OpenAPI document (flask-smorest)
    API_TITLE = "Afterword API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class DevelopmentConfig(Config):
    """Local development: `make run`."""

    TEMPLATES_AUTO_RELOAD = True
    BASE_URL = "http://127.0.0.1:5000"  # what `make run` serves; the Makefile passes its PORT
    MAIL_BACKEND = "file"  # instance/mail/, read by the developer: no SMTP server needed


class ProductionConfig(Config):
    """Behind HTTPS in production."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class TestingConfig(Config):
    """The test suite: cheap hashing, no CSRF unless a test turns it on, no limits unless asked."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"
    BASE_URL = "http://localhost"  # the test client's host
    MAIL_BACKEND = "file"  # into the test's instance folder; mail tests point MAIL_BACKEND at a local SMTP server
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    # Tests of other features expect a guest's first comment to be published at once, even when a
    # test client posts within a second of loading the form; the moderation and spam tests turn these on.
    MODERATION_HOLD_UNTIL_APPROVED = 0
    SPAM_MIN_SECONDS = 0
    SPAM_CLASSIFIER_ENABLED = False
    # Off, so a held comment or a request queues only what the test at hand looks for; the staff mail tests turn
    # it on.
    STAFF_MAIL_ENABLED = False


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}
