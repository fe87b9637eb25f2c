"""Public answers kept in each web process, so a page nobody changed is not built again.

An answer ``core/caching.py`` calls shareable (anyone signed out gets it the same way, so a shared
cache may already keep it ``PUBLIC_MAX_AGE`` seconds) is kept here too, and given to the next
signed-out request for the same URL without running the view. It is kept under the data's
*generation*, so a write is seen at once, not after a lifetime:

- every transaction that writes adds one to the single row of ``cache_generation`` just before it
  commits, in the same transaction (web requests, workers, commands alike: the hooks are on every
  SQLAlchemy session). A page kept under generation N was built from data at least as new as N;
- on PostgreSQL that transaction also sends ``NOTIFY commissioning_pages``, which PostgreSQL
  delivers only once it has committed; each web process listens on a connection of its own
  (``Listener``) and so knows of every commit elsewhere without asking anyone per request. While
  it is not listening (starting, or its connection lost) each lookup reads the row instead.
  SQLite, the embedded default, always reads the row: a read of a local file;
- a signed-in person's own writing request moves a number in their session cookie, which is part
  of their pages' keys: the page after their change (the redirect after a form) is built anew
  in any process, even one that has not yet heard of the commit;
- writes flushed in this process count at once, before their commit (``_local``), so a request
  that writes and then reads in one process never sees its own page from before;
- an entry also ends after ``PAGE_CACHE_SECONDS``, for what changes with the clock (a deadline
  passing) and for writes made outside any session (bulk loads, psql);
- the store holds at most ``PAGE_CACHE_MB`` per process, the least recently used going first;
- a listener that has not heard from its server for two checks (``Listener.CHECK_SECONDS``) is not
  trusted: lookups read the row until it answers again.

Answers to someone signed in, or to an API token, are kept too, for that one session or token
alone: the key holds the session row (or token) and the person, found valid by the usual checks
(Flask-Login's loader: not revoked, idle or too old; the API's token check) before the lookup;
on a GET those checks run on rows noted at the same generation, with no statement (see "Who a
presented secret signs in" below).
Such a page was built by its view's own role and ownership checks for this person at this
generation, and a change to their roles or to the data is a write. The per-render values in it
(the CSP nonce, the CSRF token, every form's request key) are cut out when it is kept and made
afresh for each request, so a kept form is as new as a built one. A page that showed a
message, or whose request wrote anything, is not kept; a request with a message waiting (in the
cookie or beside its session row) runs its view. Anything that is not a GET or HEAD runs its view
as usual. The lookup runs after every ``before_request`` hook (the input policy, rate limits, CSRF,
the CSP nonce, a blueprint's own checks) and the kept answer then goes through every
``after_request`` hook, so the headers are this request's. The CSP nonce a page was built with is
swapped for this request's one. Bookkeeping rows (request keys, waiting messages) and the once-a-minute
"last used" notes on sessions and tokens do not count as writes: no page depends on them to the
second.
"""
import gzip
import itertools
import logging
import re
import os
import threading
import time
from collections import OrderedDict

from flask import Config, current_app, g, has_request_context, request, session
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from commissioning.extensions import db

#: ``Session.info`` key: this transaction wrote something a page may show (bumped at its commit).
_WROTE = "pagecache_wrote"
#: ``Session.info`` key set while the generation itself is written (it is no write to count).
_BUMPING = "pagecache_bumping"
#: ``Session.info`` key: this transaction moved the generation (moved again after its commit).
_ADVANCED = "pagecache_advanced"
#: Flask session key: moved on whenever a request of this session writes, so the person's next page
#: (in whichever process, however soon) is built anew, not one kept from before their own change.
_OWN_WRITES = "_pw"
#: g key: the values made for this render (request keys) that a kept copy must make afresh.
_FRESH = "_pagecache_fresh"
#: WSGI environ key (this request's own, as ``g`` may outlive it in tests and commands): a view runs.
_VIEWING = "commissioning.pagecache.viewing"
#: Attributes whose change alone is no write a page shows: {model name: attributes}.
TOUCHES = {"UserSession": {"last_seen_at"}, "ApiToken": {"last_used_at"}}
#: Headers that belong to one answer, not to the page: made again for each request.
_PER_ANSWER = {"content-length", "set-cookie", "etag", "date"}
#: The channel each writing transaction notifies on PostgreSQL.
CHANNEL = "commissioning_pages"
log = logging.getLogger(__name__)
_local = itertools.count(1)
_local_value = [0]


