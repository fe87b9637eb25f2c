"""One input policy for every form field, query-string filter, API field and file name.

Control characters have no business in text a person typed: PostgreSQL refuses NUL
outright (a 500 if nobody checks first) and SQLite stores it, even inside a file name
we later serve. Tab and newline are allowed in long text only. Bidirectional overrides
can make ``report‮fdp.exe`` look like ``reportexe.pdf``, so file names lose them.
"""
import re
import unicodedata

from flask import request
from werkzeug.exceptions import BadRequest

#: C0 and C1 controls and DEL, and lone surrogates (JSON can carry them; no database can store
#: them); tab and newline (and the CR of CRLF) are judged apart. Written with \u escapes so
#: that the API's OpenAPI patterns (ECMAScript regexes) say exactly the same.
CONTROL_RANGES = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff"
LINE_BREAK_RANGES = r"\u0009\u000a\u000d"
_CONTROLS = re.compile(f"[{CONTROL_RANGES}]")
_LINE_BREAKS = re.compile(f"[{LINE_BREAK_RANGES}]")
#: Bidi embeddings, overrides and isolates, and the invisible marks used with them.
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
#: Unicode's line and paragraph separators: line breaks to a browser, not to _LINE_BREAKS.
_SEPARATORS = re.compile(r"[\u2028\u2029\u0085]")

CONTROL_MESSAGE = "{label} must not contain hidden control characters. Type it again without them"


def has_control_characters(value, multiline=False):
    """True when ``value`` holds a control character not allowed in this kind of text."""
    if not isinstance(value, str):
        return False
    if _CONTROLS.search(value):
        return True
    return not multiline and bool(_LINE_BREAKS.search(value))


def strip_controls(value):
    """``value`` without the control characters that are never allowed (tab and newline kept)."""
    return _CONTROLS.sub("", value)


def text_pattern(multiline=False, not_blank=False):
    """The rule of ``has_control_characters`` as a regex, for documents such as the OpenAPI one."""
    refused = CONTROL_RANGES + ("" if multiline else LINE_BREAK_RANGES)
    if not_blank:
        return rf"^[^{refused}]*[^\s{refused}][^{refused}]*$"
    return rf"^[^{refused}]*$"


def clean_filename(name, fallback="file", max_length=200):
    """A file name safe to store and serve: no controls, no bidi tricks, no folders; accents kept.

    Line and paragraph separators become spaces; a long name is shortened in its stem, so it
    keeps its extension (what the upload check and the browser go by)."""
    name = unicodedata.normalize("NFC", name or "")
    name = _SEPARATORS.sub(" ", _LINE_BREAKS.sub(" ", name))
    name = _BIDI.sub("", _CONTROLS.sub("", name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".").strip()
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:max_length - len(ext) - 1].rstrip() + dot + ext) if dot and len(ext) <= 10 \
            else name[:max_length].rstrip()
    return name or fallback


#: Ids are 32-bit keys: anything larger would overflow the database's integer, not find nothing.
MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")


def to_id(value):
    """A positive 32-bit id from a query-string or form value, or None ("not chosen").

    Not numeric, zero, negative or too large are all None, never a database overflow."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    text = value.strip() if isinstance(value, str) else ""
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def arg_id(name, values=None):
    """The id in ``request.args[name]`` (or in ``values``, such as ``request.form``), or None."""
    return to_id((request.args if values is None else values).get(name))


def arg_ids(name, values=None):
    """Every valid id in ``request.args.getlist(name)`` (or ``values``), in order; the others left out."""
    found = (to_id(v) for v in (request.args if values is None else values).getlist(name))
    return [i for i in found if i is not None]


QUERY_MESSAGE = ("The web address has hidden control characters in “{name}”. Check the address, or go back "
                 "and use the links and buttons on the page")


def refuse_control_characters_in_query():
    """Before every request: a query string with control characters is a 400, before any view reads it.

    Filters go straight into queries, and PostgreSQL refuses NUL with an error rather than
    finding nothing. Pages get the error page with this message; the API its JSON error
    shape (``data`` is where flask-smorest's ``abort`` keeps the message and field errors)."""
    for name, value in request.args.items(multi=True):
        if has_control_characters(name) or has_control_characters(value):
            shown = _LINE_BREAKS.sub(" ", _CONTROLS.sub("", name))[:60]
            message = QUERY_MESSAGE.format(name=shown)
            refused = BadRequest(description=message)
            refused.data = {"message": message, "errors": {shown: [message]}}
            raise refused


def configure(app):
    """Apply the policy to every request of ``app`` (see setup.configure_inputs)."""
    app.before_request(refuse_control_characters_in_query)
