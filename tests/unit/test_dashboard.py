"""The dashboard's task list per role: what each person can act on now, with counts and links straight
to the work, empty states that say what will appear, the public home page's links, constant queries."""
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db
from commissioning.main.tasks import Task, tasks_for
from commissioning.panels import operations as panel_ops
from commissioning.panels.models import AgeBand, AllocationRule, BallotType
from tests.fixtures.factories import complete_bid

TODAY = utcnow().astimezone(LONDON).date()


def _keys(tasks):
    return {t.key: t for t in tasks}


def _dashboard(client):
    response = client.get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _links_work(client, tasks):
    """Every task's link opens a page for the person it is for (a redirect may pass through, as the
    panel vote does through its links question)."""
    for task in tasks:
        assert task.url.startswith("/"), f"{task.key} links to {task.url}, not a path in the service"
        response = client.get(task.url, follow_redirects=True)
        assert response.status_code == 200, f"{task.key}: {task.url} answered {response.status_code}"


def _join(client, member):
    code = panel_ops.issue_joining_code(member)
    db.session.commit()
    assert client.post("/join", data={"code": code}).status_code == 302
    return client


@pytest.fixture
def a_panel(create_user, create_pot):
    """A facilitator's panel: ``members`` aged 16-17, ``young`` under 16 without consent, ``rounds``
    being set up and ``open_rounds`` open for voting."""
    def factory(members=2, young=0, rounds=1, open_rounds=0, facilitator=None):
        facilitator = facilitator or create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=50_000_000)
        panel = panel_ops.create_panel("Dashboard panel", None, facilitator)
        people = [panel_ops.add_member(panel, f"Member {i}", AgeBand.age_16_17)[0] for i in range(members)]
        people += [panel_ops.add_member(panel, f"Young {i}", AgeBand.age_14_15)[0] for i in range(young)]
        now = utcnow()
        made = []
        for i in range(rounds + open_rounds):
            rnd = panel_ops.create_round(
                panel, facilitator, title=f"Round {i}", pot=pot, budget_pence=100_000,
                ballot_type=BallotType.within_budget, max_projects=None, min_projects=None, rule=AllocationRule.greedy,
                quorum=None, min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))
            panel_ops.add_project(rnd, "A project", "A plain summary.", 500)
            if i >= rounds:
                panel_ops.open_voting(rnd, facilitator)
            made.append(rnd)
        db.session.commit()
        return facilitator, panel, people, made
    return factory


# --- seen: panel member and facilitator dashboards said "Nothing needs your attention" ------------

def test_member_with_two_rounds_open_is_asked_to_vote_not_told_nothing_needs_attention(a_panel, client):
    """Seen: the member's dashboard said "Nothing needs your attention" with two rounds open for voting."""
    _facilitator, _panel, people, rounds = a_panel(rounds=0, open_rounds=2)
    member = people[0]
    tasks = _keys(tasks_for(member.user))
    assert tasks["rounds_to_vote"].count == 2 and tasks["rounds_to_vote"].url == "/panels/me"
    page = _dashboard(_join(client, member))
    assert "Nothing needs your attention" not in page
    assert "Vote in 2 rounds that are open" in page and 'href="/panels/me"' in page
    _links_work(client, tasks.values())

    panel_ops.cast_ballot(rounds[0], member, [rounds[0].projects[0].id])
    db.session.commit()
    one = _keys(tasks_for(member.user))["rounds_to_vote"]
    assert one.count == 1 and one.url == f"/panels/rounds/{rounds[1].id}/links"   # straight to the vote
    _links_work(client, [one])


def test_facilitator_with_a_round_being_set_up_and_consent_outstanding_sees_both(a_panel, login, client):
    """Seen: the facilitator's dashboard said "Nothing needs your attention" with a round being set up
    and consent outstanding."""
    facilitator, _panel, people, rounds = a_panel(members=1, young=1, rounds=1)
    tasks = _keys(tasks_for(facilitator))
    assert tasks["rounds_being_set_up"].count == 1
    assert tasks["rounds_being_set_up"].url == f"/panels/rounds/{rounds[0].id}"
    assert tasks["consent_outstanding"].count == 1
    assert tasks["consent_outstanding"].url == f"/panels/members/{people[1].id}"
    page = _dashboard(login(facilitator))
    assert "Nothing needs your attention" not in page
    assert "Finish setting up a round and open voting" in page
    assert "Record a parent’s or carer’s consent for a member" in page
    _links_work(client, tasks.values())


