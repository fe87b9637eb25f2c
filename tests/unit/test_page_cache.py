"""Public pages kept in the web process (core/pagecache.py): built once, until a write or their time.

Each test counts how often a view really ran: a kept answer runs none.
"""
import re

import pytest

from commissioning.core import pagecache
from commissioning.core.caching import NEVER_SHARED
from commissioning.extensions import db
from tests.fixtures.views import count_view_runs
from tests.unit.test_access import ACCESS, ROLES, _panel_objects, objects, urls  # noqa: F401 (fixtures)
from tests.unit.test_caching import _public_urls
from tests.unit.test_monitoring import active  # noqa: F401 (fixture: an active contract to publish)

NONCE = re.compile(r'nonce-([A-Za-z0-9_-]+)')


@pytest.fixture
def runs(app, monkeypatch):
    """runs[endpoint]: how many times its view ran since the test began."""
    return count_view_runs(app, monkeypatch.setitem)


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


def test_a_signed_in_page_is_kept_for_that_session_alone(app, runs, create_user, create_organisation):
    from commissioning.accounts.models import Role
    anonymous = app.test_client()
    anonymous.get("/opportunities")
    first_org, second_org = create_organisation(name="Kirkby Youth Trust"), create_organisation(name="Halewood Arts")
    pat = create_user(Role.provider, organisation=first_org, name="Pat Provider")
    sam = create_user(Role.provider, organisation=second_org, name="Sam Second")
    db.session.commit()
    as_pat, as_sam = _signed_in(app, pat), _signed_in(app, sam)
    before = runs["opportunities.index"]
    pat_page = as_pat.get("/opportunities")
    assert runs["opportunities.index"] == before + 1      # not the signed-out copy
    assert pat_page.cache_control.no_store and "Sign out" in pat_page.get_data(as_text=True)
    again = as_pat.get("/opportunities")
    assert runs["opportunities.index"] == before + 1      # kept for Pat's session
    assert again.cache_control.no_store
    sam_page = as_sam.get("/dashboard")
    assert "Halewood Arts" in sam_page.get_data(as_text=True)
    assert "Kirkby Youth Trust" in as_pat.get("/dashboard").get_data(as_text=True)
    assert "Halewood Arts" not in as_pat.get("/dashboard").get_data(as_text=True)
    assert runs["main.dashboard"] == 2                    # Pat's second dashboard was kept, Sam's is Sam's


def _signed_in(app, user):
    signed_in = app.test_client()
    response = signed_in.post("/login", data={"email": user.email, "password": "a-long-test-password"})
    assert response.status_code == 302
    return signed_in


def _form_values(response):
    html = response.get_data(as_text=True)
    return (re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html),
            re.findall(r'name="request_key" value="([^"]+)"', html))


def test_a_kept_page_makes_its_forms_afresh_and_they_work(app, runs, create_user, monkeypatch):
    """The sign-out form on a kept page has a CSRF token and request key of this request's own."""
    from commissioning.accounts.models import Role
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = app.test_client()
    login_page = signed_in.get("/login")
    (token,), (key,) = _form_values(login_page)
    assert signed_in.post("/login", data={"email": commissioner.email, "password": "a-long-test-password",
                                          "csrf_token": token, "request_key": key}).status_code == 302
    built, kept = signed_in.get("/contracts"), signed_in.get("/contracts")
    assert runs["contracts.index"] == 1
    _tokens, built_keys = _form_values(built)
    (kept_token, *_), kept_keys = _form_values(kept)
    assert built_keys and kept_keys and not set(built_keys) & set(kept_keys) and len(set(kept_keys)) == len(kept_keys)
    assert kept_token  # made by this request (equal to the built one within the same second: it is timed)
    out = signed_in.post("/logout", data={"csrf_token": kept_token, "request_key": kept_keys[0]})
    assert out.status_code == 302
    assert signed_in.get("/contracts").status_code in (302, 401)  # signed out: no kept page for anyone


def test_a_revoked_session_gets_no_kept_page(app, runs, create_user):
    from commissioning.accounts.models import Role, UserSession
    from commissioning.accounts.operations import end_session
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    assert signed_in.get("/contracts").status_code == 200
    for row in db.session.scalars(db.select(UserSession).where(UserSession.user_id == commissioner.id)):
        end_session(row, "revoked_by_admin")
    db.session.commit()
    assert signed_in.get("/contracts").status_code == 302


