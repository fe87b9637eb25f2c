"""The one place the app flashes a message, so each says what kind it is.

Three kinds, each rendered its own GOV.UK way by ``templates/base.html``:

- ``success``: the thing the person asked for was done (green notification banner);
- ``info``: something they need to know that is not an outcome (blue "Important" banner);
- ``refusal``: the thing was not done (an error summary, "There is a problem"). Its
  message must say what to do next, in plain words: "Set a deadline in the future, then
  open it", not "Invalid deadline".

Views call these rather than ``flask.flash``; ``tests/unit/test_notices.py`` fails when
they do not.

Where a message waits for the next page: a message shown on the page this request renders
never leaves the request. One for a later page waits, for a signed-in person, in
``held_notices`` beside their session row (``UserSession.notices_waiting`` says when to look,
so a page with none costs no query); for anyone else it goes in the session cookie as Flask
flashes do. The cookie cannot be trusted with it when one double click sends two requests:
each answer sets the cookie, the browser keeps whichever arrives last, and the other's
message is lost (the idempotent replay's "You sent this twice" among them).
"""
from contextlib import contextmanager

from flask import flash, get_flashed_messages, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

SUCCESS = "success"
INFO = "info"
REFUSAL = "error"
#: Every category this module flashes; Flask-Login's ``login_message_category`` is one of them.
KINDS = (SUCCESS, INFO, REFUSAL)
#: Set in ``db.session.info`` while this module writes its own rows: they are not the request's work
#: (``commissioning.idempotency`` does not count them as writes).
BOOKKEEPING = "notices_bookkeeping"

_QUEUE = "notices_queue"    # this request's messages not yet shown
_SENT = "notices_sent"      # every message this request gave, shown or not
_SHOWN = "notices_shown"


def _state():
    """This request's own notes, on the request itself: ``g`` lives as long as the app context,
    which a test (or a CLI command) may keep across several requests."""
    return request.environ.setdefault("commissioning.notices", {})


def _add(kind, message):
    state = _state()
    state.setdefault(_QUEUE, []).append((kind, message))
    state.setdefault(_SENT, []).append((kind, message))


def success(message):
    """The person's action was done."""
    _add(SUCCESS, message)


def info(message):
    """Something to know that is neither a success nor a refusal (a replay, a note)."""
    _add(INFO, message)


def refusal(message):
    """The action was not done. ``message`` says why and what to do next."""
    _add(REFUSAL, message)


def again(kind, message):
    """Give ``message`` again as the kind it was first given as (an idempotent replay)."""
    _add(kind if kind in KINDS else INFO, message)


def sent_this_request():
    """Every (kind, message) this request gave, for the idempotent replay's record."""
    return list(_state().get(_SENT, [])) if has_request_context() else []


def _held_session():
    """The signed-in session row messages can wait with, or None (signed out, signing out, API)."""
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    row = getattr(current_user, "current_session", None)
    return row if row is not None and row.revoked_at is None else None


@contextmanager
def _bookkeeping():
    from commissioning.extensions import db
    db.session.flush()  # the request's own changes first, counted as its work
    db.session.info[BOOKKEEPING] = True
    try:
        yield db.session
    finally:
        db.session.info.pop(BOOKKEEPING, None)


def _set_waiting(session, row, waiting):
    from commissioning.accounts.models import UserSession
    session.execute(update(UserSession).where(UserSession.id == row.id).values(notices_waiting=waiting)
                    .execution_options(synchronize_session=False))
    set_committed_value(row, "notices_waiting", waiting)


def pending():
    """The messages for the page being rendered, by kind, in order, for the base template.

    A category this module does not know (the default "message", or one from an older
    release still in a session) is shown as information: never as a success it may not be.
    """
    state = _state()
    kinds = state.get(_SHOWN)
    if kinds is None:
        kinds = state.setdefault(_SHOWN, {kind: [] for kind in KINDS})
        for category, message in get_flashed_messages(with_categories=True):
            kinds[category if category in KINDS else INFO].append(message)
        row = _held_session()
        if row is not None and row.notices_waiting:
            from commissioning.accounts.models import HeldNotice
            with _bookkeeping() as session:
                held = session.execute(select(HeldNotice.id, HeldNotice.kind, HeldNotice.message)
                                       .where(HeldNotice.session_id == row.id).order_by(HeldNotice.id)).all()
                for _id, kind, message in held:
                    kinds[kind if kind in KINDS else INFO].append(message)
                session.execute(delete(HeldNotice).where(HeldNotice.id.in_([h.id for h in held])))
                _set_waiting(session, row, False)
    for kind, message in state.pop(_QUEUE, []):
        kinds[kind].append(message)
    return kinds


def shown_any():
    """Whether the page this request rendered showed a message (such a page is said only once)."""
    if not has_request_context():
        return False
    return any(_state().get(_SHOWN, {}).values())


def withdraw_waiting(messages):
    """Take back messages still waiting for this person's next page (the first answer's, which
    an idempotent replay repeats in its own notice), so the page does not say them twice."""
    row = _held_session()
    if row is None or not messages or not row.notices_waiting:
        return
    from commissioning.accounts.models import HeldNotice
    with _bookkeeping() as session:
        session.execute(delete(HeldNotice).where(HeldNotice.session_id == row.id,
                                                 HeldNotice.message.in_(list(messages))))


def keep_unshown(response):
    """After the view: the messages no page showed wait for the next one (see the module's note).

    Runs before the request's one commit, so they commit with its work; a failed request (400 or
    more) rolls back, so its messages go in the cookie instead.
    """
    queue = _state().pop(_QUEUE, [])
    if not queue:
        return response
    row = _held_session()
    if row is None or response.status_code >= 400:
        for kind, message in queue:
            flash(message, kind)
        return response
    from commissioning.accounts.models import HeldNotice
    from commissioning.core.models import utcnow
    with _bookkeeping() as session:
        now = utcnow()
        session.execute(insert(HeldNotice), [{"session_id": row.id, "kind": kind, "message": message,
                                              "created_at": now} for kind, message in queue])
        _set_waiting(session, row, True)
    from commissioning.core import pagecache
    pagecache.count_as_write(session)  # noted sessions (core/pagecache.py) must look for it
    return response


def init_app(app):
    """Registered after the database's commit hook, so it runs before it (Flask runs them last first)."""
    app.after_request(keep_unshown)