def test_a_facilitator_sees_only_their_own_panels(a_panel, create_user):
    a_panel(young=2, rounds=2)
    assert tasks_for(create_user(Role.panel_facilitator)) == []


def test_open_rounds_and_results_for_the_facilitator_and_the_member(a_panel, login, client, create_user,
                                                                    app, monkeypatch):
    monkeypatch.setitem(app.config, "PANEL_MIN_BALLOTS", 3)
    facilitator, _panel, people, rounds = a_panel(members=3, rounds=0, open_rounds=1)
    assert _keys(tasks_for(facilitator))["rounds_open"].url == f"/panels/rounds/{rounds[0].id}"
    for member in people:
        panel_ops.cast_ballot(rounds[0], member, [rounds[0].projects[0].id])
    assert "rounds_to_vote" not in _keys(tasks_for(people[0].user))   # voted: nothing left to do
    panel_ops.close_voting(rounds[0], facilitator, "test")
    panel_ops.count_round(rounds[0].id)
    db.session.commit()
    member_tasks = _keys(tasks_for(people[0].user))
    assert member_tasks["results_published"].url == f"/panels/rounds/{rounds[0].id}/results"
    assert _keys(tasks_for(facilitator))["results_to_share"].count == 1
    commissioner = create_user(Role.commissioner)
    confirm = _keys(tasks_for(commissioner))["panel_results_to_confirm"]
    assert confirm.url == f"/panels/rounds/{rounds[0].id}/results"
    _links_work(login(commissioner), [confirm])


def test_a_member_who_needs_consent_is_not_asked_to_vote(a_panel):
    _f, _p, people, _r = a_panel(members=0, young=1, rounds=0, open_rounds=0)
    assert tasks_for(people[0].user) == []


# --- commissioners ----------------------------------------------------------------------------------

@pytest.fixture
def in_review(prioritised_need, create_pot, create_user):
    """``n`` specifications in review written by one commissioner."""
    from commissioning.specifications.operations import create_specification, submit_for_review
    from tests.fixtures.factories import spec_content

    def factory(n=1, author=None):
        author = author or create_user(Role.commissioner, name="Alex Author")
        need = prioritised_need()
        pot = create_pot(amount_pence=100_000_00)
        specs = []
        for _ in range(n):
            spec = create_specification(author, [need], spec_content(pot, [loc.id for loc in need.localities]))
            submit_for_review(spec)
            specs.append(spec)
        db.session.commit()
        return specs, author
    return factory


def test_approvals_wait_for_commissioners_who_may_decide_them_not_for_the_author(in_review, create_user, login,
                                                                                 client):
    from commissioning.specifications.operations import decide
    (spec,), author = in_review()
    assert "approvals_waiting" not in _keys(tasks_for(author))   # duties apart: not what you wrote
    first, second = create_user(Role.commissioner), create_user(Role.commissioner)
    task = _keys(tasks_for(first))["approvals_waiting"]
    assert task.count == 1 and task.url == f"/specifications/{spec.id}"
    decide(spec, first, approved=True)
    db.session.commit()
    if spec.status.value == "in_review":   # a second stage: not for the one who decided the first
        assert "approvals_waiting" not in _keys(tasks_for(first))
        assert _keys(tasks_for(second))["approvals_waiting"].count == 1
    page = _dashboard(login(second))
    assert "Commissioning" in page
    _links_work(client, tasks_for(second))


def test_commissioner_tasks_for_questions_deadlines_and_signatures(create_opportunity, create_agreement, create_user,
                                                                   create_organisation, give_documents, login, client):
    from commissioning.contracts import operations as contract_ops
    from commissioning.opportunities.operations import ask_clarification
    commissioner = create_user(Role.commissioner)
    opp = create_opportunity()
    org = create_organisation()
    provider = create_user(Role.provider, organisation=org)
    ask_clarification(opp, provider, org, "Can we bid jointly?")
    give_documents(org)
    agreement = create_agreement(org, provider)
    db.session.commit()
    tasks = _keys(tasks_for(commissioner))
    assert tasks["clarifications_unanswered"].url == f"/opportunities/{opp.id}/questions"
    assert tasks["agreements_to_issue"].url == f"/contracts/{agreement.id}"
    document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
    contract_ops.render_document(document.id)
    assert "agreements_to_issue" not in _keys(tasks_for(commissioner))
    provider_task = _keys(tasks_for(provider))["agreements_to_sign"]
    assert provider_task.url == f"/contracts/{agreement.id}"
    contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
    db.session.commit()
    tasks = _keys(tasks_for(commissioner))
    assert "agreements_to_sign" not in _keys(tasks_for(provider))
    assert tasks["agreements_to_countersign"].url == f"/contracts/{agreement.id}"
    page = _dashboard(login(commissioner))
    assert "Answer a bidder’s clarification question" in page
    assert "Countersign an agreement the provider has signed" in page
    _links_work(client, tasks.values())


