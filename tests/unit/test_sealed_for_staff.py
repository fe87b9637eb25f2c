"""Sealed means sealed for council staff too (issue 15, seen 1).

Until an opportunity's deadline nothing council staff can open (pages, the audit log with any
filter, the mail outbox and its messages, the API) ties a bidder to a bid; after it the audit
shows everything. The walk is differential: the bidder's organisation and person exist (and may
appear in directories such as /organisations) before the bid; no page may name them more often
once they have bid.
"""
import smtplib
from datetime import timedelta

import pytest
from flask import url_for

from commissioning.accounts.models import Role
from commissioning.api.operations import create_token
from commissioning.audit.util import search_audit
from commissioning.bids.operations import add_attachment, save_draft, start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.mail.operations import deliver_email, queue_email
from commissioning.mail.util import outbox_page
from commissioning.opportunities.operations import update_opportunity
from tests.fixtures.factories import complete_bid
from tests.unit import test_access
from tests.unit.test_access import ACCESS, urls

objects = test_access.objects  # the access walk's fixture: every page has its objects

ORG = "Quillfeather Youth Cooperative"
NAME = "Ophelia Brightwater"
EMAIL = "ophelia.brightwater@quillfeather.example"
FILENAME = "quillfeather-delivery-plan.txt"
STAFF_ROLES = ("admin", "commissioner", "evaluator", "contract_monitor", "panel_facilitator")


def _signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": "a-long-test-password"})
    assert response.status_code == 302
    return client


def _bidder(create_organisation, create_user, give_documents):
    org = create_organisation(ORG)
    give_documents(org)
    user = create_user(Role.provider, email=EMAIL, name=NAME, organisation=org)
    return org, user


def _bid(opp, org, user):
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    save_draft(bid, user, price_breakdown="Staff and venues")
    add_attachment(bid, user, (FILENAME, "text/plain", b"our plan"))
    submission = submit_bid(bid, user, "sealed-walk-token-1")
    db.session.commit()
    for email_id in db.session.scalars(db.select(OutgoingEmail.id)).all():
        deliver_email(email_id)
    db.session.commit()
    return submission


def _staff_urls(app, objects, role, bidder):
    """Every GET page the role may open, the bidder's own organisation and person pages, the audit
    log with each filter, and the outbox."""
    found = []
    for endpoint, (builder, table) in ACCESS.items():
        if table[role] == 200 and not urls(builder, objects)[0].startswith("/api/v1"):
            found += urls(builder, objects)
    ids = {"org_id": bidder.memberships[0].organisation_id, "user_id": bidder.id}
    with app.test_request_context():
        found += [url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
                  for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and rule.arguments and rule.arguments <= set(ids)
                  and not rule.rule.startswith("/api/")]
    if role == "admin":
        found += ["/admin/audit?per_page=200", f"/admin/audit?user={bidder.id}&per_page=200",
                  "/admin/audit?object_type=Bid", "/admin/audit?object_type=OutgoingEmail",
                  f"/admin/mail?to={EMAIL}", "/admin/mail?per_page=200"]
        found += [f"/admin/audit?action={a}&per_page=200" for a in
                  ("bid.started", "bid.draft_saved", "bid.attachment_added", "bid.submitted", "mail.queued",
                   "mail.sent")]
        found += [f"/admin/mail/{i}" for i in db.session.scalars(db.select(OutgoingEmail.id)).all()]
    return found


def _api_urls(objects):
    return [u for builder, _t in ACCESS.values() for u in urls(builder, objects) if u.startswith("/api/v1")]


def _counts(client, url_list, secrets, headers=None):
    counts = {}
    for url in url_list:
        response = client.get(url, headers=headers or {})
        assert response.status_code < 500, f"{url}: {response.status_code}"
        text = response.data.decode("utf-8", "replace")
        counts[url] = {s: text.count(s) for s in secrets}
    return counts


def test_no_staff_page_audit_entry_mail_or_api_answer_ties_a_bidder_to_a_bid(
        app, objects, create_organisation, create_user, give_documents):
    org, user = _bidder(create_organisation, create_user, give_documents)
    staff = {role: objects["users"][role] for role in STAFF_ROLES}
    _row, plain = create_token(staff["commissioner"], "walk", "read", 30)
    db.session.commit()
    auth = {"Authorization": f"Bearer {plain}"}
    secrets = [ORG, NAME, EMAIL, FILENAME]

    def walk():
        seen = {}
        for role, person in staff.items():
            client = _signed_in(app, person)
            seen[role] = _counts(client, _staff_urls(app, objects, role, user), secrets)
        seen["api"] = _counts(app.test_client(), _api_urls(objects), secrets, headers=auth)
        return seen

    before = walk()
    submission = _bid(objects["opp"], org, user)
    after = walk()
    leaks = []
    for who, pages in after.items():
        for url, counts in pages.items():
            for secret, n in counts.items():
                if n > before[who].get(url, {}).get(secret, 0):
                    leaks.append(f"{who} {url}: {secret!r}")
    client = _signed_in(app, staff["admin"])
    for url in _staff_urls(app, objects, "admin", user):
        if submission.sha256 in client.get(url).data.decode("utf-8", "replace"):
            leaks.append(f"admin {url}: the receipt's SHA-256")
    assert leaks == []

    # After the deadline the audit and the outbox show everything.
    objects["opp"].clarification_deadline = utcnow() - timedelta(seconds=2)
    objects["opp"].submission_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    html = client.get("/admin/audit?action=bid.submitted").get_data(as_text=True)
    assert NAME in html
    html = client.get(f"/admin/audit?user={user.id}&action=bid.submitted").get_data(as_text=True)
    assert NAME in html and "No entries match" not in html
    assert EMAIL in client.get(f"/admin/mail?to={EMAIL}").get_data(as_text=True)
    receipt = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == EMAIL)).one()
    assert ORG in client.get(f"/admin/mail/{receipt.id}").get_data(as_text=True)