def _wrote_here():
    """A write in this process: its pages kept so far are from before it."""
    _local_value[0] = next(_local)


class WatchedConfig(Config):
    """``app.config`` counting its changes: a setting changed while the app runs (a test, a hook)
    changes what pages say, so it is part of every key. Setting a value it already has (Talisman
    does, on every request) is no change."""

    changes = 0

    def __setitem__(self, key, value):
        if key not in self or self[key] is not value and self[key] != value:
            self.changes += 1
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.changes += 1
        super().__delitem__(key)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self.changes += 1
        return super().setdefault(key, default)

    def pop(self, *args):
        self.changes += 1
        return super().pop(*args)


class Store:
    """Bytes-bounded LRU of kept answers; one per app (so per web process), safe across threads."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, now):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= now:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if entry.size > self.max_bytes // 4:
            return  # one page may not push out most of the others
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self.size += entry.size
            while self.size > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        self.size -= self._entries.pop(key).size

    def clear(self):
        with self._lock:
            self._entries.clear()
            self.size = 0

    def __len__(self):
        return len(self._entries)


class Listener:
    """A thread with its own PostgreSQL connection, counting commits announced on ``CHANNEL``.

    Started by the first lookup in each process (a forked web worker starts its own). Each
    (re)connection counts as a commit too: whatever was announced while it was away is covered.
    """

    RETRY_SECONDS = 2
    #: How long the first lookup in a process waits for the connection before reading the row instead.
    START_SECONDS = 1
    #: How often the connection is asked whether it is still there, between notifications.
    CHECK_SECONDS = 1
    #: Its application_name in pg_stat_activity.
    NAME = "commissioning-page-cache"

    def __init__(self, url):
        self.url = url
        self.count = 0
        self.listening = False
        self.confirmed = 0.0
        #: Set to try again at once rather than after RETRY_SECONDS.
        self.retry = threading.Event()
        self._pid = None
        self._lock = threading.Lock()

    def ready(self):
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._pid, self.listening = os.getpid(), False
                    self._started = threading.Event()
                    threading.Thread(target=self._run, name="pagecache-listener", daemon=True).start()
                    self._started.wait(self.START_SECONDS)
        return self.heard()

    def heard(self):
        """Listening, and the connection answered within ``CHECK_SECONDS`` twice over: a connection
        lost without a word (a half-open socket) stops being trusted within that time."""
        return self.listening and time.monotonic() - self.confirmed < 2 * self.CHECK_SECONDS

    def _run(self):
        try:
            import psycopg
        except ImportError as exc:
            log.warning("page cache: psycopg cannot be imported (%s); reading the generation per request", exc)
            self._started.set()
            return
        pid = os.getpid()
        while self._pid == pid:
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5, keepalives=1,
                                     keepalives_idle=5, keepalives_interval=2, keepalives_count=2,
                                     tcp_user_timeout=5000, application_name=self.NAME) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.count += 1
                    self.confirmed = time.monotonic()
                    self.listening = True
                    self._started.set()
                    while self._pid == pid:
                        for _notice in conn.notifies(timeout=self.CHECK_SECONDS):
                            self.count += 1
                        conn.execute("SELECT 1")  # still there: what it did not hear was not sent
                        self.confirmed = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - any failure: read the row per request until back
                log.info("page cache: not listening for commits (%s); reading the generation per request", exc)
            finally:
                self.count += 1
                self.listening = False
                self._started.set()  # the first lookup reads the row meanwhile
            self.retry.wait(self.RETRY_SECONDS)
            self.retry.clear()


#: Kinds of body worth compressing once kept (the feeds and the API); HTML is made afresh in part
#: for each request (its nonce, forms) and is left to the front proxy to compress.
_COMPRESSIBLE = re.compile(r"^(application/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml)|text/(csv|xml|plain))\b")
#: Bodies smaller than this are sent as they are: gzip would save little.
_COMPRESS_FROM = 1024


class Entry:
    __slots__ = ("status", "headers", "parts", "etag", "expires", "size", "compressible", "gzipped")

    def __init__(self, status, headers, body, fresh, etag, expires, key_size=0):
        """``fresh``: {bytes in the body: what it is} for the values each request makes its own;
        ``key_size``: what its key holds beyond a fixed size (a long query string counts)."""
        self.status, self.headers, self.etag, self.expires = status, headers, etag, expires
        self.parts = _cut(body, fresh)
        self.size = len(body) + 512 + key_size
        self.compressible = compressible(headers, body) and len(self.parts) == 1
        # Compressed once, as it is kept (most clients accept gzip); counted in its size.
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0) if self.compressible else None
        self.size += len(self.gzipped or b"")

    def response(self):
        if self.compressible and request.accept_encodings["gzip"]:
            answer = current_app.response_class(self.gzipped, status=self.status, headers=self.headers)
            answer.headers["Content-Encoding"] = "gzip"
            if self.etag:
                answer.set_etag(self.etag + "-gzip")  # another body, so another validator
            return answer
        made = {}
        body = b"".join(part if i % 2 == 0 else _made_again(part, made) for i, part in enumerate(self.parts))
        answer = current_app.response_class(body, status=self.status, headers=self.headers)
        if self.etag:
            answer.set_etag(self.etag)
        return answer


def compressible(headers, body):
    """A kept body sent gzipped to whoever accepts it: a feed or API answer of some size."""
    headers = {key.lower(): value for key, value in headers}
    return (len(body) >= _COMPRESS_FROM and "content-encoding" not in headers and "content-range" not in headers
            and bool(_COMPRESSIBLE.match(headers.get("content-type", ""))))


def _cut(body, fresh):
    """The body as [text, kind, text, kind, ..., text], each per-render value replaced by its kind."""
    fresh = {value: kind for value, kind in fresh.items() if value}
    if not fresh:
        return [body]
    pattern = re.compile(b"|".join(re.escape(v) for v in sorted(fresh, key=len, reverse=True)))
    parts, last = [], 0
    for found in pattern.finditer(body):
        parts += [body[last:found.start()], fresh[found.group()]]
        last = found.end()
    return parts + [body[last:]]


def _made_again(kind, made):
    if kind == "key":
        from commissioning.idempotency.operations import new_key
        return new_key().encode()  # each form its own, as each render makes them
    if kind not in made:
        if kind == "nonce":
            made[kind] = (getattr(request, "csp_nonce", "") or "").encode()
        else:
            from flask_wtf.csrf import generate_csrf
            made[kind] = generate_csrf().encode()
    return made[kind]


def made_fresh(value):
    """A value made for this render alone (a request key): a kept copy of the page makes a new one."""
    if has_request_context():
        g.setdefault(_FRESH, []).append(value)


def store(app=None):
    return (app or current_app).extensions["pagecache"]


def clear(app=None):
    store(app).clear()
    store(app).known.clear()


def generation():
    """Where the data stands: commits heard of (or the row as committed), and this process's writes."""
    listener = store().listener
    settings = getattr(current_app.config, "changes", 0)
    if listener is not None and listener.ready():
        return ("heard", listener.count, _local_value[0], settings)
    from commissioning.core.models import CacheGeneration
    value = db.session.execute(select(CacheGeneration.value).where(CacheGeneration.id == 1)).scalar()
    return ("read", value or 0, _local_value[0], settings)


