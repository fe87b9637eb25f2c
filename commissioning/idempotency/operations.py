"""Exactly-once requests: the one mechanism every state-changing request goes through.

Every form the app renders carries a fresh ``request_key`` beside its CSRF token (see
``commissioning.core.forms``); API clients may send an ``Idempotency-Key`` header. Before
the view runs, the key is written to ``request_keys`` in the request's own transaction.
A second request with the same key waits on that primary key (a row lock on PostgreSQL,
the single writer on SQLite) until the first commits, then finds the row and is answered
with what the first one did, instead of doing it again. A request that fails (status 400
or more) rolls back its key with everything else, so trying again works; a request that
changed nothing (a form shown again with its errors) gives its key back, so a double click
on a refused form shows the errors again rather than "already done".
"""
import hashlib
import re

from flask import current_app, g, jsonify, redirect, request, session
from flask_login import current_user
from sqlalchemy import delete, event, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commissioning.core import notices
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.idempotency.models import RequestKey

FIELD = "request_key"
HEADER = "Idempotency-Key"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{16,100}$")
_WROTE = "idempotency_wrote"
#: API answers kept for replay; larger ones are replayed as their status alone.
MAX_BODY = 64 * 1024

REPLAY_NOTICE = "You sent this twice. It was done once, and nothing was doubled."


def new_key():
    import secrets

    from commissioning.core.pagecache import made_fresh
    key = secrets.token_urlsafe(18)
    made_fresh(key)  # a kept copy of the page gets a new one in its place
    return key


def _sent_key():
    if request.path.startswith("/api/"):
        return request.headers.get(HEADER)
    return request.form.get(FIELD) if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else None


def _digest(raw):
    if request.path.startswith("/api/"):
        # The API authenticates inside its views; the bearer credential scopes the key instead.
        who = "api:" + hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()
    else:
        # The sign-in the cookie names, valid or not: a second sign-out sent with the same cookie
        # finds the same key even when the first has already ended that session.
        who = "session:" + str(session.get("_user_id") or "anonymous")
    return hashlib.sha256(f"{who}\n{raw}".encode()).hexdigest()


def claim():
    """Before the view: take the request's key, or answer with the first request's outcome."""
    if request.method not in UNSAFE:
        return None
    raw = _sent_key()
    if raw is None or raw == "":
        return None
    if not _SHAPE.match(raw):
        return _refuse(400, "This form could not be sent safely. Go back, reload the page and try again.")
    key = _digest(raw)
    user_id = current_user.id if current_user.is_authenticated and not request.path.startswith("/api/") else None
    try:
        # No savepoint: on SQLite (pysqlite) a savepoint outside BEGIN commits at once, and the
        # key must commit with the request's work or not at all. Nothing was written before.
        db.session.execute(insert(RequestKey).values(
            key=key, user_id=user_id, method=request.method, path=request.path[:500],
            messages=[], created_at=utcnow()))
    except IntegrityError:
        # The first request with this key has committed (we waited for it): answer as it did.
        db.session.rollback()
        first = db.session.get(RequestKey, key)
        if first is None:  # it was cleaned up in between: treat as new
            return None
        return _replay(first)
    g.request_key = key
    db.session.info[_WROTE] = False
    return None


def _refuse(code, message):
    if request.path.startswith("/api/"):
        return jsonify(code=code, status="Bad Request", message=message), code
    from flask import abort
    abort(code, description=message)


def _replay(first):
    if first.method != request.method or first.path != request.path[:500]:
        return _refuse(400, "This form was already used for something else. Reload the page and try again.")
    if request.path.startswith("/api/"):
        payload = first.messages[0] if first.messages else None
        response = jsonify(payload) if payload is not None else current_app.response_class()
        response.status_code = first.status_code or 200
        if first.location:
            response.headers["Location"] = first.location
        response.headers["Idempotent-Replayed"] = "true"
        return response
    # One "Important" banner tells what happened; what the first answer said follows in it, and a
    # message of another kind (a refusal, a note) keeps its own banner.
    said = [(c, m) for c, m in first.messages or [] if m]
    notices.withdraw_waiting([m for c, m in said if c in (notices.SUCCESS, "message")])
    notices.info(" ".join([REPLAY_NOTICE, *(m for c, m in said if c in (notices.SUCCESS, "message"))]))
    for kind, message in said:
        if kind not in (notices.SUCCESS, "message"):
            notices.again(kind, message)
    response = redirect(first.location or _back(), 303)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _back():
    """Where a form's page was, for a first answer that was a page rather than a redirect."""
    from urllib.parse import urlsplit
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path if request.url_rule is not None and "GET" in request.url_rule.methods else "/dashboard"


def note_outcome(response):
    """After the view, before the request's one commit: keep what it answered, or give the key back."""
    key = g.pop("request_key", None)
    if key is None or response.status_code >= 400:
        return
    db.session.flush()  # a view may leave its changes for the commit: count them now
    if not db.session.info.pop(_WROTE, False):
        db.session.execute(delete(RequestKey).where(RequestKey.key == key))
        return
    if request.path.startswith("/api/"):
        body = response.get_json(silent=True) if response.is_json and not response.is_streamed else None
        kept = [body] if body is not None and len(response.get_data()) <= MAX_BODY else []
        values = {"messages": kept}
    else:
        values = {"messages": [[c, m] for c, m in notices.sent_this_request()]}
    note = g.pop("replay_note", None)
    if note is not None:
        values["messages"] = [["info", note]]
    location = response.headers.get("Location") if (300 <= response.status_code < 400
                                                   or response.status_code == 201) else None
    db.session.execute(update(RequestKey).where(RequestKey.key == key).values(
        status_code=response.status_code, location=(location or "")[:1000] or None, **values))


@event.listens_for(Session, "after_flush")
def _mark_writes(session, _context):
    if _WROTE not in session.info or notices.BOOKKEEPING in session.info:
        return
    touched = list(session.new) + list(session.deleted) + [o for o in session.dirty if session.is_modified(o)]
    if any(not isinstance(obj, RequestKey) for obj in touched):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_statement_writes(state):
    if notices.BOOKKEEPING in state.session.info:
        return
    if _WROTE in state.session.info and (state.is_insert or state.is_update or state.is_delete):
        mapper = state.bind_mapper
        if mapper is None or mapper.class_ is not RequestKey:
            state.session.info[_WROTE] = True


def set_replay_note(text):
    """What a second request with the same key is told, when the first one's page cannot be shown again."""
    g.replay_note = text


def init_app(app):
    """Register the claim after CSRF and sign-in checks (so a forged request claims nothing)."""
    app.before_request(claim)
