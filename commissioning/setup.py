"""The configure_* steps of create_app(), kept apart so the factory reads as a list."""
from datetime import UTC
from pathlib import Path
from types import SimpleNamespace

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from commissioning.core import notices
from commissioning.core.models import LONDON
from commissioning.extensions import csrf, db, limiter, login_manager, migrate, talisman



@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Foreign keys on, and wait for the writer instead of failing at once (web + worker share it)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()


def configure_database(app):
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    db.init_app(app)
    # Import every model module so that metadata (and Alembic) sees all tables.
    from commissioning import models  # noqa: F401
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)

    @app.after_request
    def commit_session(response):
        """One commit per request: writes flush, and a successful request commits them."""
        from commissioning.idempotency.operations import note_outcome
        note_outcome(response)  # the request key commits (or rolls back) with the writes
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def configure_security(app):
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = notices.INFO
    from commissioning.accounts.models import AnonymousUser
    login_manager.anonymous_user = AnonymousUser

    # login_user() asks the user for this instead of get_id(): every sign-in, by any path (the
    # login form, a panel joining code), starts a server-side session row.
    login_manager.id_attribute = "begin_session"

    @login_manager.user_loader
    def load_user(session_id):
        """The cookie (or a remember cookie, never set) names a session row: it signs someone in only
        while the row is not revoked, idle or too old, and its person is active."""
        from commissioning.accounts.models import UserSession
        from commissioning.accounts.operations import TOUCH_EVERY, touch_session
        from commissioning.accounts.util import SESSION_ROWS, hash_session_secret, session_for_secret, session_limits
        from commissioning.core import pagecache
        from commissioning.core.models import utcnow
        now, limits = utcnow(), session_limits()
        noted, ticket = (pagecache.recall("session", hash_session_secret(session_id))
                         if isinstance(session_id, str) else (None, None))
        if noted is not None:
            seen = SimpleNamespace(**pagecache.columns(noted))
            if (not UserSession.ended(seen, now, *limits) and pagecache.columns(noted, "user")["active"]
                    and now - seen.last_seen_at < TOUCH_EVERY):
                return pagecache.NotedUser(noted, session_id)  # nothing written since: no statement
        row = session_for_secret(session_id)  # not noted, or due a "last used" note: read it
        if row is None or row.ended(now, *limits) or not row.user.active:
            return None
        touch_session(row, now)
        if not row.notices_waiting:
            pagecache.remember(ticket, row, SESSION_ROWS)
        user = row.user
        user.current_session, user._session_secret = row, session_id
        return user

    from flask import session
    from flask_login import user_logged_in, user_logged_out

    def new_csrf_secret(*_args, **_kwargs):
        """A new CSRF secret at each sign-in and sign-out, so a token seen before does not carry over."""
        from flask import g
        session.pop("csrf_token", None)
        g.pop("csrf_token", None)

    user_logged_in.connect(new_csrf_secret, app, weak=False)
    user_logged_out.connect(new_csrf_secret, app, weak=False)

    limiter.init_app(app)
    from commissioning import idempotency
    idempotency.init_app(app)  # after CSRF and the limiter: a refused request claims no key
    production = app.config["APP_ENV"] == "production"
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        content_security_policy={
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        content_security_policy_nonce_in=["script-src"],
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    app.config["PREFERRED_URL_SCHEME"] = "https" if production else "http"

    @app.after_request
    def no_store_for_signed_in(response):
        from flask_login import current_user
        # Static files are the same for everyone: no session is loaded (or touched) to send them.
        if request.endpoint != "static" and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    from commissioning.core import caching, pagecache
    caching.init_app(app)
    pagecache.init_app(app)


def _london(value, fmt="%-d %B %Y at %-I:%M%p"):
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).strftime(fmt).replace("AM", "am").replace("PM", "pm")


def long_date(value, short=False):
    """ "31 December 2026" (or "31 Dec 2026"), the GOV.UK way, from a date, a datetime (in London)
    or the ISO text stored in JSON columns such as payment plans."""
    from datetime import date, datetime
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LONDON).date()
    return value.strftime("%-d %b %Y" if short else "%-d %B %Y")


