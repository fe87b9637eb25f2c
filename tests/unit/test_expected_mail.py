"""The mail people expect (issue 17): a clarification question asked (to the commissioner) or answered
(to the asker), a return submitted (to the monitor) or accepted (to the provider), an agreement signed
(to the commissioner); each once, with a setting per person (a mail each time or the daily digest),
sealed where a bidder is behind it; in-app links are paths, mail links are built from BASE_URL.
"""
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.contracts import operations as contract_ops
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail, Reminder, kinds_for
from commissioning.mail.operations import notify
from commissioning.mail.util import outbox_page
from commissioning.monitoring import operations as ops
from commissioning.opportunities.operations import answer_clarification, ask_clarification, follow
from commissioning.outbox.models import OutboxTask
from tests.unit.test_ballot_migration import own_database  # noqa: F401 (a fixture)
from tests.unit.test_monitoring import _fill, _first_due, active  # noqa: F401 (a fixture)

BASE = "https://youth.example.gov.uk"
ORG = "Marigold Street Youth Trust"
NAME = "Perpetua Lindqvist"
EMAIL = "perpetua@marigold.example"


@pytest.fixture(autouse=True)
def base_url(app, monkeypatch):
    """A BASE_URL unlike the test server's host, so a link built from the request would show."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE)


def _mail(kind, to=None):
    query = db.select(OutgoingEmail).where(OutgoingEmail.kind == kind)
    if to is not None:
        query = query.where(OutgoingEmail.to_address == to)
    return db.session.scalars(query.order_by(OutgoingEmail.id)).all()


def _notification(kind, user):
    return db.session.scalars(db.select(Reminder).where(Reminder.kind == kind, Reminder.user_id == user.id)).one()


def _sends(email):
    """The mail's send task is in the outbox once: it goes after the commit, exactly once."""
    tasks = [t for t in db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == "mail.send_email"))
             if t.kwargs.get("email_id") == email.id]
    return len(tasks)


@pytest.fixture
def asking(create_opportunity, create_user, create_organisation, give_documents):
    """An open opportunity owned by one commissioner (another exists), and a bidder who may ask."""
    opp = create_opportunity()
    owner = create_user(Role.commissioner, name="Olwen Owner")
    create_user(Role.commissioner, name="Someone Else")
    opp.created_by_id = owner.id
    org = create_organisation(ORG)
    give_documents(org)
    bidder = create_user(Role.provider, email=EMAIL, name=NAME, organisation=org)
    db.session.commit()
    return opp, owner, org, bidder


def test_a_question_asked_tells_the_opportunitys_commissioner_never_who_asked(asking):
    """Seen: no mail went out when a clarification question was asked."""
    opp, owner, org, bidder = asking
    ask_clarification(opp, bidder, org, "Can two organisations bid together?")
    mails = _mail("clarification_asked")
    assert [m.to_address for m in mails] == [owner.email]
    body = mails[0].body
    assert f"{BASE}/opportunities/{opp.id}/questions" in body and opp.reference in body
    for name in (ORG, NAME, EMAIL):
        assert name not in body and name not in mails[0].subject
    # Sealed like the question: staff reading the outbox before the deadline do not see it.
    assert mails[0].sealed_opportunity_id == opp.id
    assert mails[0].id not in {m.id for m in outbox_page(per_page=500).items}
    assert _sends(mails[0]) == 1
    assert _notification("clarification_asked", owner).link == f"/opportunities/{opp.id}/questions"


def test_an_answer_tells_the_asker_once_whether_private_or_published(asking, create_user):
    """Seen: no mail went out to the asker when a question was answered (a published answer went only to
    followers, so an asker who follows would have had two)."""
    opp, _owner, org, bidder = asking
    follower = create_user(Role.provider)
    follow(opp, bidder)
    follow(opp, follower)
    private = ask_clarification(opp, bidder, org, "Is our hall in the area?")
    public = ask_clarification(opp, bidder, org, "Can we bid with a partner?")
    answer_clarification(private, "Yes, it is inside the ward.")
    answer_clarification(public, "Yes, with one lead.", published_question="Can two organisations bid together?")
    to_asker = _mail("clarification_answered", bidder.email)
    assert len(to_asker) == 2
    assert "Yes, it is inside the ward." in to_asker[0].body and "privately" in to_asker[0].body
    assert "Yes, with one lead." in to_asker[1].body and "published for every bidder" in to_asker[1].body
    assert all(f"{BASE}/opportunities/{opp.id}#clarifications" in m.body for m in to_asker)
    assert all(m.sealed_opportunity_id == opp.id for m in to_asker)
    assert not _mail("opportunity_clarification", bidder.email)             # not a second mail
    [to_follower] = _mail("opportunity_clarification", follower.email)      # other followers as before
    assert f"{BASE}/opportunities/{opp.id}#clarifications" in to_follower.body
    links = {r.link for r in db.session.scalars(db.select(Reminder).where(Reminder.user_id == bidder.id))}
    assert links == {f"/opportunities/{opp.id}#clarifications"}


