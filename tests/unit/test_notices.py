"""Message kinds: every flashed message goes through ``core/notices.py`` and shows as its kind.

Before, every message was a green "Success" banner, refusals included (issue 17).
"""
import ast
import re
from datetime import timedelta
from pathlib import Path

from commissioning.accounts.models import Role
from commissioning.bids.operations import start_bid
from commissioning.core import notices
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.idempotency.operations import REPLAY_NOTICE
from tests.fixtures.factories import complete_bid

PACKAGE = Path(__file__).resolve().parents[2] / "commissioning"
#: Modules still calling ``flash`` themselves. Only ever shrinks: new code uses ``notices``.
NOT_YET_CONVERTED = set()


def _flashing_modules():
    """Modules that import or call Flask's ``flash``: by name, as ``flask.flash``, or aliased."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            imported = isinstance(node, ast.ImportFrom) and node.module == "flask" and any(
                alias.name == "flash" for alias in node.names)
            called = isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "flash")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "flash"))
            if imported or called:
                found.add(path.relative_to(PACKAGE).as_posix())
    return found


def test_only_the_notices_module_flashes():
    assert _flashing_modules() - {"core/notices.py"} == NOT_YET_CONVERTED


def test_the_sign_in_prompt_is_a_kind_the_module_knows(app):
    from commissioning.extensions import login_manager
    assert login_manager.login_message_category in notices.KINDS


def _banners(html):
    """(title, text) of each notification banner, and the error summary's text or None."""
    banners = re.findall(r'class="govuk-notification-banner[^"]*".*?__title"[^>]*>\s*(\w+)\s*</h2>(.*?)</div>\s*</div>',
                         html, re.S)
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>\s*</div>', html, re.S)
    return banners, summary.group(0) if summary else None


def test_opening_without_a_future_deadline_is_an_error_not_a_success(login, create_user, create_opportunity):
    opp = create_opportunity(opened=False)
    opp.clarification_deadline = utcnow() - timedelta(hours=2)
    opp.submission_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    client = login(create_user(Role.commissioner))
    html = client.post(f"/opportunities/{opp.id}/open", follow_redirects=True).get_data(as_text=True)
    banners, summary = _banners(html)
    assert summary and "There is a problem" in summary and 'role="alert"' in summary
    assert "Set a submission deadline in the future before opening" in summary
    assert "Success" not in [title for title, _ in banners]
    assert "<title>Error: " in html


def _bidder(create_user, create_organisation, give_documents):
    org = create_organisation()
    give_documents(org)
    return create_user(Role.provider, organisation=org), org


def test_an_incomplete_bid_is_refused_as_an_error_and_a_complete_one_is_a_success(
        login, create_user, create_organisation, give_documents, create_opportunity):
    opp = create_opportunity()
    user, org = _bidder(create_user, create_organisation, give_documents)
    bid = start_bid(opp, org, user)
    db.session.commit()
    client = login(user)
    html = client.post(f"/bids/{bid.id}/submit", data={"token": "t" * 20},
                       follow_redirects=True).get_data(as_text=True)
    banners, summary = _banners(html)
    assert summary and "Your bid was not submitted. Answer" in summary
    assert banners == []

    complete_bid(bid, user)
    db.session.commit()
    html = client.post(f"/bids/{bid.id}/submit", data={"token": "u" * 20},
                       follow_redirects=True).get_data(as_text=True)
    banners, summary = _banners(html)
    assert summary is None
    [(title, text)] = banners
    assert title == "Success" and "Version 1 submitted" in text
    assert 'govuk-notification-banner--success" role="alert"' in html


def test_a_replayed_form_says_so_in_an_important_banner(login, create_user, create_opportunity):
    opp = create_opportunity(opened=False)
    client = login(create_user(Role.commissioner))
    data = {"request_key": "replay-" + "k" * 20, "confirmed": "yes"}  # the "Yes" of the confirmation page
    assert client.post(f"/opportunities/{opp.id}/open", data=data, follow_redirects=True).status_code == 200
    again = client.post(f"/opportunities/{opp.id}/open", data=data)
    assert again.headers.get("Idempotent-Replayed") == "true"
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    banners, summary = _banners(html)
    assert summary is None
    [(title, text)] = banners
    assert title == "Important" and REPLAY_NOTICE in text and f"{opp.reference} is open for bids." in text
    assert 'role="region" aria-labelledby="important-banner-title-1"' in html


def test_each_kind_is_flashed_with_its_own_category(app):
    with app.test_request_context():
        notices.success("Done.")
        notices.info("Note.")
        notices.refusal("Not done. Do this next.")
        notices.again("no-such-kind", "Older message.")
        assert notices.pending() == {"success": ["Done."], "info": ["Note.", "Older message."],
                                     "error": ["Not done. Do this next."]}


def _session_cookie(response):
    [value] = [h.split(";", 1)[0].split("=", 1)[1] for h in response.headers.getlist("Set-Cookie")
               if h.startswith("session=")] or [None]
    return value


def test_a_double_click_whose_first_answer_arrives_last_still_says_it_was_sent_twice(
        login, create_user, create_opportunity):
    """Each of the two answers sets the cookie and the browser keeps the last to arrive; when that is
    the first answer's, a message kept in the cookie would lose the replay's notice."""
    opp = create_opportunity(opened=False)
    client = login(create_user(Role.commissioner))
    data = {"request_key": "late-" + "k" * 20, "confirmed": "yes"}
    first = client.post(f"/opportunities/{opp.id}/open", data=data)
    again = client.post(f"/opportunities/{opp.id}/open", data=data)
    assert again.headers.get("Idempotent-Replayed") == "true"
    kept = _session_cookie(first)
    if kept is not None:  # the first answer's cookie arrives last: the browser keeps it
        client.set_cookie("session", kept)
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    banners, summary = _banners(html)
    assert summary is None
    [(title, text)] = banners  # one banner: the first answer's words are in it, not twice on the page
    assert title == "Important" and REPLAY_NOTICE in text and f"{opp.reference} is open for bids." in text
    # Shown once: the next page is quiet.
    assert _banners(client.get(again.headers["Location"]).get_data(as_text=True)) == ([], None)


def test_a_message_for_a_signed_in_person_waits_with_their_session_not_in_the_cookie(
        login, create_user, create_opportunity):
    opp = create_opportunity(opened=False)
    client = login(create_user(Role.commissioner))
    response = client.post(f"/opportunities/{opp.id}/open", data={"request_key": "wait-" + "k" * 20,
                                                                  "confirmed": "yes"})
    assert response.status_code in (302, 303)
    cookie = _session_cookie(response)
    assert cookie is None or "_flashes" not in _decoded(client, cookie)
    from commissioning.accounts.models import HeldNotice
    assert [n.kind for n in db.session.scalars(db.select(HeldNotice))] == ["success"]


def _decoded(client, cookie):
    app = client.application
    return app.session_interface.get_signing_serializer(app).loads(cookie)
