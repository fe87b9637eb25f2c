"""Links in mail: built from the configured BASE_URL, never from the request's Host header."""
from flask import current_app, url_for


def absolute_url(endpoint, **values):
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, _external=False, **values)