def test_a_submitted_return_tells_the_contract_monitor(active):  # noqa: F811
    """Seen: no mail went out to the monitor when a return was submitted."""
    agreement, provider, monitor, commissioner = active()
    due = _first_due(agreement)
    ret = ops.return_for(due)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    mails = _mail("return_submitted")
    assert [m.to_address for m in mails] == [monitor.email]
    assert f"{BASE}/returns/{due.id}" in mails[0].body and agreement.reference in mails[0].body
    assert mails[0].sealed_opportunity_id is None and _sends(mails[0]) == 1
    assert _notification("return_submitted", monitor).link == f"/returns/{due.id}"


def test_a_return_under_an_agreement_without_a_monitor_tells_its_commissioner(active):  # noqa: F811
    agreement, provider, _monitor, commissioner = active()
    agreement.monitor_id = None
    db.session.flush()
    db.session.expire(agreement, ["monitor"])
    ret = ops.return_for(_first_due(agreement))
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    assert [m.to_address for m in _mail("return_submitted")] == [commissioner.email]


def test_a_return_submitted_again_after_changes_is_told_again(active):  # noqa: F811
    agreement, provider, monitor, _c = active()
    ret = ops.return_for(_first_due(agreement))
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    ops.send_back(ret, monitor, "Add the spend on venues")
    ret.submitted_at = ret.submitted_at - timedelta(minutes=1)  # two submissions are never at one instant
    ops.submit_return(ret, provider)
    assert len(_mail("return_submitted", monitor.email)) == 2


def test_an_accepted_return_tells_the_provider(active):  # noqa: F811
    """Seen: no mail went out to the provider when a return was accepted."""
    agreement, provider, monitor, _c = active()
    due = _first_due(agreement)
    ret = ops.return_for(due)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    ops.accept_return(ret, monitor, ret.suggested_rag, "", [("Plan the summer venues", "Pat", due.due_on)])
    mails = _mail("return_accepted")
    assert [m.to_address for m in mails] == [provider.email]
    body = mails[0].body
    assert f"{BASE}/returns/{due.id}" in body and "Plan the summer venues" in body and "accepted" in body
    assert _notification("return_accepted", provider).link == f"/returns/{due.id}"


@pytest.fixture
def issued(create_agreement, create_user, create_organisation, give_documents):
    org = create_organisation()
    give_documents(org)
    provider = create_user(Role.provider, organisation=org)
    owner = create_user(Role.commissioner)
    create_user(Role.commissioner)
    agreement = create_agreement(org, provider)
    agreement.created_by_id = owner.id
    document = contract_ops.issue(agreement, owner, "Test Borough Council")
    contract_ops.render_document(document.id)
    db.session.commit()
    return agreement, provider, owner, document


def test_a_signature_tells_the_agreements_commissioner(issued):
    """Seen: no mail went out to the commissioner when a provider signed."""
    agreement, provider, owner, document = issued
    contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
    mails = _mail("agreement_signed")
    assert [m.to_address for m in mails] == [owner.email]
    assert f"{BASE}/contracts/{agreement.id}" in mails[0].body and "countersign" in mails[0].body
    assert "Pat Provider (Chair)" in mails[0].body
    assert f"change your settings: {BASE}/notifications#settings" in mails[0].body   # what to do for fewer
    assert _notification("agreement_signed", owner).link == f"/contracts/{agreement.id}"