def test_a_role_taken_away_is_refused_at_once(app, runs, create_user):
    from commissioning.accounts.models import Role
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    assert signed_in.get("/contracts").status_code == 200
    from sqlalchemy import delete

    from commissioning.accounts.models import UserRole
    db.session.execute(delete(UserRole).where(UserRole.user_id == commissioner.id))
    db.session.commit()
    assert signed_in.get("/contracts").status_code == 403


def test_a_page_that_showed_a_message_is_not_kept(app, runs, create_user, monkeypatch):
    """A message is said once: the page that said it is never given again."""
    from commissioning.accounts.models import Role
    from commissioning.core import notices
    view = app.view_functions["main.dashboard"]

    def saying(*args, **kwargs):
        notices.info("Your return for October is due on Friday")
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "main.dashboard", saying)
    signed_in = _signed_in(app, create_user(Role.provider))
    assert "due on Friday" in signed_in.get("/dashboard").get_data(as_text=True)
    assert "due on Friday" in signed_in.get("/dashboard").get_data(as_text=True)
    assert runs["main.dashboard"] == 2


def test_a_get_that_writes_is_not_kept(app, runs, create_user, monkeypatch):
    """A view that writes as it answers (an audit of a look, say) runs every time."""
    from commissioning.accounts.models import Role
    from commissioning.audit.operations import log_action
    view = app.view_functions["main.dashboard"]

    def audited(*args, **kwargs):
        from flask_login import current_user
        log_action(current_user._get_current_object(), "looked", "Looked at the dashboard", user=current_user)
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "main.dashboard", audited)
    signed_in = _signed_in(app, create_user(Role.provider))
    signed_in.get("/dashboard")
    signed_in.get("/dashboard")
    assert runs["main.dashboard"] == 2


