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
- writes flushed in this process count at once, before their commit (``_local``), so a request
  that writes and then reads in one process never sees its own page from before;
- an entry also ends after ``PAGE_CACHE_SECONDS``, for what changes with the clock (a deadline
  passing) and for writes made outside any session (bulk loads, psql);
- the store holds at most ``PAGE_CACHE_MB`` per process, the least recently used going first.

Nothing else is ever looked up: a request that is signed in (a session naming someone), carries
an API token, has a message waiting in its cookie, or is not a GET or HEAD runs its view as
usual. The lookup runs after every ``before_request`` hook (the input policy, rate limits, CSRF,
the CSP nonce, a blueprint's own checks) and the kept answer then goes through every
``after_request`` hook, so the headers are this request's. The CSP nonce a page was built with is
swapped for this request's one. Bookkeeping rows (request keys, waiting messages) do not count as
writes: they are nobody's public page.
"""
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from commissioning.extensions import db

#: ``Session.info`` key: this transaction wrote something a page may show (bumped at its commit).
_WROTE = "pagecache_wrote"
#: ``Session.info`` key set while the generation itself is written (it is no write to count).
_BUMPING = "pagecache_bumping"
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

    def __init__(self, status, headers, body, nonce, etag, expires):
        self.status, self.headers, self.etag, self.expires = status, headers, etag, expires
        # The page's CSP nonce is cut out, and this request's put back in its place.
        self.parts = body.split(nonce.encode()) if nonce else [body]
        self.size = len(body) + 512

    def response(self):
        nonce = getattr(request, "csp_nonce", "") or ""
        body = nonce.encode().join(self.parts)
        answer = current_app.response_class(body, status=self.status, headers=self.headers)
        if self.etag:
            answer.set_etag(self.etag)
        return answer


def store(app=None):
    return (app or current_app).extensions["pagecache"]


def clear(app=None):
    store(app).clear()


def generation():
    """Where the data stands: commits heard of (or the row as committed), and this process's writes."""
    listener = store().listener
    if listener is not None and listener.ready():
        return ("heard", listener.count, _local_value[0])
    from commissioning.core.models import CacheGeneration
    value = db.session.execute(select(CacheGeneration.value).where(CacheGeneration.id == 1)).scalar()
    return ("read", value or 0, _local_value[0])


def _key():
    """What a kept answer is found by, or None when this request must run its view."""
    if request.method not in ("GET", "HEAD") or not current_app.config["PAGE_CACHE_SECONDS"]:
        return None
    from commissioning.core.caching import NEVER_SHARED
    if request.endpoint in (None, "static") or request.endpoint in NEVER_SHARED:
        return None
    if "Authorization" in request.headers or "_user_id" in session or "_flashes" in session:
        return None
    return (request.scheme, request.host, request.path, request.query_string, generation())


def _dispatch(original):
    key = _key()
    if key is None:
        return original()
    entry = store().get(key, time.monotonic())
    if entry is not None:
        g._pagecache_hit = True
        return entry.response()
    answer = current_app.make_response(original())
    if answer.is_streamed and not answer.direct_passthrough:
        _gather(answer, store().max_bytes // 4)
    if not answer.is_streamed:
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _PER_ANSWER]
        g._pagecache = (key, answer, headers)
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


def keep(answer):
    """Called by core/caching.py for an answer it found shareable, once its ETag is set."""
    pending = g.pop("_pagecache", None)
    if pending is None or pending[1] is not answer or answer.status_code != 200 or answer.is_streamed:
        return
    key, _answer, headers = pending
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    store().put(key, Entry(answer.status_code, headers, answer.get_data(), getattr(request, "csp_nonce", None),
                           answer.get_etag()[0], time.monotonic() + seconds))


def was_hit():
    return bool(g.get("_pagecache_hit"))


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


@event.listens_for(Session, "after_flush")
def _flushed(session, _context):
    if _bookkeeping(session):
        return
    touched = itertools.chain(session.new, session.deleted, (o for o in session.dirty if session.is_modified(o)))
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


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, _previous):
    """Rolled-back writes were counted in this process at their flush; pages kept since then showed
    them, so those pages go too."""
    if session.info.pop(_WROTE, False):
        _wrote_here()
