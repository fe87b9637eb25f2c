"""Public pages kept in the web process (core/pagecache.py): built once, until a write or their time.

Each test counts how often a view really ran: a kept answer runs none.
"""
import re
from collections import Counter

import pytest

from commissioning.core import pagecache
from commissioning.core.caching import NEVER_SHARED
from commissioning.extensions import db
from tests.unit.test_access import ACCESS, _panel_objects, objects, urls  # noqa: F401 (fixtures)
from tests.unit.test_caching import _public_urls
from tests.unit.test_monitoring import active  # noqa: F401 (fixture: an active contract to publish)

NONCE = re.compile(r'nonce-([A-Za-z0-9_-]+)')


@pytest.fixture
def runs(app, monkeypatch):
    """runs[endpoint]: how many times its view ran since the test began."""
    counts = Counter()

    def counted(endpoint, view):
        def run(*args, **kwargs):
            counts[endpoint] += 1
            return view(*args, **kwargs)
        return run

    for endpoint, view in list(app.view_functions.items()):
        monkeypatch.setitem(app.view_functions, endpoint, counted(endpoint, view))
    return counts


def _nonce(response):
    found = NONCE.search(response.headers.get("Content-Security-Policy", ""))
    return found.group(1) if found else None


def _without_nonce(response):
    nonce = _nonce(response)
    body = response.get_data()
    return body.replace(nonce.encode(), b"NONCE") if nonce else body


def test_a_public_page_is_built_once_then_kept(client, runs):
    first = client.get("/opportunities")
    second = client.get("/opportunities")
    assert (first.status_code, second.status_code) == (200, 200)
    assert runs["opportunities.index"] == 1
    assert _without_nonce(second) == _without_nonce(first)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.cache_control.public and "Cookie" in second.vary


def test_a_committed_write_is_seen_by_the_next_request(client, runs, create_opportunity):
    assert "Detached youth work in Kirkby" not in client.get("/opportunities").get_data(as_text=True)
    create_opportunity(title="Detached youth work in Kirkby")
    db.session.commit()
    page = client.get("/opportunities").get_data(as_text=True)
    assert "Detached youth work in Kirkby" in page
    assert runs["opportunities.index"] == 2


def test_a_write_flushed_in_this_process_counts_before_its_commit(client, runs, create_opportunity):
    client.get("/opportunities")
    create_opportunity(title="Summer holiday activities")
    db.session.flush()
    assert "Summer holiday activities" in client.get("/opportunities").get_data(as_text=True)
    assert runs["opportunities.index"] == 2


def test_a_write_made_by_a_request_is_seen_at_once(app, client, runs, create_user, login):
    """A commissioner changes a need's status through the form; the public page after it is new."""
    from commissioning.accounts.models import Role
    from commissioning.core.models import CacheGeneration
    before = db.session.get(CacheGeneration, 1)
    before = before.value if before is not None else 0
    signed_in = app.test_client()
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    client.get("/")
    signed_in.post("/login", data={"email": commissioner.email, "password": "a-long-test-password"})
    db.session.expire_all()
    assert db.session.get(CacheGeneration, 1).value > before  # the sign-in wrote its session row
    client.get("/")
    assert runs["main.home"] == 2


def test_bookkeeping_alone_moves_nothing(app):
    """Request keys are nobody's page: claiming one does not throw the kept pages away."""
    from commissioning.idempotency.models import RequestKey
    from commissioning.core.models import utcnow
    before = pagecache.generation()
    db.session.add(RequestKey(key="k" * 32, method="POST", path="/x", created_at=utcnow()))
    db.session.flush()
    assert pagecache.generation() == before


def test_nobody_signed_in_is_given_a_kept_page(client, runs, create_user, login):
    from commissioning.accounts.models import Role
    client.get("/opportunities")
    client.get("/opportunities")
    assert runs["opportunities.index"] == 1
    signed_in = login(create_user(Role.provider))
    page = signed_in.get("/opportunities")
    assert runs["opportunities.index"] == 2
    assert page.cache_control.no_store and "Sign out" in page.get_data(as_text=True)


def test_an_api_token_is_never_given_a_kept_answer(client, runs, create_user):
    from commissioning.accounts.models import Role
    from commissioning.api.operations import create_token
    _row, secret = create_token(create_user(Role.commissioner), "cache", "read")
    db.session.commit()
    client.get("/api/v1/opportunities")
    client.get("/api/v1/opportunities")
    endpoint = next(e for e in runs if e.endswith(".list_opportunities"))
    assert runs[endpoint] == 1
    with_token = client.get("/api/v1/opportunities", headers={"Authorization": f"Bearer {secret}"})
    assert with_token.status_code == 200 and with_token.cache_control.no_store
    assert runs[endpoint] == 2


