"""What a shared cache may keep: public pages and feeds with validators, and nothing private."""
import pytest

from commissioning.core.caching import NEVER_SHARED
from commissioning.extensions import db
from tests.unit.test_access import ACCESS, ROLES, _panel_objects, objects, urls  # noqa: F401 (fixtures)


def _public_urls(objects):
    """Every URL of every page anyone signed out may see, from the access table."""
    return [(endpoint, url) for endpoint, (builder, table) in ACCESS.items() if table["anonymous"] == 200
            for url in urls(builder, objects)]


def _shared(response):
    cc = response.cache_control
    return bool(cc.public) or cc.max_age is not None and not (cc.no_store or cc.private)


def test_every_get_route_is_in_the_walk(app):
    """The walks below go through the access table: a GET route missing from it would escape them."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.endpoint != "static"}
    assert endpoints - set(ACCESS) == set()


def test_every_public_page_and_feed_has_a_validator_and_answers_304(app, objects):
    client = app.test_client()
    failures = []
    for endpoint, url in _public_urls(objects):
        first = client.get(url)
        if endpoint in NEVER_SHARED:
            if _shared(first) or "no-store" not in first.headers.get("Cache-Control", ""):
                failures.append(f"{url}: must never be kept, says {first.headers.get('Cache-Control')}")
            continue
        etag = first.headers.get("ETag")
        if not (first.cache_control.public and first.cache_control.max_age and etag):
            failures.append(f"{url}: not public with a validator ({first.headers.get('Cache-Control')}, {etag})")
            continue
        if "Cookie" not in first.vary or "Authorization" not in first.vary:
            failures.append(f"{url}: Vary is {first.headers.get('Vary')}")
        again = client.get(url, headers={"If-None-Match": etag})
        if again.status_code != 304 or again.data:
            failures.append(f"{url}: its own ETag gave {again.status_code}")
        elif again.headers.get("ETag") != etag or not again.cache_control.public:
            failures.append(f"{url}: the 304 lost its validator or lifetime")
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_nothing_private_is_ever_kept_by_a_shared_cache(role, app, objects, login):
    client = app.test_client() if role == "anonymous" else login(objects["users"][role])
    failures = []
    for endpoint, (builder, _table) in ACCESS.items():
        for url in urls(builder, objects):
            response = client.get(url)
            response.close()  # a streamed feed's generator ends now, not when a later request is running
            cookie = "Set-Cookie" in response.headers
            if role == "anonymous" and not cookie:
                continue
            cc = response.cache_control
            if cc.public or not (cc.no_store or cc.private):
                failures.append(f"{url} ({'sets a cookie' if cookie else 'signed in'}): "
                                f"{response.headers.get('Cache-Control')}")
    assert failures == []


def test_an_api_token_makes_the_answer_private(app, create_user, client):
    from commissioning.accounts.models import Role
    from commissioning.api.operations import create_token
    user = create_user(Role.commissioner)
    _token, secret = create_token(user, "walk", "read")
    db.session.commit()
    signed_out = client.get("/api/v1/indicators")
    assert signed_out.cache_control.public
    with_token = client.get("/api/v1/indicators", headers={"Authorization": f"Bearer {secret}"})
    assert with_token.status_code == 200
    assert not with_token.cache_control.public and with_token.cache_control.no_store
    # A token that is not one is still a request a shared cache must not answer for anyone else.
    wrong = client.get("/api/v1/indicators", headers={"Authorization": "Bearer cmsn_not-a-token"})
    assert not wrong.cache_control.public


def test_publishing_changes_the_list_and_its_etag(client, create_opportunity):
    create_opportunity()
    db.session.commit()
    first = client.get("/opportunities")
    assert client.get("/opportunities", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    new = create_opportunity(title="Street dance after school")
    db.session.commit()
    after = client.get("/opportunities", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert new.title in after.get_data(as_text=True)
    assert after.headers["ETag"] != first.headers["ETag"]
    page = client.get(f"/opportunities/{new.id}")
    assert client.get(f"/opportunities/{new.id}", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_the_feeds_validate_though_each_answer_is_stamped_anew(client, create_opportunity, monkeypatch):
    """publishedDate says when the package was made: left out of the ETag, a repeat a second later is 304."""
    from datetime import timedelta

    from commissioning.opendata import ocds
    from commissioning.opendata.operations import publish_releases
    create_opportunity()
    publish_releases()
    db.session.commit()
    feed = "/open-data/ocds/releases.json"
    first = client.get(feed)
    assert first.status_code == 200 and first.json["releases"]
    real = ocds.utcnow
    monkeypatch.setattr(ocds, "utcnow", lambda: real() + timedelta(minutes=5))
    from commissioning.core import pagecache
    pagecache.clear()  # as when another web process, or this one after its copy's lifetime, builds it anew
    later = client.get(feed)
    assert later.json["publishedDate"] != first.json["publishedDate"]
    assert later.headers["ETag"] == first.headers["ETag"]
    assert client.get(feed, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    create_opportunity(title="A new procurement")
    publish_releases()
    db.session.commit()
    changed = client.get(feed, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(changed.json["releases"]) == len(first.json["releases"]) + 1
    assert changed.headers["Content-Length"] == str(len(changed.data))


def test_a_page_with_a_csrf_token_or_a_new_cookie_is_not_public(app, client, monkeypatch):
    """With CSRF on (as in production) a form's token is the visitor's own: that page is not shared."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login_page = client.get("/login")
    assert 'name="csrf_token"' in login_page.get_data(as_text=True)
    assert login_page.cache_control.no_store and not login_page.cache_control.public
    # The visitor now has a session with a token; the same form again sets no cookie, and still is theirs.
    again = client.get("/login")
    assert again.cache_control.no_store and not again.cache_control.public
    # A page with no form makes no token and no cookie, so it may be shared even with CSRF on.
    from flask import g
    g.pop("csrf_token", None)  # the test's requests share its app context (and g); a server's do not
    fresh = app.test_client()
    home = fresh.get("/")
    assert "Set-Cookie" not in home.headers
    assert 'name="csrf_token"' not in home.get_data(as_text=True)
    assert home.cache_control.public


def test_a_page_showing_a_message_from_the_cookie_is_not_public(client):
    """Flask-Login's "Sign in to see this page" waits in the cookie, and the page that shows it clears it."""
    assert client.get("/dashboard").status_code == 302
    shown = client.get("/login")
    assert "Sign in to see this page." in shown.get_data(as_text=True)
    assert "Set-Cookie" in shown.headers
    assert shown.cache_control.no_store and not shown.cache_control.public


def test_a_304_keeps_the_cached_pages_own_policy(client):
    """The CSP nonce is in the body: a 304 sends no new policy, so the copy kept goes with its own."""
    first = client.get("/")
    nonce = first.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in first.get_data(as_text=True)
    second = client.get("/")
    assert second.headers["ETag"] == first.headers["ETag"], "the nonce is not part of the ETag"
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "Content-Security-Policy" not in again.headers


def test_the_public_lifetime_is_a_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_MAX_AGE", 7)
    assert client.get("/whats-on").cache_control.max_age == 7


def test_errors_and_redirects_are_not_kept(client):
    assert client.get("/no/such/page").cache_control.no_store
    assert client.get("/dashboard").cache_control.no_store
    assert client.get("/healthz").cache_control.no_store
