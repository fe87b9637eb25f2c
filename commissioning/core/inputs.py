"""One input policy for every form field, query-string filter, API field and file name.

Control characters have no business in text a person typed: PostgreSQL refuses NUL
outright (a 500 if nobody checks first) and SQLite stores it, even inside a file name
we later serve. Tab and newline are allowed in long text only. Bidirectional overrides
can make ``report‮fdp.exe`` look like ``reportexe.pdf``, so file names lose them.
"""
import re
import unicodedata

#: C0 and C1 controls and DEL; tab and newline (and the CR of CRLF) are judged apart.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\r\n]")
#: Bidi embeddings, overrides and isolates, and the invisible marks used with them.
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")

CONTROL_MESSAGE = "{label} must not contain hidden control characters. Type it again without them"


def has_control_characters(value, multiline=False):
    """True when ``value`` holds a control character not allowed in this kind of text."""
    if not isinstance(value, str):
        return False
    if _CONTROLS.search(value):
        return True
    return not multiline and bool(_LINE_BREAKS.search(value))


def clean_filename(name, fallback="file"):
    """A file name safe to store and serve: no controls, no bidi tricks, no folders; accents kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = _BIDI.sub("", _CONTROLS.sub("", _LINE_BREAKS.sub(" ", name)))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return name[:200] or fallback