def test_an_opportunity_past_its_deadline_waits_for_evaluators(create_opportunity, create_user):
    commissioner = create_user(Role.commissioner)
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    task = _keys(tasks_for(commissioner))["opportunities_to_evaluate"]
    assert task.count == 1 and task.url == f"/opportunities/{opp.id}/evaluation"


# --- evaluators ---------------------------------------------------------------------------------------

def test_an_evaluator_declares_then_scores_each_bid_assigned(create_opportunity, create_user, create_organisation,
                                                            give_documents, login, client, app):
    from commissioning.bids.operations import start_bid, submit_bid
    from commissioning.evaluation.models import Interest
    from commissioning.evaluation.operations import assign, declare, save_scores
    from commissioning.opportunities.operations import close_due
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    bids = []
    for _ in range(2):
        org = create_organisation()
        give_documents(org)
        provider = create_user(Role.provider, organisation=org)
        bid = start_bid(opp, org, provider, now=past)
        complete_bid(bid, provider, now=past)
        submit_bid(bid, provider, f"dash-{bid.id}-token-abc", now=past)
        bids.append(bid)
    close_due()
    evaluator = create_user(Role.evaluator)
    assign(opp, bids, [evaluator], None)
    db.session.commit()
    tasks = _keys(tasks_for(evaluator))
    assert tasks["declarations_to_make"].url == f"/evaluation/{opp.id}/declare"
    assert "bids_to_score" not in tasks   # declarations first: bids are hidden until then
    _links_work(login(evaluator), tasks.values())
    commissioner = create_user(Role.commissioner)
    award = _keys(tasks_for(commissioner))["opportunities_to_award"]
    assert award.url == f"/opportunities/{opp.id}/evaluation"
    commissioner_client = app.test_client()
    commissioner_client.post("/login", data={"email": commissioner.email, "password": "a-long-test-password"})
    _links_work(commissioner_client, [award])
    for bid in bids:
        declare(opp, evaluator, bid.organisation, Interest.none)
    db.session.commit()
    tasks = _keys(tasks_for(evaluator))
    assert "declarations_to_make" not in tasks
    assert tasks["bids_to_score"].count == 2 and tasks["bids_to_score"].url == "/evaluation"
    save_scores(bids[0], evaluator, {c["name"]: (3, "Clear evidence") for c in opp.quality_criteria}, submit=True)
    db.session.commit()
    task = _keys(tasks_for(evaluator))["bids_to_score"]
    assert task.count == 1 and task.url == f"/evaluation/bids/{bids[1].id}"
    assert "Score a bid" in _dashboard(client)
    _links_work(client, [task])


def test_an_evaluator_is_not_asked_to_score_a_bid_they_declared_an_interest_in(create_opportunity, create_user,
                                                                              create_organisation, give_documents):
    from commissioning.bids.operations import start_bid, submit_bid
    from commissioning.evaluation.models import Interest
    from commissioning.evaluation.operations import assign, declare
    from commissioning.opportunities.operations import close_due
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    org = create_organisation()
    give_documents(org)
    provider = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, provider, now=past)
    complete_bid(bid, provider, now=past)
    submit_bid(bid, provider, f"dash-{bid.id}-token-abc", now=past)
    close_due()
    evaluator = create_user(Role.evaluator)
    assign(opp, [bid], [evaluator], None)
    declare(opp, evaluator, org, Interest.trustee, "I am a trustee")
    db.session.commit()
    assert tasks_for(evaluator) == []


# --- providers and monitors ----------------------------------------------------------------------------

def test_a_provider_sees_draft_bids_before_the_deadline(create_opportunity, create_user, create_organisation,
                                                        login, client):
    from commissioning.bids.operations import start_bid
    opp = create_opportunity()
    org = create_organisation()
    provider = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, provider)
    db.session.commit()
    task = _keys(tasks_for(provider))["draft_bids"]
    assert task.count == 1 and task.url == f"/bids/{bid.id}"
    assert task.due == opp.submission_deadline.astimezone(LONDON).date() and not task.overdue
    page = _dashboard(login(provider))
    assert "Finish and submit a draft bid before the deadline" in page and "Due " in page
    _links_work(client, [task])
    # Someone from another organisation has nothing to do here.
    assert tasks_for(create_user(Role.provider)) == []