def test_a_signed_copy_uploaded_tells_the_commissioner_too(issued):
    agreement, provider, owner, document = issued
    contract_ops.upload_signed_copy(agreement, provider, "Pat Provider", "Chair",
                                    ("signed.pdf", "application/pdf", b"%PDF-1.7 signed"), document.sha256)
    mails = _mail("agreement_signed")
    assert [m.to_address for m in mails] == [owner.email] and "uploaded a signed copy" in mails[0].body


def test_a_notification_is_made_and_mailed_once_for_its_key(app, create_user):
    user = create_user(Role.commissioner)
    args = (user, "agreement_signed", "test-once", "Signed", "It was signed.", "/contracts")
    assert notify(*args) is True and notify(*args) is False
    assert len(_mail("agreement_signed", user.email)) == 1


# --- the setting: a mail each time, or the daily digest ----------------------------------------

def test_each_event_has_a_setting_for_the_roles_that_get_it(create_user):
    kinds = lambda role: set(kinds_for(create_user(role)))  # noqa: E731
    assert {"clarification_asked", "return_submitted", "agreement_signed"} <= kinds(Role.commissioner)
    assert {"clarification_answered", "return_accepted"} <= kinds(Role.provider)
    assert "return_submitted" in kinds(Role.contract_monitor)
    assert "clarification_asked" not in kinds(Role.provider)


def test_the_digest_setting_holds_the_mail_for_the_digest_with_the_persons_tasks(active):  # noqa: F811
    agreement, provider, monitor, _c = active()
    ops.set_preferences(monitor, {"return_submitted"}, kinds_for(monitor))
    due = _first_due(agreement)
    ret = ops.return_for(due)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    assert not _mail("return_submitted")
    assert _notification("return_submitted", monitor).digest is True
    assert ops.send_digests() == 1 and ops.send_digests() == 0
    [digest] = _mail("reminder_digest", monitor.email)
    assert f"Return to review: {agreement.reference}" in digest.body and f"{BASE}/returns/{due.id}" in digest.body
    # The tasks the dashboard shows, each with its link.
    assert "Review a monitoring return a provider has sent" in digest.body
    assert f"{BASE}/dashboard" in digest.body and f"{BASE}/notifications" in digest.body


def test_a_sealed_notification_goes_in_a_sealed_digest_of_its_own(asking, active):  # noqa: F811
    opp, _owner, org, bidder = asking
    ops.set_preferences(bidder, {"clarification_answered", "return"}, kinds_for(bidder))
    answer_clarification(ask_clarification(opp, bidder, org, "Is our hall in the area?"), "Yes, it is.")
    assert not _mail("clarification_answered")
    notify(bidder, "return", "test-unsealed", "A return is due", "Send it.", "/contracts")
    assert ops.send_digests() == 1
    digests = _mail("reminder_digest", bidder.email)
    sealed = [d for d in digests if d.sealed_opportunity_id == opp.id]
    open_ = [d for d in digests if d.sealed_opportunity_id is None]
    assert len(sealed) == 1 and len(open_) == 1
    assert "Is our hall in the area?" in sealed[0].body and "Is our hall" not in open_[0].body
    assert opp.title not in open_[0].body
    assert sealed[0].id not in {m.id for m in outbox_page(per_page=500).items}


def test_the_open_digest_leaves_out_tasks_that_show_someone_bids(asking):
    from commissioning.bids.operations import start_bid
    opp, _owner, org, bidder = asking
    start_bid(opp, org, bidder)
    ops.set_preferences(bidder, {"return"}, kinds_for(bidder))
    notify(bidder, "return", "test-digest", "A return is due", "Send it.", "/contracts")
    ops.send_digests()
    [digest] = _mail("reminder_digest", bidder.email)
    assert digest.sealed_opportunity_id is None and "draft bid" not in digest.body


def test_the_settings_page_saves_a_choice_per_kind(active, login):  # noqa: F811
    _a, provider, _m, _c = active()
    client = login(provider)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Your monitoring return is accepted" in page and "A bidder asks a clarification question" not in page
    response = client.post("/notifications", data={"digest": ["return_accepted", "clarification_asked"]})
    assert response.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert 'value="return_accepted" checked' in page and 'value="clarification_answered" checked' not in page
    assert kinds_for(provider).keys() >= {"return_accepted"}
    from commissioning.mail.models import ReminderPreference
    chosen = {p.kind for p in db.session.scalars(db.select(ReminderPreference).where(
        ReminderPreference.user_id == provider.id, ReminderPreference.digest.is_(True)))}
    assert chosen == {"return_accepted"}      # a kind not theirs is not saved


