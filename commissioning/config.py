"""Configuration: defaults for the embedded set-up, overridden by environment variables.

Every setting can be overridden by an environment variable of the same name (or with a
``COMMISSIONING_`` prefix, which wins). In production (``APP_ENV=production``) the
secret key, database URL, BASE_URL and the open data prefixes must come from the environment,
or start-up stops.
"""
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; start-up must stop with this message."""


def _bool(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


#: name -> (default, converter, description). The README's configuration table is
#: generated from this, so every variable is documented in one place.
SETTINGS = {
    "APP_ENV": ("development", str, "development, test or production; production enforces the required keys and secure cookies"),
    "SECRET_KEY": ("dev-insecure-key-change-me", str, "signs sessions, CSRF and reset tokens; required in production"),
    "DATABASE_URL": (f"sqlite:///{INSTANCE / 'commissioning.sqlite'}", str, "SQLAlchemy URL; required in production (PostgreSQL)"),
    "REDIS_URL": ("", str, "Redis for the Celery broker, results and rate limits; empty uses the embedded broker"),
    "BROKER_DIR": (str(INSTANCE / "broker"), str, "folder of the embedded (filesystem) broker when REDIS_URL is empty"),
    "CELERY_TASK_DEFAULT_QUEUE": ("commissioning", str, "queue name the web app, worker and beat use"),
    "CELERY_TASK_ALWAYS_EAGER": (False, _bool, "run tasks in-process (only for debugging)"),
    "OUTBOX_DISPATCH": ("broker", str, "broker: send tasks after commit; hold: leave them in the outbox table (unit tests)"),
    "OUTBOX_REDELIVER_AFTER": (300, int, "seconds after a task was sent, its outbox row still not completed (message lost with Redis, worker killed), before the sweep sends it again; the wait doubles after each time. Keep it above the longest task plus its longest retry delay (240 s)"),
    "OUTBOX_MAX_REDELIVERIES": (5, int, "times the sweep sends an unfinished task again before giving it up (gave_up_at, with the reason in last_error)"),
    "BROKER_VISIBILITY_TIMEOUT": (300, int, "Redis only: seconds a task taken by a worker may stay unacknowledged before Redis gives it to another worker (its worker was killed). Keep it above the longest task and the longest retry delay (240 s), or live work is handed out twice"),
    "TEST_ONLY_PAUSE_TASK": ("", str, "test only, read only when APP_ENV=test: the task of this name waits after its work, before its commit, so a test can kill the worker at that point"),
    "MAIL_BACKEND": ("outbox", str, "outbox: keep mail in the app for admins to read; smtp: send through MAIL_SERVER"),
    "MAIL_SERVER": ("localhost", str, "SMTP host"),
    "MAIL_PORT": (25, int, "SMTP port"),
    "MAIL_USERNAME": ("", str, "SMTP user name (optional)"),
    "MAIL_PASSWORD": ("", str, "SMTP password (optional)"),
    "MAIL_USE_TLS": (False, _bool, "STARTTLS to the SMTP server"),
    "MAIL_DEFAULT_SENDER": ("Commissioning <no-reply@commissioning.invalid>", str, "From address of outgoing mail"),
    "SERVICE_NAME": ("Commissioning youth services", str, "shown in the header and mail"),
    "AUTHORITY_NAME": ("Liverpool City Council", str, "the commissioning authority named on pages and documents"),
    "OCDS_PREFIX": ("commissioning", str, "the publisher's OCDS prefix, after 'ocds-', in every ocid; required in production (the six characters the Open Contracting Partnership registers for you)"),
    "GRANTS_PREFIX": ("360G-commissioning", str, "the 360Giving identifier prefix for grants published as open data; required in production (360Giving issues one)"),
    "BUYER_CONTACT_NAME": ("Youth commissioning team", str, "the buyer's contact point in the OCDS feed and notices: who answers questions about its procurements"),
    "BUYER_CONTACT_EMAIL": ("", str, "that contact point's email address (left out when empty)"),
    "BUYER_CONTACT_TELEPHONE": ("", str, "that contact point's telephone number (left out when empty)"),
    "OCDS_PAGE_SIZE": (100, int, "releases per page of the OCDS feed; the package's links.next leads to the next page"),
    "BASE_URL": ("http://127.0.0.1:5000", str, "the address people use, for links in mail; required in production"),
    "LOGIN_RATE_LIMIT": ("10 per minute", str, "login attempts allowed per address and email"),
    "LOGIN_RATE_LIMIT_PER_ADDRESS": ("60 per minute", str, "login attempts allowed per address, whatever the email"),
    "API_RATE_LIMIT": ("120 per minute", str, "API requests allowed per token (per address for requests without one)"),
    "PUBLIC_MAX_AGE": (60, int, "seconds a shared cache may keep a public page or feed (signed-out answers that set no cookie)"),
    "PAGE_CACHE_SECONDS": (30, int, "seconds each web process may keep a public page or feed it built, unless a write comes first (0: build every page every time)"),
    "PAGE_CACHE_MB": (64, int, "megabytes each web process may use for those pages (the least recently used go first)"),
    "STATIC_MAX_AGE": (300, int, "seconds a static file is kept when its URL lacks the current fingerprint (with it: a year)"),
    "PASSWORD_RESET_MAX_AGE": (3600, int, "seconds a password reset link stays valid"),
    "SESSION_IDLE_MINUTES": (30, int, "minutes without a request after which a sign-in ends (the person signs in again); each session's last use is noted at most once a minute"),
    "SESSION_MAX_HOURS": (12, int, "hours after signing in that a session ends however busy it is, so a shared or stolen browser does not stay signed in for days"),
    "MAX_CONTENT_LENGTH": (10 * 1024 * 1024, int, "largest request body in bytes (413 above it)"),
    "MAX_UPLOAD_BYTES": (5 * 1024 * 1024, int, "largest uploaded file in bytes"),
    "YOUTH_DIRECTED_TARGET_PERCENT": (25, int, "share of the universal-services budget meant to be directed by young people"),
    "MIN_EVALUATORS_PER_BID": (3, int, "completed evaluations each bid needs before scoring is complete and an award can be made (unless a young people's panel decides)"),
    "PAYMENT_TERMS_DAYS": (30, int, "days after a scheduled payment falls due within which paying it counts as on time (the Procurement Act 2023, section 68, implies 30 days from an invoice into public contracts; the due date stands in for the invoice)"),
    "TENDER_PERIOD_MIN_DAYS": (25, int, "fewest days from a covered (above-threshold) procurement opening to its submission deadline (Procurement Act 2023, section 54: open procedure, tenders submitted electronically)"),
    "TENDER_PERIOD_AFTER_UK3_DAYS": (10, int, "the same when a qualifying planned procurement notice (UK3) was published (section 54)"),
    "UK3_QUALIFYING_MIN_DAYS": (40, int, "a planned procurement notice qualifies when published at least this many days before the tender notice (section 54)"),
    "UK3_QUALIFYING_MAX_DAYS": (365, int, "and at most this many (a year; section 54)"),
    "NOTICE_CONTRACT_DETAILS_DAYS": (30, int, "days after a contract is signed within which its contract details notice (UK7) is due (section 53; below threshold, section 88 says as soon as reasonably practicable and this service holds it to the same)"),
    "NOTICE_CONTRACT_DETAILS_LIGHT_TOUCH_DAYS": (120, int, "the same for a light-touch contract (section 53)"),
    "NOTICE_TERMINATION_DAYS": (30, int, "days after a contract ends within which its contract termination notice (UK11) is due (section 80)"),
    "NOTICE_PERFORMANCE_DAYS": (30, int, "days after the return completing a contract year is accepted within which that year's contract performance notice (UK9) is due (section 71 asks for one at least every 12 months; the 30 days are this service's)"),
    "KPI_NOTICE_VALUE_PENCE": (500_000_000, int, "contracts worth more than this (in pence: £5 million) must have KPIs and a yearly contract performance notice (sections 52 and 71); below it UK9 is optional"),
    "FTS_API_URL": ("https://www.find-tender.service.gov.uk/api/latest", str, "Find a Tender's REST API; notices are sent to its /notice/submission/submit"),
    "FTS_API_KEY": ("", str, "your organisation's CDP API key for Find a Tender (sent as CDP-Api-Key); empty: notices are published on this service's own OCDS feed only"),
    "PANEL_MIN_BALLOTS": (5, int, "fewest ballots a panel round needs (with its quorum met) before its results, vote counts and .pb file are shown to anyone; fewer could reveal how someone voted"),
    "POSTCODE_LOOKUP": ("shipped", str, "where postcodes are looked up for searches by distance: shipped (the file of Liverpool's postcodes in the code), postcodes.io (every UK postcode, over the network) or module:Class of your own (a PostcodeLookup)"),
    "FORCE_HTTPS": (False, _bool, "redirect to HTTPS and send HSTS (behind a TLS proxy in production)"),
    "SQLALCHEMY_ECHO": (False, _bool, "log every SQL statement"),
}


#: Settings production will not start without: the secrets, and the service's public identity
#: (where mail links point, and the identifiers its open data is published under).
PRODUCTION_REQUIRED = ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "OCDS_PREFIX", "GRANTS_PREFIX")


#: Settings whose lower values would switch a protection off: (name, least allowed, why).
PRODUCTION_FLOORS = (
    ("PANEL_MIN_BALLOTS", 3, "with fewer ballots, one voter can work out how another voted"),
    ("MIN_EVALUATORS_PER_BID", 2, "one evaluator alone would decide an award"),
    ("SESSION_IDLE_MINUTES", 1, "sessions would never sign anyone in"),
    ("SESSION_MAX_HOURS", 1, "sessions would never sign anyone in"),
)


def _check_production(cfg, overrides):
    """Stop start-up when production would run on development values.

    Without its own BASE_URL every mail link points at 127.0.0.1; without its own prefixes
    every council would publish open data under the same identifiers.
    """
    missing = [key for key in PRODUCTION_REQUIRED
               if not overrides.get(key) and not os.environ.get(f"COMMISSIONING_{key}", os.environ.get(key))]
    if missing:
        listed = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        raise ConfigError(f"Cannot start in production: set {listed} in the environment "
                          "(see the README's configuration table).")
    if cfg["SECRET_KEY"] == SETTINGS["SECRET_KEY"][0] or len(cfg["SECRET_KEY"]) < 32:
        raise ConfigError("Cannot start in production: SECRET_KEY must be a long random value (32 characters or "
                          "more), not the development default.")
    url = urlsplit(cfg["BASE_URL"])
    if url.scheme not in ("http", "https") or not url.hostname or url.path.strip("/") or url.query:
        raise ConfigError("Cannot start in production: BASE_URL must be the service's address, such as "
                          "https://youth.example.gov.uk, with no path.")
    if not re.fullmatch(r"[a-z0-9]{6}", cfg["OCDS_PREFIX"]):
        raise ConfigError("Cannot start in production: OCDS_PREFIX must be the six-character prefix the Open "
                          "Contracting Partnership registered for you (the part after 'ocds-', such as b5fd17).")
    if cfg["GRANTS_PREFIX"] == SETTINGS["GRANTS_PREFIX"][0] or not re.fullmatch(r"360G-[A-Za-z0-9_-]+",
                                                                                   cfg["GRANTS_PREFIX"]):
        raise ConfigError("Cannot start in production: GRANTS_PREFIX must be the prefix 360Giving issued to "
                          "you, such as 360G-examplecouncil, not the demo's.")
    for key, least, why in PRODUCTION_FLOORS:
        if cfg[key] < least:
            raise ConfigError(f"Cannot start in production: {key} must be at least {least}; {why}.")


def load_config(overrides=None):
    """Build the config dict from defaults, environment and explicit overrides."""
    cfg = {}
    for name, (default, convert, _doc) in SETTINGS.items():
        raw = os.environ.get(f"COMMISSIONING_{name}", os.environ.get(name))
        cfg[name] = convert(raw) if raw not in (None, "") else default
    cfg.update(overrides or {})
    env = cfg["APP_ENV"]
    if env == "production":
        _check_production(cfg, overrides or {})
    if cfg["DATABASE_URL"].startswith("postgres://"):
        cfg["DATABASE_URL"] = "postgresql://" + cfg["DATABASE_URL"][len("postgres://"):]
    if cfg["DATABASE_URL"].startswith("postgresql://"):
        cfg["DATABASE_URL"] = "postgresql+psycopg://" + cfg["DATABASE_URL"][len("postgresql://"):]
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    # A pooled connection is tested before each checkout, so one PostgreSQL cut (a restart, a
    # terminated backend) costs a reconnect, not an error; an unreachable server fails in seconds.
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if cfg["DATABASE_URL"].startswith("postgresql"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] = {"connect_timeout": 5}
    secure = env == "production"
    cfg.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None if env != "production" else 8 * 3600,
        RATELIMIT_STORAGE_URI=cfg["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down is "degraded, not down": limits are counted per process in memory until it is
        # back (Flask-Limiter logs the switch each way), and any other storage error lets the request
        # through rather than answering 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_STORAGE_OPTIONS=({"socket_connect_timeout": 1, "socket_timeout": 1} if cfg["REDIS_URL"] else {}),
        TESTING=env == "test",
    )
    return cfg
