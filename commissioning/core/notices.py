"""The one place the app flashes a message, so each says what kind it is.

Three kinds, each rendered its own GOV.UK way by ``templates/base.html``:

- ``success``: the thing the person asked for was done (green notification banner);
- ``info``: something they need to know that is not an outcome (blue "Important" banner);
- ``refusal``: the thing was not done (an error summary, "There is a problem"). Its
  message must say what to do next, in plain words: "Set a deadline in the future, then
  open it", not "Invalid deadline".

Views call these rather than ``flask.flash``; ``tests/unit/test_notices.py`` fails when
they do not.
"""
from flask import flash, get_flashed_messages

SUCCESS = "success"
INFO = "info"
REFUSAL = "error"
#: Every category this module flashes; Flask-Login's ``login_message_category`` is one of them.
KINDS = (SUCCESS, INFO, REFUSAL)


def success(message):
    """The person's action was done."""
    flash(message, SUCCESS)


def info(message):
    """Something to know that is neither a success nor a refusal (a replay, a note)."""
    flash(message, INFO)


def refusal(message):
    """The action was not done. ``message`` says why and what to do next."""
    flash(message, REFUSAL)


def again(kind, message):
    """Flash ``message`` again as the kind it was first flashed with (an idempotent replay)."""
    flash(message, kind if kind in KINDS else INFO)


def pending():
    """This request's flashed messages by kind, in order, for the base template.

    A category this module does not know (the default "message", or one from an older
    release still in a session) is shown as information: never as a success it may not be.
    """
    kinds = {kind: [] for kind in KINDS}
    for category, message in get_flashed_messages(with_categories=True):
        kinds[category if category in KINDS else INFO].append(message)
    return kinds