def _key():
    """What a kept answer is found by, or None when this request must run its view."""
    if request.method not in ("GET", "HEAD") or not current_app.config["PAGE_CACHE_SECONDS"]:
        return None
    from commissioning.core.caching import NEVER_SHARED
    if request.endpoint in (None, "static") or request.endpoint in NEVER_SHARED:
        return None
    if "_flashes" in session:
        return None
    where = (request.scheme, request.host, request.path, request.query_string)
    if request.path.startswith("/api/"):
        token = g.get("api_token")   # checked by the API's own before_request hooks
        if token is not None:
            return ("token", token.id, token.user_id) + where + (generation(),)
        if "Authorization" in request.headers:
            return None
        return ("public",) + where + (generation(),)
    if "Authorization" in request.headers:
        return None
    if "_user_id" not in session:
        return ("public",) + where + (generation(),)
    from flask_login import current_user
    row = getattr(current_user, "current_session", None) if current_user.is_authenticated else None
    if row is None or row.notices_waiting:
        return None  # a cookie that signs nobody in, or a message to show: the view decides
    return ("session", row.id, current_user.id, session.get(_OWN_WRITES)) + where + (generation(),)


def _dispatch(original):
    key = _key()
    if key is None:
        _before_view()
        return original()
    entry = store().get(key, time.monotonic())
    if entry is not None:
        return entry.response()
    _before_view()
    answer = current_app.make_response(original())
    if answer.is_streamed and not answer.direct_passthrough:
        _gather(answer, store().max_bytes // 4)
    if not answer.is_streamed:
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _PER_ANSWER]
        g._pagecache = (key, answer, headers, _local_value[0])
    return answer