def test_an_api_token_gets_its_own_kept_answers(client, runs, create_user):
    from commissioning.accounts.models import Role
    from commissioning.api.operations import create_token, revoke_token
    owner = create_user(Role.commissioner)
    first_row, first = create_token(owner, "first", "read")
    _second_row, second = create_token(create_user(Role.commissioner), "second", "read")
    db.session.commit()
    endpoint = "Contracts.list_contracts"
    for secret in (first, first, second):
        assert client.get("/api/v1/contracts", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert runs[endpoint] == 2                             # the first token's second ask was kept
    assert client.get("/api/v1/contracts").status_code == 401   # and nobody without one gets it
    revoke_token(first_row, owner)
    db.session.commit()
    assert client.get("/api/v1/contracts", headers={"Authorization": f"Bearer {first}"}).status_code == 401


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


def _built_then_asked_again(app, client, runs, endpoint, url):
    """The page built with nothing kept, the answer to asking again, and how often the view ran for the second."""
    pagecache.clear(app)
    built = client.get(url)
    built.close()  # a streamed feed's generator ends now
    before = runs[endpoint]
    kept = client.get(url)
    kept.close()
    return built, kept, runs[endpoint] - before


def test_every_public_page_kept_is_the_page_built(app, objects, runs):
    """Walk every page anyone signed out may see: the kept answer is the built one, headers and all."""
    client = app.test_client()
    failures = []
    for endpoint, url in _public_urls(objects):
        built, kept, ran = _built_then_asked_again(app, client, runs, endpoint, url)
        before = runs[endpoint] - ran
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
    entry = lambda n: Entry(200, [], b"x" * n, {}, None, expires=10**9)  # noqa: E731
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


#: Values each render makes its own: the CSRF token, request keys, the bid page's submit token.
_PER_RENDER = re.compile(rb'(name="csrf_token" type="hidden" value="|name="request_key" value="'
                         rb'|name="token" type="hidden" value=")[^"]+')


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_every_page_kept_for_someone_signed_in_is_the_page_built(role, app, objects, runs, login):
    """As each role, every page they may see: the kept answer is the built one, forms made afresh."""
    client = login(objects["users"][role])
    failures, compared = [], 0
    for endpoint, (builder, table) in ACCESS.items():
        if table[role] != 200:
            continue
        for url in urls(builder, objects):
            built, kept, ran = _built_then_asked_again(app, client, runs, endpoint, url)
            before = runs[endpoint] - ran
            if runs[endpoint] == before + 1:
                continue  # built again: a file, a page that said something or wrote, or never kept
            if runs[endpoint] != before:
                failures.append(f"{url}: ran {runs[endpoint] - before} times")
                continue
            compared += 1
            same = [_PER_RENDER.sub(rb"\1", _without_nonce(r)) for r in (built, kept)]
            if same[0] != same[1] or kept.status_code != built.status_code:
                failures.append(f"{url}: the kept answer differs from the built one")
            if not kept.cache_control.no_store:
                failures.append(f"{url}: a kept private answer said {kept.headers.get('Cache-Control')}")
            _tokens, keys = _form_values(kept)
            if set(keys) & set(_form_values(built)[1]):
                failures.append(f"{url}: a request key was given twice")
    print(f"{role}: {compared} kept pages compared")
    assert failures == [] and compared >= 3


def test_after_their_own_change_a_person_gets_a_page_built_anew_in_any_process(app, runs, create_user,
                                                                               monkeypatch):
    """The redirect after a form may reach a process that has not heard of the commit yet: the
    cookie says this session wrote, so no page kept from before is given."""
    from commissioning.accounts.models import Role, UserSession
    commissioner = create_user(Role.commissioner)
    signed_in = _signed_in(app, commissioner)
    _signed_in(app, commissioner)  # the same person on a second device
    other = db.session.scalars(db.select(UserSession).where(UserSession.user_id == commissioner.id)
                               .order_by(UserSession.id.desc())).first()
    monkeypatch.setattr(pagecache, "generation", lambda: ("deaf", 0))  # a process hearing of no commit
    signed_in.get("/needs/new")
    signed_in.get("/needs/new")
    assert runs["needs.new"] == 1
    with signed_in.session_transaction() as before:
        wrote_before = before.get("_pw")
    response = signed_in.post(f"/account/sessions/{other.id}/sign-out", data={})
    assert response.status_code in (302, 303), response.status_code
    with signed_in.session_transaction() as after:
        assert after.get("_pw") != wrote_before
    signed_in.get("/needs/new")
    assert runs["needs.new"] == 2


def test_with_csrf_on_every_public_page_is_still_one_everyone_shares(app, objects, monkeypatch):
    """Seen: the opportunity and indicator pages made forms nobody signed out is shown, so each
    visitor got a CSRF cookie and a page of their own, and none was kept (the unit tier runs with
    CSRF off, which hid it)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    failures, shared = [], 0
    for endpoint, url in _public_urls(objects):
        response = app.test_client().get(url)  # a new visitor each time: no cookie from the page before
        response.close()
        if endpoint in NEVER_SHARED or response.status_code != 200 or not response.mimetype == "text/html":
            continue
        if 'name="csrf_token"' in response.get_data(as_text=True):
            continue  # a form shown to the visitor (signing in, joining a panel): theirs alone, rightly
        if "Set-Cookie" in response.headers or not response.cache_control.public:
            failures.append(f"{url}: {response.headers.get('Cache-Control')}")
        shared += 1
    assert failures == [], "\n".join(failures)
    assert shared >= 10


def test_a_kept_bid_page_gives_each_tab_its_own_submit_token(app, runs, create_user, create_opportunity):
    """Seen in review: the bid page's submit token (one version per click) came back the same from
    a kept copy, so a second tab's submission would have been taken for the first's."""
    from commissioning.accounts.models import Role
    from commissioning.bids.operations import start_bid
    provider = create_user(Role.provider)
    bid = start_bid(create_opportunity(), provider.memberships[0].organisation, provider)
    db.session.commit()
    signed_in = _signed_in(app, provider)
    pages = [signed_in.get(f"/bids/{bid.id}").get_data(as_text=True) for _ in range(2)]
    assert runs["bids.edit"] == 1
    tokens = [re.findall(r'name="token" type="hidden" value="([^"]+)"', page) for page in pages]
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]


# --- Who a secret signs in, noted (core/pagecache.py, "Who a presented secret signs in") ---------

class _Statements:
    """The SQL statements run while it is open."""

    def __init__(self):
        self.seen = []

    def __enter__(self):
        from sqlalchemy import event
        event.listen(db.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event
        event.remove(db.engine, "before_cursor_execute", self._note)

    def _note(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    def touching(self, *tables):
        return [s for s in self.seen if any(re.search(rf"\b{t}\b", s) for t in tables)]


PEOPLE = ("user_sessions", "users", "user_roles", "memberships", "api_tokens")


def test_a_kept_page_reads_nobody_again(app, runs, create_user):
    """Nothing written since the session was read: the kept page needs no statement about its
    person (where no listener serves, as on SQLite, it reads the generation row alone)."""
    from commissioning.accounts.models import Role
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    assert signed_in.get("/contracts").status_code == 200
    db.session.expunge_all()   # each request of a web process starts with an empty session
    with _Statements() as sql:
        again = signed_in.get("/contracts")
    assert again.status_code == 200 and "Sign out" in again.get_data(as_text=True)
    assert runs["contracts.index"] == 1
    assert sql.touching(*PEOPLE) == []
    assert len(sql.seen) <= 1 and sql.touching("cache_generation") == sql.seen


def test_a_page_built_after_noting_reads_the_person_from_the_database(app, runs, create_user,
                                                                     create_organisation, monkeypatch):
    """Notes answer for kept pages only: a view (a page not kept) runs on the rows as the database
    has them, so a session ended where this process has not yet heard of it is refused by it."""
    from commissioning.accounts.models import Role, UserSession
    from commissioning.accounts.operations import end_session
    provider = create_user(Role.provider, organisation=create_organisation(name="Knowsley Youth Arts"))
    db.session.commit()
    provider_id = provider.id
    signed_in = _signed_in(app, provider)
    assert signed_in.get("/contracts").status_code == 200       # notes the session
    db.session.expunge_all()
    with _Statements() as sql:
        dashboard = signed_in.get("/dashboard")                  # not kept: its view runs
    assert dashboard.status_code == 200 and "Knowsley Youth Arts" in dashboard.get_data(as_text=True)
    assert sql.touching("user_sessions")                         # read for the view, not taken from notes
    monkeypatch.setattr(pagecache, "generation", lambda: ("deaf", 0))  # a process hearing of no commit
    signed_in.get("/contracts")
    signed_in.get("/contracts")                                  # noted and kept in the deaf process
    for row in db.session.scalars(db.select(UserSession).where(UserSession.user_id == provider_id)):
        end_session(row, "revoked_by_admin")
    db.session.commit()
    assert signed_in.get("/dashboard").status_code == 302            # a view: the database says signed out


def test_a_cookie_copied_before_signing_out_is_refused_though_it_was_noted(app, runs, create_user):
    from commissioning.accounts.models import Role
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    signed_in.get("/contracts")
    signed_in.get("/contracts")
    copied = app.test_client()
    for cookie in signed_in._cookies.values():
        copied.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    assert copied.get("/contracts").status_code == 200          # the copy works, from the note
    with _Statements() as sql:
        assert signed_in.post("/logout", data={}).status_code == 302
    assert sql.touching("user_sessions")                         # a form sent reads the row itself
    assert copied.get("/contracts").status_code == 302


def test_noted_sessions_still_end_when_idle_and_note_their_use(app, runs, create_user, monkeypatch):
    from datetime import timedelta

    from commissioning.accounts.models import Role, UserSession
    from commissioning.accounts.util import session_limits
    from commissioning.core import models
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    signed_in.get("/contracts")
    signed_in.get("/contracts")
    row = db.session.scalars(db.select(UserSession).where(UserSession.user_id == commissioner.id)).one()
    seen = row.last_seen_at
    real = models.utcnow
    monkeypatch.setattr(models, "utcnow", lambda: real() + timedelta(seconds=90))
    db.session.expunge_all()
    assert signed_in.get("/contracts").status_code == 200
    db.session.expunge_all()
    row = db.session.get(UserSession, row.id)
    assert row.last_seen_at > seen + timedelta(seconds=60)     # its use noted, a minute on
    idle, _longest = session_limits()
    monkeypatch.setattr(models, "utcnow", lambda: real() + idle + timedelta(minutes=5))
    db.session.expunge_all()
    assert signed_in.get("/contracts").status_code == 302      # idle: signed out, note or none


def test_a_message_held_for_the_next_page_is_shown_even_by_a_process_that_heard_nothing(
        app, runs, create_user, monkeypatch):
    """A form that only says something (no other write) holds the message beside the session row;
    the notes taken of that row before must not hide it, in any process."""
    from flask import redirect

    from commissioning.accounts.models import Role
    from commissioning.core import notices
    from commissioning.core.models import CacheGeneration

    def says_only(session_id):
        notices.info("Nothing to sign out: that device had already gone")
        return redirect("/contracts")

    monkeypatch.setitem(app.view_functions, "accounts.sign_out_device", says_only)
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    signed_in.get("/contracts")
    signed_in.get("/contracts")
    before = db.session.get(CacheGeneration, 1).value
    monkeypatch.setattr(pagecache, "generation", lambda: ("deaf", 0))  # a process hearing of no commit
    signed_in.get("/contracts")                                        # noted in the deaf process
    assert signed_in.post("/account/sessions/1/sign-out", data={}).status_code == 302
    db.session.expunge_all()
    assert db.session.get(CacheGeneration, 1).value == before + 1     # holding it moved the generation
    page = signed_in.get("/contracts").get_data(as_text=True)
    assert "that device had already gone" in page


def test_a_noted_token_is_read_again_once_revoked_and_never_for_a_write(client, runs, create_user):
    from commissioning.accounts.models import Role
    from commissioning.api.operations import create_token, revoke_token
    owner = create_user(Role.commissioner)
    owner_id = owner.id
    row, secret = create_token(owner, "reporting", "read")
    db.session.commit()
    token_class, token_id = type(row), row.id
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/contracts", headers=bearer).status_code == 200
    db.session.expunge_all()
    with _Statements() as sql:
        assert client.get("/api/v1/contracts", headers=bearer).status_code == 200
    assert sql.touching(*PEOPLE) == [] and runs["Contracts.list_contracts"] == 1
    with _Statements() as sql:
        refused = client.post("/api/v1/needs", headers=bearer, json={})
    assert refused.status_code == 403 and sql.touching("api_tokens")  # a read token, read afresh
    revoke_token(db.session.get(token_class, token_id), db.session.get(type(owner), owner_id))
    db.session.commit()
    assert client.get("/api/v1/contracts", headers=bearer).status_code == 401


def test_a_view_refuses_a_noted_token_revoked_where_this_process_has_not_heard(client, runs, create_user,
                                                                           monkeypatch):
    from commissioning.accounts.models import Role
    from commissioning.api.models import ApiToken
    from commissioning.api.operations import create_token, revoke_token
    owner = create_user(Role.commissioner)
    row, secret = create_token(owner, "reporting", "read")
    db.session.commit()
    token_id, owner_id = row.id, owner.id
    bearer = {"Authorization": f"Bearer {secret}"}
    monkeypatch.setattr(pagecache, "generation", lambda: ("deaf", 0))  # a process hearing of no commit
    assert client.get("/api/v1/contracts", headers=bearer).status_code == 200   # noted
    revoke_token(db.session.get(ApiToken, token_id), db.session.get(type(owner), owner_id))
    db.session.commit()
    db.session.expunge_all()
    with _Statements() as sql:
        refused = client.get("/api/v1/needs", headers=bearer)                  # not kept: a view
    assert refused.status_code == 401 and sql.touching("api_tokens")


def test_notes_are_not_taken_with_the_page_cache_off(app, client, create_user, monkeypatch):
    from commissioning.accounts.models import Role
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    signed_in = _signed_in(app, create_user(Role.commissioner))
    signed_in.get("/contracts")
    db.session.expunge_all()
    with _Statements() as sql:
        assert signed_in.get("/contracts").status_code == 200
    assert sql.touching("user_sessions") and len(pagecache.store(app).known) == 0


def test_a_write_on_a_connection_of_its_own_moves_the_generation(app):
    from sqlalchemy import select

    from commissioning.core.models import CacheGeneration
    value = select(CacheGeneration.value).where(CacheGeneration.id == 1)
    with db.engine.connect() as conn:
        transaction = conn.begin()
        before = conn.execute(value).scalar() or 0
        pagecache.wrote_on(conn)
        assert conn.execute(value).scalar() == before + 1
        transaction.rollback()   # the test leaves the database as it found it


def test_every_write_outside_a_session_moves_the_generation_or_says_why_not():
    """``db.engine.begin()`` blocks escape the session hooks: each calls pagecache.wrote_on, or
    says in a ``# pagecache:`` comment why no kept page can be the worse for it."""
    import ast
    from pathlib import Path
    root = Path(pagecache.__file__).resolve().parents[1]
    found = []
    for path in root.rglob("*.py"):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.With) and "engine.begin" in ast.unparse(node.items[0].context_expr):
                found.append(path.name)
                block = ast.get_source_segment(source, node)
                assert "pagecache.wrote_on(" in block or "# pagecache:" in block, \
                    f"{path}:{node.lineno} writes outside a session without pagecache.wrote_on"
    assert len(found) >= 3   # outbox and notices today: the walk sees them