def test_a_message_waiting_in_the_cookie_is_shown_not_skipped(client, runs):
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You have been signed out")]
    page = client.get("/")
    assert "You have been signed out" in page.get_data(as_text=True)
    assert runs["main.home"] == 2
    assert page.cache_control.no_store  # the message was used up: that answer is this visitor's


def test_a_kept_page_carries_this_requests_nonce(client):
    first, second = client.get("/"), client.get("/")
    assert _nonce(first) and _nonce(second) and _nonce(first) != _nonce(second)
    body = second.get_data(as_text=True)
    assert f'nonce="{_nonce(second)}"' in body and _nonce(first) not in body


def test_a_kept_page_still_answers_304_to_its_validator(client, runs):
    etag = client.get("/whats-on").headers["ETag"]
    again = client.get("/whats-on", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Content-Security-Policy" not in again.headers
    assert runs["provision.whats_on_page"] == 1


def test_head_is_answered_from_the_kept_page(client, runs):
    got = client.get("/whats-on")
    head = client.head("/whats-on")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert runs["provision.whats_on_page"] == 1


def test_a_kept_page_ends_after_its_lifetime(app, client, runs, monkeypatch):
    import time
    client.get("/")
    now = time.monotonic()
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now + app.config["PAGE_CACHE_SECONDS"] + 1)
    client.get("/")
    assert runs["main.home"] == 2


def test_no_lifetime_keeps_nothing(app, client, runs, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    client.get("/")
    client.get("/")
    assert runs["main.home"] == 2 and len(pagecache.store(app)) == 0


def test_errors_and_redirects_are_not_kept(client, runs):
    assert client.get("/opportunities/999999").status_code == 404
    assert client.get("/opportunities/999999").status_code == 404
    assert runs["opportunities.show"] == 2


def test_the_streamed_feed_is_kept_and_a_too_long_one_streams_on_whole(active, app, client, runs,  # noqa: F811
                                                                      monkeypatch):
    from commissioning.opendata.operations import publish_releases
    active()
    publish_releases()
    db.session.commit()
    first = client.get("/open-data/ocds/releases.json")
    second = client.get("/open-data/ocds/releases.json")
    assert first.status_code == 200 and second.get_json() == first.get_json()
    assert runs["opendata.ocds_releases"] == 1
    pagecache.clear(app)
    monkeypatch.setattr(pagecache.store(app), "max_bytes", 400)  # a quarter of it: 100 bytes per entry
    whole = client.get("/open-data/ocds/releases.json")
    assert whole.get_json() == first.get_json() and len(pagecache.store(app)) == 0


def test_every_public_page_kept_is_the_page_built(app, objects, runs):
    """Walk every page anyone signed out may see: the kept answer is the built one, headers and all."""
    client = app.test_client()
    failures = []
    for endpoint, url in _public_urls(objects):
        pagecache.clear(app)
        built = client.get(url)
        built.close()
        before = runs[endpoint]
        kept = client.get(url)
        kept.close()
        if endpoint in NEVER_SHARED or built.status_code != 200:
            if runs[endpoint] != before + 1:
                failures.append(f"{url}: answered from the cache although it is {built.status_code} / never shared")
            continue
        if runs[endpoint] != before:
            if "Content-Disposition" not in built.headers and "image" not in built.mimetype:
                failures.append(f"{url}: built again")  # files are sent as they are, from the store or disk
            continue
        if _without_nonce(kept) != _without_nonce(built) or kept.status_code != built.status_code:
            failures.append(f"{url}: the kept answer differs from the built one")
        # The rate limit counts kept answers too: what is left of it is this request's.
        drop = {"Content-Security-Policy", "Date", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
        headers = lambda r: sorted((k, v) for k, v in r.headers.items() if k not in drop)  # noqa: E731
        if headers(kept) != headers(built):
            failures.append(f"{url}: headers {set(headers(kept)) ^ set(headers(built))}")
    assert failures == []


def test_the_store_keeps_to_its_size_least_recently_used_first():
    from commissioning.core.pagecache import Entry, Store
    kept = Store(8192)
    entry = lambda n: Entry(200, [], b"x" * n, None, None, expires=10**9)  # noqa: E731
    kept.put("a", entry(1000))
    kept.put("b", entry(1000))
    kept.get("a", 0)          # a is now the more recent
    kept.put("c", entry(1500))
    kept.put("d", entry(1500))
    kept.put("e", entry(1500))
    assert kept.size <= 8192 and len(kept) == 4
    assert kept.get("b", 0) is None and kept.get("a", 0) is not None
    kept.put("huge", entry(2000))  # more than a quarter of the store: not kept at all
    assert kept.get("huge", 0) is None and kept.get("e", 0) is not None
    assert kept.get("e", 10**9 + 1) is None  # past its time
