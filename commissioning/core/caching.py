"""HTTP caching, decided in one place for every response.

- **Shared**: a GET that anyone signed out would get the same way (no cookie set, no form
  secret in it, no token sent, nobody signed in) carries a strong ``ETag`` from its body,
  answers ``304 Not Modified`` to its own validator, and says ``public, max-age=PUBLIC_MAX_AGE``
  with ``Vary: Cookie, Authorization``.
- **Everything else** (signed in, sets a cookie, a CSRF token or request key on the page,
  an API token, an error or a redirect) says ``no-store``: nothing private is ever kept by a
  shared cache, nor by the browser.
- **Static files** are fingerprinted: ``url_for('static', ...)`` adds ``?v=<sha256[:12]>`` of
  the file as it was at start-up, and a request with the current fingerprint may be kept a
  year (``immutable``); any other is kept ``STATIC_MAX_AGE`` seconds.

The hook runs after every other ``after_request`` hook, so it sees the session as it will
be saved, Talisman's headers and what the views set themselves.
"""
import hashlib
import re
import tempfile
from pathlib import Path

from flask import current_app, g, request, session
from flask.globals import request_ctx
from werkzeug.wsgi import wrap_file

YEAR = 365 * 24 * 3600
FINGERPRINT_ARG = "v"
#: Endpoints whose answer is about the moment it was asked: never kept by anyone.
NEVER_SHARED = {"main.healthz"}
#: Statuses a shared cache may keep the answer of (304 repeats the 200's headers).
SHAREABLE_STATUS = {200, 206, 304}
#: A streamed public body is hashed while it is copied here; above this it spills to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
#: Parts of a body that say when it was made, not what it says: left out of its ETag, or it would
#: never match. The CSP nonce is removed separately (it is known per request).
_STAMPS = re.compile(rb'"publishedDate": ?"[^"]*"')


def static_fingerprints(folder):
    """{path under the static folder: first 12 hex digits of its SHA-256}, read once at start-up."""
    root = Path(folder)
    if not root.is_dir():
        return {}
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(root.rglob("*")) if path.is_file()}


def init_app(app):
    app.extensions["static_fingerprints"] = static_fingerprints(app.static_folder)
    app.url_defaults(_fingerprint_static_url)
    # Flask runs after_request hooks last registered first: at the front of the list, this one runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, apply_cache_rules)


def _fingerprint_static_url(endpoint, values):
    if endpoint == "static" and FINGERPRINT_ARG not in values:
        fingerprint = current_app.extensions["static_fingerprints"].get(values.get("filename"))
        if fingerprint:
            values[FINGERPRINT_ARG] = fingerprint


def apply_cache_rules(response):
    """The one caching rule of the service (see the module's note)."""
    if request.endpoint == "static" and response.status_code in SHAREABLE_STATUS:
        return _static(response)
    if shareable(response):
        return _public(response)
    from commissioning.core import pagecache
    pagecache.keep(response, shared=False)
    cc = response.cache_control
    if not (cc.no_store or cc.private) or cc.public:
        cc.public = None
        cc.max_age = None
        cc.no_store = True
    return response


def shareable(response):
    """May a shared cache keep this answer and give it to anyone else who asks?"""
    cc = response.cache_control
    return (request.method in ("GET", "HEAD")
            and response.status_code in SHAREABLE_STATUS
            and request.endpoint is not None and request.endpoint not in NEVER_SHARED
            and "Authorization" not in request.headers
            and not _signed_in()
            and not session.modified and "Set-Cookie" not in response.headers
            and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g  # a token made for this session
            and not (cc.no_store or cc.private))


def _signed_in():
    """Whether the request came from someone signed in, read from what Flask-Login loaded (this runs
    after the request's commit, when asking the user object would reload it from the database) or
    from the session cookie (the API ignores the cookie, but its answer still goes to that person)."""
    from flask_login import AnonymousUserMixin
    user = g.get("_login_user")
    return (user is not None and not isinstance(user, AnonymousUserMixin)) or "_user_id" in session


def _public(response):
    if response.status_code != 304 and not response.get_etag()[0]:
        _add_etag(response)
    cc = response.cache_control
    cc.no_cache = None
    if not cc.public or cc.max_age is None:  # a view's own public lifetime (the favicon's day) stands
        cc.max_age = current_app.config["PUBLIC_MAX_AGE"]
    cc.public = True
    response.vary.update(("Cookie", "Authorization"))
    from commissioning.core import pagecache
    pagecache.keep(response, shared=True)  # before make_conditional: a 304 has no body to keep
    if response.status_code != 206:
        response.make_conditional(request)
    if response.status_code == 304:
        # The cached body keeps the policy (and nonce) it came with: a new one would not match it.
        response.headers.pop("Content-Security-Policy", None)
    return response


def _add_etag(response):
    """A strong ETag from the body without its per-request parts; a streamed body is spooled (to disk
    when large) while it is hashed, so its size never sits in memory."""
    if response.direct_passthrough:
        return  # a file sent as it is: send_download gives those their own ETag
    if not response.is_streamed:
        response.set_etag(_digest(response.get_data()))
        return
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    digest = hashlib.sha256()
    for chunk in response.iter_encoded():
        spool.write(chunk)
        digest.update(_without_stamps(chunk))  # pieces end between JSON values: no stamp is cut in two
    length = spool.tell()
    spool.seek(0)
    if hasattr(response.response, "close"):
        response.response.close()
    response.response = wrap_file(request.environ, spool)
    response.direct_passthrough = True
    response.headers["Content-Length"] = str(length)
    response.set_etag(digest.hexdigest())


def _without_stamps(data):
    nonce = getattr(request, "csp_nonce", None)
    if nonce:
        data = data.replace(nonce.encode(), b"")
    return _STAMPS.sub(b"", data)


def _digest(data):
    return hashlib.sha256(_without_stamps(data)).hexdigest()


def _static(response):
    filename = (request.view_args or {}).get("filename")
    current = current_app.extensions["static_fingerprints"].get(filename)
    cc = response.cache_control
    cc.no_cache = None
    cc.no_store = None
    cc.public = True
    if current and request.args.get(FINGERPRINT_ARG) == current:
        cc.max_age = YEAR
        cc.immutable = True
    else:
        cc.max_age = current_app.config["STATIC_MAX_AGE"]
    # Flask-Login's own hooks touch the session on every request, and Flask would then add
    # "Vary: Cookie"; a static file does not depend on it, and signing in must not re-fetch it.
    opened = getattr(request_ctx._get_current_object(), "_session", None)
    if opened is not None and not opened.modified:
        opened.accessed = False
    return response
