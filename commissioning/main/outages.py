"""A lost database connection is answered 503, never 500; a read is first tried once more.

PostgreSQL can drop a connection under a request: a restart, a fail-over, an administrator's
pg_terminate_backend. The pool tests each connection before lending it (``pool_pre_ping``,
config.py), which covers connections that died while idle; this module covers the ones that die
while a request is using them.

- A read (GET or HEAD) that hits a lost connection is run again from the start, once, in a fresh
  app context and so a fresh session and connection (``RetryReads``, around the WSGI app). It
  changed nothing, so running it twice is harmless.
- If it fails again, or it was a POST (whose transaction has rolled back: it is never re-run),
  the answer is 503 with a page that says so, or the API's one JSON error shape under /api/.
"""
import logging

from flask import g, has_app_context, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import ServiceUnavailable

log = logging.getLogger(__name__)

READS = frozenset({"GET", "HEAD"})
#: WSGI environ key: "first" while a read runs the first time, "again" once the error handler asks
#: for another go, "retried" during that second go.
ATTEMPT = "commissioning.db_attempt"
RETRY_AFTER = "60"

MESSAGES = {
    "read": "The service could not reach its database. Try again in a few minutes.",
    "write": "Try again in a few minutes. Nothing you sent was saved: the service lost its connection "
             "to the database before it could save it.",
    "in_doubt": "The service lost its connection to the database while saving what you sent, so it may "
                "or may not have been saved. In a few minutes, check before you send it again.",
}

# PostgreSQL's "connection exception" class, and the server shutting down or starting up.
_PG_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")


def _is_lost(exc):
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(exc, OperationalError) and type(orig).__module__.startswith("psycopg"):
        # No SQLSTATE: the client could not talk to the server at all (refused, closed, broken).
        state = getattr(orig, "sqlstate", None)
        return state is None or state.startswith(_PG_CONNECTION_STATES)
    return False


def connection_lost(exc):
    """The database error in ``exc`` (itself, a 500's original exception or an explicit cause) if
    it is a connection that was cut or could not be made, else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _is_lost(exc):
            return exc
        exc = getattr(exc, "original_exception", None) or exc.__cause__
    return None


@event.listens_for(Engine, "commit")
def _note_commit_sent(_connection):
    """From here on a lost connection leaves the outcome in doubt: COMMIT may have been applied."""
    if has_app_context():
        g._db_commit_sent = True


def unavailable(exc):
    """The answer to ``exc`` if it is a lost database connection, else None.

    Called by the app's error handlers (setup.configure_errors), for errors in views and hooks and
    for those in the end-of-request commit (which Flask hands over as a 500's original exception).
    """
    lost = connection_lost(exc)
    if lost is None:
        return None
    cause = type(lost.orig).__name__
    from commissioning.extensions import db
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the session is thrown away with the app context anyway
        log.debug("rollback after a lost connection failed", exc_info=True)
    if request.method in READS and request.environ.get(ATTEMPT) == "first":
        request.environ[ATTEMPT] = "again"
        log.warning("Lost the database connection on %s %s (%s); running it once more",
                    request.method, request.path, cause)
    else:
        log.warning("Lost the database connection on %s %s (%s); answered 503",
                    request.method, request.path, cause)
    if request.method in READS:
        message = MESSAGES["read"]
    else:
        message = MESSAGES["in_doubt" if g.get("_db_commit_sent") else "write"]
    headers = {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}
    if request.path.startswith("/api/"):
        from commissioning.api.v1 import error_payload
        error = ServiceUnavailable()
        error.data = {"message": message, "headers": headers}
        return error_payload(error)
    if request.path == "/healthz":
        return {"status": "down", "database": "unavailable"}, 503, headers
    # The page must render without the database: show it as to someone signed out (the session
    # cookie is untouched), since loading the user's roles for the header would need a query.
    from commissioning.accounts.models import AnonymousUser
    from commissioning.setup import ERROR_TITLES
    g._login_user = AnonymousUser()
    page = render_template("errors/error.html", code=503, title=ERROR_TITLES[503], message=message)
    return page, 503, headers


def init_app(app):
    """Run reads once more around the WSGI app, and log a lost connection as the warning that
    unavailable() writes rather than as a traceback (Flask logs one for errors in the request's
    commit before handing them to the 500 handler)."""
    app.wsgi_app = RetryReads(app.wsgi_app)
    flask_log_exception = app.log_exception

    def log_exception(exc_info):
        if connection_lost(exc_info[1]) is None:
            flask_log_exception(exc_info)
    app.log_exception = log_exception


class RetryReads:
    """WSGI middleware: a read whose first run lost its database connection is run once more.

    The first run's status and headers are held back until it is known to be final, so the client
    only ever sees one answer. The second run gets a copy of the request as it arrived (a GET has
    no body to re-read). Flask never uses start_response's write(), so nothing else is buffered.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in READS:
            return self.wsgi_app(environ, start_response)
        pristine = dict(environ)
        environ[ATTEMPT] = "first"
        held = []

        def hold(status, headers, exc_info=None):
            held[:] = [status, headers, exc_info]
            return _no_write

        try:
            body = self.wsgi_app(environ, hold)
        except Exception as exc:
            # Only with PROPAGATE_EXCEPTIONS (testing, debugging) does an error leave Flask.
            lost = connection_lost(exc)
            if lost is None:
                raise
            log.warning("Lost the database connection on %s %s (%s); running it once more",
                        environ["REQUEST_METHOD"], environ.get("PATH_INFO"), type(lost.orig).__name__)
        else:
            if environ.get(ATTEMPT) != "again":
                start_response(*held)
                return body
            if hasattr(body, "close"):
                body.close()
        again = dict(pristine)
        again[ATTEMPT] = "retried"
        return self.wsgi_app(again, start_response)


def _no_write(_data):
    raise RuntimeError("RetryReads holds the status back; write() is not supported")