def test_a_kept_feed_goes_gzipped_to_whoever_accepts_it(active, app, client, runs):  # noqa: F811
    import gzip

    from commissioning.opendata.operations import publish_releases
    active()
    publish_releases()
    db.session.commit()
    url = "/open-data/ocds/releases.json"
    built = client.get(url)
    assert built.status_code == 200 and "Accept-Encoding" in built.vary
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert runs["opendata.ocds_releases"] == 1
    assert plain.headers.get("Content-Encoding") is None and plain.get_data() == built.get_data()
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.vary
    assert gzip.decompress(zipped.get_data()) == built.get_data()
    assert int(zipped.headers["Content-Length"]) == len(zipped.get_data()) < len(built.get_data())
    assert zipped.headers["ETag"] != built.headers["ETag"] and zipped.cache_control.public
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.headers.get("Content-Encoding") is None


def test_html_is_never_sent_gzipped_by_the_page_cache(client, runs):
    client.get("/opportunities")
    page = client.get("/opportunities", headers={"Accept-Encoding": "gzip"})
    assert runs["opportunities.index"] == 1 and page.headers.get("Content-Encoding") is None
    assert "<html" in page.get_data(as_text=True)


@pytest.mark.parametrize("extra", [{}, {"Authorization": "Basic c3RhZ2luZzpzdGFnaW5n"}, "flash"])
def test_every_view_gets_the_person_row_never_the_stand_in(app, runs, create_user, monkeypatch, extra):
    """A kept page's request has only a stand-in for its person; a view (a page not kept) always has
    the User row itself, read from the database: also when the page cache does not look at all
    (a staging site's Basic authentication, a message waiting in the cookie)."""
    from flask_login import current_user

    from commissioning.accounts.models import Role, User
    seen = []
    view = app.view_functions["main.dashboard"]

    def looking(*args, **kwargs):
        seen.append((type(current_user._get_current_object()), current_user.roles[0].role,
                     type(current_user.current_session).__name__))
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "main.dashboard", looking)
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    signed_in.get("/contracts")
    signed_in.get("/contracts")                   # the session noted, the page kept
    headers = extra if isinstance(extra, dict) else {}
    if extra == "flash":
        with signed_in.session_transaction() as cookie:
            cookie["_flashes"] = [("info", "A message from before signing in")]
    db.session.expunge_all()
    with _Statements() as sql:
        assert signed_in.get("/dashboard", headers=headers).status_code == 200
    assert seen == [(User, Role.commissioner, "UserSession")]
    assert sql.touching("user_sessions")