def test_monitoring_returns_for_the_provider_and_the_monitor(active_agreement, login, client, app):
    from commissioning.monitoring import operations as mon_ops
    agreement, provider, monitor = active_agreement()
    overdue = [d for d in sorted(agreement.returns, key=lambda d: d.due_on) if d.due_on < TODAY]
    assert overdue, "the agreement started six months ago, so returns are overdue"
    tasks = _keys(tasks_for(provider))
    assert tasks["returns_overdue"].count == len(overdue) and tasks["returns_overdue"].overdue
    assert tasks["returns_overdue"].url == f"/returns/{overdue[0].id}"
    assert _keys(tasks_for(monitor))["returns_overdue"].count == len(overdue)
    page = _dashboard(login(provider))
    assert "Overdue since " in page and "govuk-tag--red" in page
    _links_work(client, tasks.values())

    ret = mon_ops.return_for(overdue[0])
    mon_ops.save_return(ret, provider, {"kpi-0": "130", "spend": "2500", "age-1": "60", "age-2": "70",
                                        "feedback_responses": "20", "feedback_positive": "15",
                                        "achievements": "All sessions ran.", "issues": "None"})
    mon_ops.submit_return(ret, provider)
    db.session.commit()
    review = _keys(tasks_for(monitor))["returns_to_review"]
    assert review.count == 1 and review.url == f"/returns/{overdue[0].id}"
    left = _keys(tasks_for(provider)).get("returns_overdue")
    assert (left.count if left else 0) == len(overdue) - 1   # sent: no longer the provider's to do
    monitor_client = app.test_client()
    monitor_client.post("/login", data={"email": monitor.email, "password": "a-long-test-password"})
    assert "Review a monitoring return a provider has sent" in _dashboard(monitor_client)
    _links_work(monitor_client, [review])


@pytest.fixture
def active_agreement(create_agreement, create_user, create_organisation, give_documents):
    """An active agreement that started six months ago, with its provider and monitor."""
    from commissioning.contracts import operations as contract_ops

    def factory():
        org = create_organisation()
        give_documents(org)
        provider = create_user(Role.provider, organisation=org, name="Pat Provider")
        monitor, commissioner = create_user(Role.contract_monitor), create_user(Role.commissioner)
        agreement = create_agreement(org, provider)
        start = TODAY - timedelta(days=180)
        end = contract_ops.add_months(start, 24) - timedelta(days=1)
        payments = contract_ops.payment_plan(agreement.value_pence, start, end, "quarterly_in_advance")
        contract_ops.update_draft(agreement, commissioner, start_date=start, end_date=end, payments=payments)
        agreement.monitor_id = monitor.id
        document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
        contract_ops.render_document(document.id)
        contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
        contract_ops.countersign(agreement, commissioner)
        db.session.commit()
        return agreement, provider, monitor
    return factory


# --- administrators ---------------------------------------------------------------------------------

def test_an_admin_sees_people_without_a_role(create_user, login, client):
    admin = create_user(Role.admin)
    roleless = create_user(None, name="Nora Norole")
    task = _keys(tasks_for(admin))["people_without_a_role"]
    assert task.count == 1 and task.url == f"/admin/users/{roleless.id}"
    _links_work(login(admin), [task])


# --- empty states --------------------------------------------------------------------------------

@pytest.mark.parametrize("role, says", [
    (Role.contract_monitor, "When a provider submits a monitoring return, it appears here for you to review."),
    (Role.commissioner, "When a specification waits for your approval"),
    (Role.evaluator, "When you are assigned to an opportunity"),
    (Role.provider, "When your organisation has a bid in draft"),
    (Role.panel_facilitator, "When one of your panels has a round being set up"),
    (Role.admin, "When someone signs up without a role"),
])
def test_each_role_with_nothing_to_do_is_told_what_will_appear_and_when(role, says, create_user, login):
    person = create_user(role)
    assert tasks_for(person) == []
    page = _dashboard(login(person))
    assert says in page and "Nothing needs your attention" not in page


def test_a_member_with_nothing_to_vote_on_is_told_when_there_will_be(a_panel, client):
    _f, _p, people, _r = a_panel(rounds=1)   # a round still being set up is not theirs yet
    page = _dashboard(_join(client, people[0]))
    assert "When a voting round opens for your panel, it appears here for you to vote in." in page


