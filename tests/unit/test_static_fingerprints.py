"""Static files: a content hash in every URL, and a year's lifetime for the URL that has it."""
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from flask import url_for

from commissioning.accounts.models import Role
from commissioning.core import caching

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _static_urls(html):
    found = STATIC_URL.findall(html)
    imports = re.search(r'<script type="importmap"[^>]*>(.*?)</script>', html, re.S)
    if imports:
        found += list(json.loads(imports.group(1))["imports"].values())
    return found


@pytest.fixture
def pages(app, client, login, create_user):
    """The HTML of pages signed out, an error page and a signed-in page."""
    html = [client.get(url).get_data(as_text=True) for url in ("/", "/opportunities", "/no/such/page")]
    html.append(login(create_user(Role.commissioner)).get("/dashboard").get_data(as_text=True))
    return html


def test_every_static_url_carries_its_files_hash_and_lives_a_year(app, pages):
    folder = Path(app.static_folder)
    seen = set()
    for html in pages:
        urls = _static_urls(html)
        assert urls, "the page names its CSS and scripts"
        for url in urls:
            path, _, query = url.partition("?")
            name = path.removeprefix("/static/")
            assert query == f"v={hashlib.sha256((folder / name).read_bytes()).hexdigest()[:12]}", url
            seen.add(url)
    assert {u.partition("?")[0] for u in seen} >= {"/static/app.css", "/static/app.js", "/static/favicon.svg",
                                                    "/static/govuk/govuk-frontend.min.js"}
    client = app.test_client()
    for url in seen:
        response = client.get(url)
        assert response.status_code == 200, url
        cc = response.cache_control
        assert cc.public and cc.max_age == 31536000 and cc.immutable, (url, response.headers["Cache-Control"])
        assert "Cookie" not in response.vary, "a static file is the same whoever asks"


def test_a_static_file_lives_a_year_for_someone_signed_in_too(app, login, create_user):
    client = login(create_user(Role.provider))
    with app.test_request_context():
        url = url_for("static", filename="app.css")
    response = client.get(url)
    assert response.cache_control.immutable and response.cache_control.public
    assert not response.cache_control.no_store


def test_a_url_without_the_current_hash_is_kept_briefly(app, client):
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age == app.config["STATIC_MAX_AGE"] < 31536000
        assert not response.cache_control.immutable


def test_a_changed_file_gets_a_changed_url(app, tmp_path, monkeypatch):
    copy = tmp_path / "static"
    shutil.copytree(app.static_folder, copy)
    before = caching.static_fingerprints(copy)
    assert before == app.extensions["static_fingerprints"]
    (copy / "app.css").write_text((copy / "app.css").read_text() + "\n.app-new { color: #0b0c0c; }\n")
    after = caching.static_fingerprints(copy)
    assert after["app.css"] != before["app.css"]
    assert {k: v for k, v in after.items() if k != "app.css"} == {k: v for k, v in before.items() if k != "app.css"}
    with app.test_request_context():
        old_url = url_for("static", filename="app.css")
        monkeypatch.setitem(app.extensions, "static_fingerprints", after)
        assert url_for("static", filename="app.css") != old_url
        assert url_for("static", filename="app.css").endswith(f"?v={after['app.css']}")


def test_hashes_are_taken_at_start_up_not_per_request(client, monkeypatch):
    def refuse(_folder):
        raise AssertionError("static files hashed during a request")
    monkeypatch.setattr(caching, "static_fingerprints", refuse)
    assert "/static/app.css?v=" in client.get("/").get_data(as_text=True)


def test_the_pages_policy_allows_its_import_map_and_scripts(client):
    """script-src is 'self' with the request's nonce: the import map is inline, so it carries the nonce."""
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