def test_an_error_page_for_a_noted_session_still_knows_who_is_signed_in(app, runs, create_user):
    from commissioning.accounts.models import Role
    commissioner = create_user(Role.commissioner, name="Noor Commissioner")
    db.session.commit()
    signed_in = _signed_in(app, commissioner)
    signed_in.get("/contracts")
    db.session.expunge_all()
    missing = signed_in.get("/no-such-page")      # routing fails before any view: the stand-in answers
    assert missing.status_code == 404 and "Sign out" in missing.get_data(as_text=True)


def test_the_stand_in_is_equal_to_the_person_it_stands_for(app, create_user):
    from commissioning.accounts.models import Role, UserSession
    from commissioning.accounts.util import SESSION_ROWS
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    _signed_in(app, commissioner)
    row = db.session.scalars(db.select(UserSession).where(UserSession.user_id == commissioner.id)).one()
    noted, user_id, name = pagecache._snapshot(row, SESSION_ROWS), commissioner.id, commissioner.name
    db.session.expunge_all()   # as in a new request: the rows are made again from the notes
    with app.test_request_context("/"):
        stand_in = pagecache.NotedUser(noted, "secret")
        assert stand_in.id == user_id and stand_in.is_authenticated
        assert stand_in.name == name                # anything more is the row's own, made from notes
        person = db.session.get(type(stand_in.resolve()), user_id)
        assert person is stand_in.resolve()         # made into this session, not a copy beside it
        assert stand_in == person and person == stand_in and hash(stand_in) == hash(person)
