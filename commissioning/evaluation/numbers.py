"""Numbers in evaluation as people write them, for pages, the assessment summary PDF and mail alike.

One place, so that a score is "2.7 of 5" wherever it is read, never "2.6666666666666665" on one
page and "2.67" on another; money goes through ``commissioning.core.money.format_pounds``
("£12,345"), which the ``pounds`` filter uses too.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def format_number(value, places=1):
    """4 not 4.0, 2.7 not 2.6666666666666665: rounded half up (as people do, 2.5 -> 3, where
    Python's ``round`` gives 2) to ``places``, trailing zeros dropped."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(str(value))  # str: 0.1 as written, not as the binary float holds it
    text = f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


def format_score(value, scale_max):
    """A score on its scale: "2.7 of 5"."""
    if value is None:
        return None
    return f"{format_number(value, 1)} of {format_number(scale_max, 0)}"


def format_percent(value):
    """A percentage to a whole number: 66.666 -> "67%"."""
    if value is None:
        return None
    return f"{format_number(value, 0)}%"


def format_size(size):
    """A file's size as people write it: 900 bytes, 12 KB, 1.4 MB."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{format_number(size / 1024, 0)} KB"
    return f"{format_number(size / (1024 * 1024), 1)} MB"


#: What a content type is called, for people choosing whether to open a file.
FILE_KINDS = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "text/csv": "CSV",
    "text/plain": "Text",
}


def file_kind(content_type):
    return FILE_KINDS.get(content_type, "File")