def _gather(answer, limit):
    """A streamed body small enough to keep becomes a plain one (it is hashed for its ETag anyway)."""
    chunks, size = [], 0
    pieces = answer.iter_encoded()
    for chunk in pieces:
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            answer.response = itertools.chain(chunks, pieces)  # too big: it streams on as it was
            return
    answer.set_data(b"".join(chunks))


def keep(answer, shared):
    """Called by core/caching.py for every answer once its caching headers are decided: ``shared``
    when anyone signed out could be given it, else it is this session's or token's own."""
    pending = g.pop("_pagecache", None)
    if pending is None or pending[1] is not answer or answer.status_code != 200 or answer.is_streamed:
        return
    key, _answer, headers, local = pending
    if (key[0] == "public") != shared or local != _local_value[0]:
        return  # a public key for a private answer (or the reverse), or the request wrote something
    from commissioning.core import notices
    if notices.shown_any():
        return
    fresh = dict.fromkeys((v.encode() for v in g.get(_FRESH, ())), "key")
    csrf = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if csrf:
        fresh[csrf.encode()] = "csrf"
    nonce = getattr(request, "csp_nonce", None)
    if nonce:
        fresh[nonce.encode()] = "nonce"
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    if answer.content_length and answer.content_length > store().max_bytes // 4:
        return  # the store would not take it: neither cut nor compressed
    entry = Entry(answer.status_code, headers, answer.get_data(), fresh, answer.get_etag()[0],
                  time.monotonic() + seconds, key_size=len(request.path) + len(request.query_string))
    if entry.compressible:
        answer.vary.add("Accept-Encoding")  # its kept copies may go out gzipped
        entry.headers = [(k, v) for k, v in entry.headers if k.lower() != "vary"] + [("Vary", answer.headers["Vary"])]
    store().put(key, entry)


def init_app(app):
    kept = app.extensions["pagecache"] = Store(app.config["PAGE_CACHE_MB"] * 1024 * 1024)
    kept.known = Known()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    kept.listener = None
    if uri.startswith("postgresql"):
        from sqlalchemy.engine import make_url
        kept.listener = Listener(make_url(uri).set(drivername="postgresql").render_as_string(hide_password=False))
    original = app.dispatch_request
    # Flask runs dispatch_request after every before_request hook, app and blueprint alike.
    app.dispatch_request = lambda: _dispatch(original)


# --- Counting writes ---------------------------------------------------------------------------

def _bookkeeping(session):
    from commissioning.core import notices
    return notices.BOOKKEEPING in session.info or _BUMPING in session.info


def _counts(cls):
    from commissioning.core.models import CacheGeneration
    from commissioning.idempotency.models import RequestKey
    return not issubclass(cls, (RequestKey, CacheGeneration))


def _changed_more_than_a_touch(obj):
    touch = TOUCHES.get(type(obj).__name__)
    if touch is None:
        return True
    from sqlalchemy import inspect
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return not changed <= touch


@event.listens_for(Session, "after_flush")
def _flushed(session, _context):
    if _bookkeeping(session):
        return
    dirty = (o for o in session.dirty if session.is_modified(o) and _changed_more_than_a_touch(o))
    touched = itertools.chain(session.new, session.deleted, dirty)
    if any(_counts(type(obj)) for obj in touched):
        session.info[_WROTE] = True
        _wrote_here()


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if not (state.is_insert or state.is_update or state.is_delete) or _bookkeeping(state.session):
        return
    mapper = state.bind_mapper
    if mapper is None or _counts(mapper.class_):
        state.session.info[_WROTE] = True
        _wrote_here()