# --- links ------------------------------------------------------------------------------------------

def test_reminder_links_are_paths_and_open_on_another_host(app, active, login):  # noqa: F811
    """Seen: notification links were built from BASE_URL, so they pointed at another host when it was
    not the host the page was read on."""
    agreement, provider, _m, _c = active()
    due = _first_due(agreement)
    ops.sweep_reminders(due.due_on)
    reminder = _notification("return", provider)
    assert reminder.link == f"/returns/{due.id}"
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": provider.email, "password": "a-long-test-password"},
                       base_url="http://another.example").status_code == 302
    page = client.get("/notifications", base_url="http://another.example").get_data(as_text=True)
    assert f'href="/returns/{due.id}"' in page and BASE not in page
    assert client.get(reminder.link, base_url="http://another.example").status_code == 200
    # The mail, read outside the app, has the service's own address.
    [mail] = _mail("reminder_return", provider.email)
    assert f"{BASE}/returns/{due.id}" in mail.body


def test_mail_links_come_from_base_url_not_the_requests_host(app, issued):
    agreement, provider, owner, document = issued
    with app.test_request_context("/", base_url="http://another.example"):
        contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
    [mail] = _mail("agreement_signed")
    assert f"{BASE}/contracts/{agreement.id}" in mail.body and "another.example" not in mail.body


def test_a_notification_refuses_an_absolute_link(create_user):
    with pytest.raises(ValueError):
        notify(create_user(Role.commissioner), "agreement_signed", "test-abs", "S", "T", f"{BASE}/contracts")


def test_migration_0017_stores_old_notification_links_as_paths(own_database, tmp_path):  # noqa: F811
    """Links stored before the upgrade, with BASE_URL's host, become paths; downgrading puts a host back."""
    from tests.unit.test_ballot_migration import _cli, _rows
    from tests.unit.test_sealing_migration import _execute
    url, connect = own_database
    _cli(url, tmp_path, "db", "upgrade", "0016_duties_apart")
    now = "2026-11-30 10:00:00"
    _execute(connect,
             "INSERT INTO users (id, email, name, password_hash, active, created_at) "
             f"VALUES (1, 'p@example.org', 'P', 'x', true, '{now}')",
             *[f"INSERT INTO reminders (id, key, kind, user_id, subject, text, link, digest, created_at) VALUES "
               f"({i}, 'k{i}', 'return', 1, 'S', 'T', '{link}', false, '{now}')"
               for i, link in [(1, "http://127.0.0.1:5000/returns/7"), (2, "https://youth.example.gov.uk/contracts/3/review"),
                               (3, "/returns/8")]])
    _cli(url, tmp_path, "db", "upgrade", "0017_mail_preferences")
    assert dict(_rows(connect, "SELECT id, link FROM reminders ORDER BY id")) == {
        1: "/returns/7", 2: "/contracts/3/review", 3: "/returns/8"}
    assert _rows(connect, "SELECT COUNT(*) FROM reminders WHERE sealed_opportunity_id IS NULL") == [(3,)]


def test_every_mail_link_is_built_by_core_urls_from_base_url(create_user, create_opportunity):
    """The mail templates that typed BASE_URL and a path by hand now link through core/urls.py, to the page."""
    from pathlib import Path

    from commissioning.accounts.operations import change_password
    from commissioning.opportunities.operations import update_opportunity
    templates = Path(__file__).resolve().parents[2] / "templates" / "emails"
    assert not [p.name for p in templates.glob("*.txt") if "base_url" in p.read_text()]
    user = create_user(Role.provider)
    change_password(user, "another-long-password")
    [mail] = _mail("password_changed", user.email)
    assert f"{BASE}/password-reset" in mail.body
    opp = create_opportunity()
    follow(opp, user)
    update_opportunity(opp, submission_deadline=opp.submission_deadline + timedelta(days=7))
    [mail] = _mail("opportunity_dates_changed", user.email)
    assert f"{BASE}/opportunities/{opp.id}" in mail.body
