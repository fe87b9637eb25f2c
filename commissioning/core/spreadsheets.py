"""Cells for CSV downloads that a spreadsheet will not run as formulas."""


def safe_cell(value):
    """Text starting like a formula (=, +, -, @, tab, carriage return) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