@event.listens_for(Session, "before_commit")
def _bump(session):
    """The generation moves with the writes, in their transaction: readers see both or neither."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes after this hook: what it would write must count now
    if not session.info.pop(_WROTE, False):
        return
    from commissioning.core import notices
    marks = [mark for mark in (_BUMPING, notices.BOOKKEEPING) if mark not in session.info]
    session.info.update(dict.fromkeys(marks, True))  # nobody's work: idempotency does not count it either
    try:
        _advance(session)
        session.info[_ADVANCED] = True
    finally:
        for mark in marks:
            session.info.pop(mark, None)
    from flask import session as cookie
    if has_request_context() and "_user_id" in cookie:
        # Saved with this answer's cookie: the redirect after a form is no kept page, even in a
        # process that has not yet heard of this commit.
        cookie[_OWN_WRITES] = cookie.get(_OWN_WRITES, 0) % 1000 + 1


def _advance(executes):
    """Add one to the generation (and, on PostgreSQL, tell the listeners) in the transaction of
    ``executes``: an ORM session or a Core connection."""
    from commissioning.core.models import CacheGeneration
    table = CacheGeneration.__table__
    bind = executes.get_bind() if isinstance(executes, Session) else executes
    dialect = bind.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    upsert = insert(table).values(id=1, value=1)
    executes.execute(upsert.on_conflict_do_update(index_elements=[table.c.id], set_={"value": table.c.value + 1}))
    if dialect == "postgresql":
        executes.execute(text(f"NOTIFY {CHANNEL}"))
    _wrote_here()


def wrote_on(connection):
    """For the few writes made on a connection of their own (``db.engine.begin()``), outside any
    ORM session and so unseen by the hooks above: they move the generation in their transaction."""
    _advance(connection)


@event.listens_for(Session, "after_commit")
def _committed(session):
    """Once the commit is visible, the generation moves again in this process: a read in another
    thread between the bump and the commit saw the rows before it, under the bumped number."""
    if session.info.pop(_ADVANCED, False):
        _wrote_here()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, _previous):
    """Rolled-back writes were counted in this process at their flush; pages kept since then showed
    them, so those pages go too."""
    session.info.pop(_ADVANCED, None)
    if session.info.pop(_WROTE, False):
        _wrote_here()


# --- Who a presented secret signs in --------------------------------------------------------------
#
# A kept page still needs to know whose it is: a session cookie's row (or an API token's) with the
# person, their roles and memberships. Reading them is most of what a kept page costs (a checkout,
# the statement, its commit), so on a GET or HEAD the rows found at generation N are noted here,
# and while the generation is still N a kept page is given on the strength of the notes, with no
# statement. Whatever would change the answer is a write (revoking, signing out, a role or
# membership, deactivating, a password reset, a message held for the session's next page), which
# moves the generation; what changes with the clock (idle, too old, expired) is checked on the
# notes as on the rows; a row whose "last used" note is due is read instead, so the note is kept.
# Notes serve kept pages only: before any view runs (``_before_view``) the rows are read from the
# database again, so a page built, and a form sent (never noted), has the database's own checks.

#: How many secrets each process notes at most (the least recently used go first).
KNOWN_LIMIT = 10_000


class Known:
    """Count-bounded LRU of {key: (generation, expires, snapshot)}; safe across threads."""

    def __init__(self, limit=KNOWN_LIMIT):
        self.limit = limit
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, now):
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[1] <= now:
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return found

    def put(self, key, value):
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


def _recalling():
    return (has_request_context() and request.method in ("GET", "HEAD")
            and bool(current_app.config["PAGE_CACHE_SECONDS"]))


def recall(kind, secret):
    """(the notes on ``secret`` taken at this generation, or None; a ticket for ``remember``).

    The ticket holds the generation as it stood before any read that follows: rows loaded after
    it are at least that new, so notes taken from them are good for it."""
    if not _recalling():
        return None, None
    ticket = ((kind, secret, session.get(_OWN_WRITES)), generation())
    if request.environ.get(_VIEWING):
        return None, ticket  # a view runs on the rows as the database has them (and notes them)
    found = store().known.get(ticket[0], time.monotonic())
    if found is None or found[0] != ticket[1]:
        return None, ticket
    return found[2], ticket


def columns(noted, *path):
    """The noted column values of a row, or of a row it leads to (``columns(noted, "user")``)."""
    for name in path:
        noted = noted[3][name]
    return noted[2]


def rebuild(noted):
    """The noted rows, in this request's session as if just loaded (see ``_rebuild``), but for the
    rows the second ones lead to (a token's person's roles), left to load if asked for: a kept
    answer needs the token and its person, no more, and a view reads the token again anyway."""
    return _rebuild(noted, levels=1)


class NotedUser:
    """Stands for the person a noted session signs in, as current_user, until more than who they
    are is asked: a kept page needs only that, and making the rows again is most of its cost.
    Anything else asked before a view (an error page's template, a comparison) makes the rows
    from the notes, with no statement. No view ever sees it: ``_before_view`` drops it, and the
    person is loaded from the database for the view."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, noted, secret):
        self._noted, self._secret, self._real = noted, secret, None
        row = columns(noted)
        self.id = columns(noted, "user")["id"]
        self.current_session = _NotedSession(row["id"], row["notices_waiting"], row["revoked_at"])

    def get_id(self):
        return self._secret

    def resolve(self):
        if self._real is None:
            row = _rebuild(self._noted)
            self._real = user = row.user
            user.current_session, user._session_secret = row, self._secret
            if g.get("_login_user") is self:
                g._login_user = user
        return self._real

    def __getattr__(self, name):
        return getattr(self.resolve(), name)

    def __eq__(self, other):
        return self.resolve() == (other.resolve() if isinstance(other, NotedUser) else other)

    def __hash__(self):
        return hash(self.resolve())


class _NotedSession:
    __slots__ = ("id", "notices_waiting", "revoked_at")

    def __init__(self, id, notices_waiting, revoked_at):  # noqa: A002 - the row's own name
        self.id, self.notices_waiting, self.revoked_at = id, notices_waiting, revoked_at


#: Called before every view, after the page cache found nothing kept: each reads again from the
#: database what the notes stood in for (the API's token).
_view_checks = []


def before_view(check):
    """Register ``check`` to run before every view (see ``_before_view``)."""
    _view_checks.append(check)
    return check


def _before_view():
    """A view is to run: from here on who is asking is read from the database, never from notes
    (a page built, unlike one kept, may show anything the person may see, so its checks are the
    database's own). The stand-in is dropped, so Flask-Login loads the person again."""
    request.environ[_VIEWING] = True
    if isinstance(g.get("_login_user"), NotedUser):
        g.pop("_login_user")
    for check in _view_checks:
        check()


def remember(ticket, row, related):
    """Note ``row`` and its ``related`` rows ({relationship: {relationship: ...}}) for ``ticket``."""
    if ticket is None or row is None:
        return
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    store().known.put(ticket[0], (ticket[1], time.monotonic() + seconds, _snapshot(row, related)))


def _snapshot(obj, related):
    from sqlalchemy import inspect
    mapper = inspect(obj).mapper
    columns = {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}
    rows = {}
    for name, inner in related.items():
        value = getattr(obj, name)
        rows[name] = ([_snapshot(item, inner) for item in value] if isinstance(value, list)
                      else None if value is None else _snapshot(value, inner))
    return mapper, mapper.identity_key_from_primary_key([columns[c.key] for c in mapper.primary_key]), columns, rows


def _rebuild(snapshot, levels=None):
    """The rows again, in this request's session as if just loaded: later lazy loads work as usual.
    With ``levels``, relationships only that many rows deep are made; below, they load if asked."""
    from sqlalchemy.orm import make_transient_to_detached
    from sqlalchemy.orm.attributes import instance_state, set_committed_value
    mapper, key, columns, rows = snapshot
    obj = db.session.identity_map.get(key)
    if obj is not None:
        return obj  # already in this session (loaded or made again earlier): it is at least as new
    obj = mapper.class_manager.new_instance()
    instance_state(obj).dict.update(columns)  # as a query's rows fill it
    make_transient_to_detached(obj)
    db.session.add(obj)
    if levels == 0:
        return obj
    deeper = None if levels is None else levels - 1
    for name, value in rows.items():
        set_committed_value(obj, name, [_rebuild(item, deeper) for item in value] if isinstance(value, list)
                            else None if value is None else _rebuild(value, deeper))
    return obj


def count_as_write(sess):
    """What this transaction does is shown on pages though it is bookkeeping (a message held for a
    session's next page): the generation moves at its commit, as for any write."""
    sess.info[_WROTE] = True
    _wrote_here()
