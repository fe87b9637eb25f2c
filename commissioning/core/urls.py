"""Links: in the app a path, in mail an address built from the configured BASE_URL.

A link stored for the app (a notification's) is a path, so it opens on whatever host the page was
read from; only mail, read outside the app, needs the service's address, and that comes from
BASE_URL (required in production), never from a request's Host header.
"""
from flask import current_app, has_request_context, url_for


def app_path(endpoint, **values):
    """The path of a page, in a request or in a worker (which has no request to build it from)."""
    if has_request_context():
        return url_for(endpoint, _external=False, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, _external=False, **values)


def mail_link(path):
    """A path made absolute for mail. An address already absolute (an older stored link) is kept."""
    if path.startswith(("http://", "https://")):
        return path
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def absolute_url(endpoint, **values):
    """The address of a page for mail or an API answer: BASE_URL and the page's path."""
    return mail_link(app_path(endpoint, **values))