def configure_templates(app):
    from commissioning.core import templating
    templating.configure(app)  # before any template is loaded
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(app.template_folder),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    from govuk_frontend_wtf.main import WTFormsHelpers
    WTFormsHelpers(app)
    from commissioning.core import widgets
    widgets.install()  # fields render their widget template alone, not every context processor per field
    app.jinja_env.filters["london"] = _london
    app.jinja_env.filters["long_date"] = long_date
    from commissioning.core.forms import error_summary_items
    app.jinja_env.globals["error_summary_items"] = error_summary_items
    from commissioning.core.notices import pending as pending_notices
    app.jinja_env.globals["pending_notices"] = pending_notices
    from commissioning.core.forms import request_key_input
    app.jinja_env.globals["request_key_input"] = request_key_input
    app.jinja_env.globals["config"] = app.config
    from commissioning.panels.charts import money_chart
    app.jinja_env.globals["panel_money_chart"] = money_chart   # results, a project's result, a member's page

    @app.context_processor
    def inject_layout():
        from flask import has_request_context

        from commissioning.accounts.forms import LogoutForm
        if not has_request_context():  # mail and PDF templates rendered by workers
            return {"service_name": app.config["SERVICE_NAME"]}
        from flask_login import current_user
        # formdata=None: the error pages must render even when the body itself was refused. Only for
        # someone signed in: its CSRF token would give a signed-out visitor a session cookie, and
        # make the page theirs alone instead of one a shared cache may keep (core/caching.py).
        # Made once per request and sign-in state: every render_template in the request (a partial,
        # a mail preview) runs the context processors again, and would make the same form again.
        from flask import g
        signed_in = current_user.is_authenticated
        made = g.get("_logout_form")
        if made is None or made[0] != signed_in:
            made = g._logout_form = (signed_in, LogoutForm(formdata=None) if signed_in else None)
        return {"logout_form": made[1], "service_name": app.config["SERVICE_NAME"]}


def configure_celery(app):
    from commissioning.tasks import celery_init_app
    celery_init_app(app)


def configure_blueprints(app):
    from werkzeug.routing import IntegerConverter

    class BoundedInt(IntegerConverter):
        """Ids beyond a 32-bit key are simply not found (404), never a database overflow."""

        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInt
    from commissioning.accounts.views import bp as accounts
    from commissioning.admin.views import bp as admin
    from commissioning.funding.views import bp as funding
    from commissioning.indicators.views import bp as indicators
    from commissioning.main.views import bp as main
    from commissioning.needs.views import bp as needs
    from commissioning.provision.views import bp as provision
    from commissioning.bids.views import bp as bids
    from commissioning.evaluation.views import bp as evaluation
    from commissioning.opportunities.views import bp as opportunities
    from commissioning.providers.views import bp as providers
    from commissioning.settings.views import bp as settings
    from commissioning.specifications.views import bp as specifications
    from commissioning.panels.views import bp as panels
    from commissioning.contracts.views import bp as contracts
    from commissioning.monitoring.views import bp as monitoring
    from commissioning.opendata.views import bp as opendata
    from commissioning.api.views import bp as api_pages
    from commissioning.notices.views import bp as procurement_notices
    for blueprint in (main, accounts, admin, needs, indicators, provision, funding, specifications, settings,
                      opportunities, bids, providers, evaluation, panels, contracts, monitoring, opendata, api_pages,
                      procurement_notices):
        app.register_blueprint(blueprint)
    from commissioning.api import v1
    v1.init_app(app)
    # Later stages tell the need page what they made from a need (see core/downstream.py).
    from commissioning.core import downstream
    from commissioning.specifications.util import specifications_for_need
    downstream.register("Need", "Specifications", specifications_for_need)
    from commissioning.monitoring.util import latest_rags_for_need
    downstream.register("Need", "Contracts and their latest RAG", latest_rags_for_need)


def configure_inputs(app):
    """The one input policy (core/inputs.py) for what no form sees: the query string, first of all."""
    from commissioning.core import inputs
    inputs.configure(app)


def _described(exc):
    """What ``abort(400, description="...")`` said was wrong, for the error page; None for werkzeug's
    stock sentences (class attributes, or a property's backing value as in BadRequestKeyError)."""
    stock = {vars(cls).get(name) for cls in type(exc).__mro__ for name in ("description", "_description")}
    return exc.description if isinstance(exc.description, str) and exc.description not in stock else None


ERROR_TITLES = {
    400: "There was a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "This action is not allowed here",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def configure_errors(app):
    from commissioning.api.v1 import error_payload
    from commissioning.main import outages

    def render_error(code, message=None):
        db.session.rollback()
        title = ERROR_TITLES.get(code, ERROR_TITLES[500])
        if request.path == "/healthz":
            return {"error": title, "status": code}, code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    def is_api():
        return request.path.startswith("/api/")

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_error(400, "Your form could not be checked. Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code in (301, 302, 303, 307, 308):
            return exc
        lost = outages.unavailable(exc)  # a 500 from the request's commit on a cut connection: 503
        if lost is not None:
            return lost
        if is_api():
            db.session.rollback()
            return error_payload(exc)
        if exc.code == 413:
            limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            return render_error(413, f"Send no more than {limit_mb} MB at a time.")
        if exc.code == 429:
            return render_error(429, "You have tried too many times. Wait a minute, then try again.")
        return render_error(exc.code or 500, _described(exc))

    @app.errorhandler(Exception)
    def server_error(exc):
        lost = outages.unavailable(exc)  # a cut database connection: a read runs once more, else 503
        if lost is not None:
            return lost
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if is_api():
            db.session.rollback()
            return error_payload(exc)
        return render_error(500)

    outages.init_app(app)


def configure_cli(app):
    from commissioning.cli import register_commands
    register_commands(app)
