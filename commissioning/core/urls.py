"""Links in mail: built from the configured BASE_URL, never from the request's Host header."""
from flask import current_app, has_request_context, url_for


def absolute_url(endpoint, **values):
    """Works in a request and in a worker, where there is no request to build a URL from."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, _external=False, **values)
    with current_app.test_request_context("/", base_url=base):
        return base + url_for(endpoint, _external=False, **values)
