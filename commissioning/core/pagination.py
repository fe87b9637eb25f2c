"""Pagination parameters for list pages."""
from flask import request


def page_args(default_per_page=50, max_per_page=200):
    """Return (page, per_page) from the query string, clamped to sensible values."""
    page = request.args.get("page", 1, type=int) or 1
    per_page = request.args.get("per_page", default_per_page, type=int) or default_per_page
    # Clamped: an absurd page number is an empty page, not an overflow in the database.
    return min(max(page, 1), 100_000), min(max(per_page, 1), max_per_page)
