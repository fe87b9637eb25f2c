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
- the store holds at most ``PAGE_CACHE_MB`` per process, the least recently used going first.

Answers to someone signed in, or to an API token, are kept too, for that one session or token
alone: the key holds the session row (or token) and the person, found valid by the usual checks
(Flask-Login's loader: not revoked, idle or too old; the API's token check) before the lookup.
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
#: Flask session key: moved on whenever a request of this session writes, so the person's next page
#: (in whichever process, however soon) is built anew, not one kept from before their own change.
_OWN_WRITES = "_pw"
#: g key: the values made for this render (request keys) that a kept copy must make afresh.
_FRESH = "_pagecache_fresh"
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

    def __init__(self, url):
        self.url = url
        self.count = 0
        self.listening = False
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
        return self.listening

    def _run(self):
        import psycopg
        pid = os.getpid()
        while self._pid == pid:
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.count += 1
                    self.listening = True
                    self._started.set()
                    for _notice in conn.notifies():
                        self.count += 1
            except Exception as exc:  # noqa: BLE001 - any failure: read the row per request until back
                log.info("page cache: not listening for commits (%s); reading the generation per request", exc)
            finally:
                self.listening = False
                self.count += 1
                self._started.set()  # the first lookup reads the row meanwhile
            time.sleep(self.RETRY_SECONDS)


class Entry:
    __slots__ = ("status", "headers", "parts", "etag", "expires", "size")

    def __init__(self, status, headers, body, fresh, etag, expires):
        """``fresh``: {bytes in the body: what it is} for the values each request makes its own."""
        self.status, self.headers, self.etag, self.expires = status, headers, etag, expires
        self.parts = _cut(body, fresh)
        self.size = len(body) + 512

    def response(self):
        made = {}
        body = b"".join(part if i % 2 == 0 else _made_again(part, made) for i, part in enumerate(self.parts))
        answer = current_app.response_class(body, status=self.status, headers=self.headers)
        if self.etag:
            answer.set_etag(self.etag)
        return answer


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
        return original()
    entry = store().get(key, time.monotonic())
    if entry is not None:
        return entry.response()
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
    store().put(key, Entry(answer.status_code, headers, answer.get_data(), fresh, answer.get_etag()[0],
                           time.monotonic() + seconds))


def init_app(app):
    kept = app.extensions["pagecache"] = Store(app.config["PAGE_CACHE_MB"] * 1024 * 1024)
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
    from commissioning.core.models import CacheGeneration
    table = CacheGeneration.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    upsert = insert(table).values(id=1, value=1)
    upsert = upsert.on_conflict_do_update(index_elements=[table.c.id], set_={"value": table.c.value + 1})
    from commissioning.core import notices
    marks = [mark for mark in (_BUMPING, notices.BOOKKEEPING) if mark not in session.info]
    session.info.update(dict.fromkeys(marks, True))  # nobody's work: idempotency does not count it either
    try:
        session.execute(upsert)
        if dialect == "postgresql":
            session.execute(text(f"NOTIFY {CHANNEL}"))
    finally:
        for mark in marks:
            session.info.pop(mark, None)
    _wrote_here()
    from flask import session as cookie
    if has_request_context() and "_user_id" in cookie:
        # Saved with this answer's cookie: the redirect after a form is no kept page, even in a
        # process that has not yet heard of this commit.
        cookie[_OWN_WRITES] = cookie.get(_OWN_WRITES, 0) % 1000 + 1


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, _previous):
    """Rolled-back writes were counted in this process at their flush; pages kept since then showed
    them, so those pages go too."""
    if session.info.pop(_WROTE, False):
        _wrote_here()