def test_the_seal_follows_a_deadline_moved_later(create_opportunity, create_organisation, create_user,
                                                 give_documents):
    opp = create_opportunity()
    org, user = _bidder(create_organisation, create_user, give_documents)
    _bid(opp, org, user)
    old_deadline = opp.submission_deadline
    update_opportunity(opp, submission_deadline=old_deadline + timedelta(days=2))
    db.session.commit()
    between = old_deadline + timedelta(days=1)
    assert search_audit(action="bid.submitted", now=between).items == []
    assert [e.action for e in search_audit(user_id=user.id, now=between).items
            if e.action.startswith(("bid.", "mail."))] == []
    assert [m for m in outbox_page(now=between).items if m.to_address == EMAIL] == []
    after = opp.submission_deadline + timedelta(minutes=1)
    assert [e.user_id for e in search_audit(action="bid.submitted", now=after).items] == [user.id]
    assert [m.to_address for m in outbox_page(EMAIL, now=after).items] == [EMAIL]


def test_the_sealed_entries_are_counted_not_shown(login, create_opportunity, create_organisation, create_user,
                                                  give_documents):
    opp = create_opportunity()
    org, user = _bidder(create_organisation, create_user, give_documents)
    _bid(opp, org, user)
    client = login(create_user(Role.admin))
    html = client.get("/admin/audit?action=bid.submitted").get_data(as_text=True)
    results = html.rsplit("</select>", 1)[1]  # the filter's list of people names everyone
    assert "Sealed until the deadline" in results and opp.reference in results and NAME not in results
    assert "Sealed until" not in client.get(f"/admin/audit?user={user.id}").get_data(as_text=True)
    outbox = client.get("/admin/mail").get_data(as_text=True)
    assert "Sealed until the deadline" in outbox and opp.reference in outbox and EMAIL not in outbox


def test_a_refused_receipt_does_not_name_its_recipient_in_the_worker_log(app, smtp_server, monkeypatch):
    for key, value in {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
                       "MAIL_USE_TLS": False, "MAIL_USERNAME": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    smtp_server.refusals[EMAIL] = 1
    email = queue_email(EMAIL, "bid_receipt", "Bid received", "password_changed", user_name=NAME)
    db.session.commit()
    with pytest.raises(smtplib.SMTPException) as raised:
        deliver_email(email.id)
    assert EMAIL not in str(raised.value) and "<recipient>" in str(raised.value)
    assert raised.value.__suppress_context__


def test_following_or_asking_about_an_open_opportunity_is_sealed_too(app, login, create_opportunity,
                                                                      create_organisation, create_user, give_documents):
    """Seen in review: /admin/audit?action=opportunity.followed named the provider following OPP-0001,
    and the questions page named the organisation that asked: interest, before the deadline."""
    from commissioning.opportunities.operations import answer_clarification, ask_clarification, follow
    opp = create_opportunity()
    org, user = _bidder(create_organisation, create_user, give_documents)
    follow(opp, user)
    item = ask_clarification(opp, user, org, "Can two organisations bid together?")
    answer_clarification(item, "Yes, as a consortium with one lead.")
    db.session.commit()
    admin = login(create_user(Role.admin))
    for url in ("/admin/audit?action=opportunity.followed", f"/admin/audit?user={user.id}&per_page=200",
                "/admin/audit?action=opportunity.clarification_asked", "/admin/audit?action=mail.queued",
                "/admin/mail?per_page=200", f"/admin/mail?to={EMAIL}"):
        results = admin.get(url).get_data(as_text=True).rsplit("</form>", 1)[-1]  # the filters name everyone
        assert EMAIL not in results and NAME not in results, url
    commissioner = _signed_in(app, create_user(Role.commissioner))
    page = commissioner.get(f"/opportunities/{opp.id}/questions").get_data(as_text=True)
    assert "Can two organisations bid together?" in page and ORG not in page