def test_tasks_are_for_signed_in_people_only():
    from commissioning.accounts.models import AnonymousUser
    assert tasks_for(AnonymousUser()) == []


def test_tasks_are_plain_values_a_worker_can_use_without_a_request(app, a_panel):
    """The daily digest calls ``tasks_for`` from a worker, where there is no request."""
    _f, _p, people, _r = a_panel(rounds=0, open_rounds=1)
    with app.app_context():
        tasks = tasks_for(people[0].user)
    assert tasks and all(isinstance(t, Task) and t.url.startswith("/") for t in tasks)


# --- the public home page --------------------------------------------------------------------------

def test_the_home_page_links_to_opportunities_what_was_funded_and_panel_results(client):
    """Seen: "see open funding opportunities" and "see what was funded, and why" were not links, and no
    public page linked to panel results."""
    page = client.get("/").get_data(as_text=True)
    assert '<a class="govuk-link" href="/opportunities?status=open">see open funding opportunities</a>' in page
    assert '<a class="govuk-link" href="/opportunities?status=awarded">see what was funded, and why</a>' in page
    assert 'href="/panels/results"' in page
    assert 'href="/join"' in page   # a young person with a joining code finds where to type it
    for href in ("/opportunities?status=open", "/opportunities?status=awarded", "/panels/results", "/open-data",
                 "/join"):
        assert client.get(href).status_code == 200, href


# --- constant queries -------------------------------------------------------------------------------

def _queries(count_queries, user):
    with count_queries() as cnt:
        tasks_for(user)
    return cnt()


def test_the_task_list_costs_the_same_queries_for_five_or_fifty(in_review, create_user, create_pot,
                                                                create_opportunity, create_organisation,
                                                                count_queries, login, client):
    from commissioning.opportunities.operations import answer_clarification, ask_clarification
    facilitator, commissioner = create_user(Role.panel_facilitator), create_user(Role.commissioner)
    org = create_organisation()
    provider = create_user(Role.provider, organisation=org)
    opp = create_opportunity()
    pot = create_pot(amount_pence=500_000_000)
    panel = panel_ops.create_panel("Growing panel", None, facilitator)
    member = panel_ops.add_member(panel, "Voter", AgeBand.age_16_17)[0]
    now = utcnow()

    def grow(n):
        """``n`` more of each kind of task behind the same people."""
        for i in range(n):
            panel_ops.add_member(panel, f"Young {i}", AgeBand.age_14_15)
            for opened in (False, True):
                rnd = panel_ops.create_round(
                    panel, facilitator, title=f"Round {i}", pot=pot, budget_pence=100_000,
                    ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                    rule=AllocationRule.greedy, quorum=None, min_approval_percent=None, opens_at=now,
                    closes_at=now + timedelta(days=7))
                panel_ops.add_project(rnd, "A project", "A plain summary.", 500)
                if opened:
                    panel_ops.open_voting(rnd, facilitator)
            item = ask_clarification(opp, provider, org, f"Question {i}")
            if i % 2:
                answer_clarification(item, "An answer for everyone", published_question=f"Question {i}")
        in_review(n=n)
        db.session.commit()

    spent = {}
    for total, more in ((5, 5), (50, 45)):
        grow(more)
        for who, person in (("facilitator", facilitator), ("commissioner", commissioner), ("provider", provider),
                            ("member", member.user)):
            with count_queries() as cnt:
                tasks = tasks_for(person)
            assert tasks, who
            spent.setdefault(who, []).append(cnt())
    counts = _keys(tasks_for(facilitator))
    assert counts["consent_outstanding"].count == 50 and counts["rounds_being_set_up"].count == 50
    assert _keys(tasks_for(member.user))["rounds_to_vote"].count == 50
    assert _keys(tasks_for(commissioner))["approvals_waiting"].count == 50
    for who, (five, fifty) in spent.items():
        assert five == fifty, f"{who}: {five} queries with 5 of each, {fifty} with 50"


def test_the_dashboard_page_costs_the_same_queries_for_five_or_fifty(in_review, create_user, count_queries, login,
                                                                     client):
    commissioner = create_user(Role.commissioner)
    login(commissioner)
    spent = []
    for more in (5, 45):
        in_review(n=more)
        with count_queries() as cnt:
            page = _dashboard(client)
        spent.append(cnt())
    assert "Decide 50 specifications’ approval stages" in page and 'href="/specifications?status=in_review"' in page
    assert spent[0] == spent[1]
