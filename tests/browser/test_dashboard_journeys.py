"""Each demo role signs in, finds its own tasks on the dashboard and clicks straight through to the work.

The tasks expected are read from the database the way the dashboard reads them (``tasks_for``), so
the journey holds whatever earlier journeys changed in the shared demo; the page must then show
each of them, and the first link must land on its page, not on a list to search.
"""
import re

import pytest
from playwright.sync_api import expect

from commissioning.extensions import db
from tests.browser.conftest import sign_in

DEMO = {"commissioner": "commissioner@demo.test", "provider": "provider@demo.test",
        "panel_facilitator": "facilitator@demo.test", "panel_member": "member@demo.test",
        "contract_monitor": "monitor@demo.test"}

#: Tasks whose link goes through a step that may send the person on (the vote asks first about links
#: to bidders, and goes straight to the ballot when there are none).
PASSES_THROUGH = {"rounds_to_vote": r"/panels/rounds/\d+/(links|vote)"}


def _tasks_of(live_app, email):
    from commissioning.accounts.models import User
    from commissioning.main.tasks import tasks_for
    with live_app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == email)).one()
        tasks = tasks_for(user)
        db.session.remove()
    return tasks


def _lands_on(page, base, task):
    path = PASSES_THROUGH.get(task.key, re.escape(task.url.split("#")[0]))
    expect(page).to_have_url(re.compile(re.escape(base) + path + r"(#.*)?$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    expect(heading).not_to_contain_text("Hello", use_inner_text=True)


def _check_task_list(page, role, tasks):
    """The role's section lists every task with its count, and nothing says nothing needs attention."""
    listed = page.locator(f'ul.govuk-task-list[data-role="{role}"]')
    expect(listed.locator(".govuk-task-list__item")).to_have_count(len(tasks))
    for task in tasks:
        item = listed.locator(f".app-task--{task.key}")
        expect(item.get_by_role("link", name=task.label)).to_have_attribute("href", task.url)
        expect(item.locator(".govuk-task-list__status")).to_contain_text(
            "Overdue" if task.overdue else f"{task.count} to do", use_inner_text=True)
    expect(page.get_by_text("Nothing needs your attention")).to_have_count(0)


@pytest.mark.parametrize("role", sorted(DEMO))
def test_each_demo_role_sees_its_tasks_and_clicks_straight_to_the_work(role, page, live_server, live_app):
    base = live_server.url
    tasks = [t for t in _tasks_of(live_app, DEMO[role]) if t.role == role]
    assert tasks, f"the demo gives the {role} something to do"
    sign_in(page, base, DEMO[role])
    _check_task_list(page, role, tasks)
    first = tasks[0]
    page.locator(f'ul.govuk-task-list[data-role="{role}"]').get_by_role("link", name=first.label).click()
    _lands_on(page, base, first)


def _member_with_an_open_round(live_app, email):
    """A member of a panel of their own, joined before its round opened: one round to vote in, always."""
    from datetime import timedelta

    from commissioning.accounts.models import Role, User
    from commissioning.core.models import utcnow
    from commissioning.funding.models import Pot
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, PanelMember
    _new_person(live_app, email, "Vic Voter", [Role.panel_member])
    with live_app.app_context():
        facilitator = db.session.scalars(db.select(User).where(User.email == DEMO["panel_facilitator"])).one()
        member = db.session.scalars(db.select(User).where(User.email == email)).one()
        panel = panel_ops.create_panel("Dashboard journey panel", None, facilitator)
        db.session.add(PanelMember(panel=panel, user=member, display_name="Vic", age_band=AgeBand.age_18_21))
        now = utcnow()
        rnd = panel_ops.create_round(panel, facilitator, title="Dashboard journey round",
                                     pot=db.session.scalars(db.select(Pot).order_by(Pot.id)).first(),
                                     budget_pence=10_000, ballot_type=BallotType.within_budget, max_projects=None,
                                     min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
                                     min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=3))
        panel_ops.add_project(rnd, "A place to skate", "Ramps in the park.", 5_000, None)
        panel_ops.open_voting(rnd, facilitator)
        db.session.commit()
        db.session.remove()


def test_the_member_votes_from_the_dashboard(page, live_server, live_app):
    """Seen: the member's dashboard said "Nothing needs your attention" with rounds open for voting."""
    base, email = live_server.url, "dashboard.voter@example.org"
    _member_with_an_open_round(live_app, email)
    tasks = {t.key: t for t in _tasks_of(live_app, email)}
    assert "rounds_to_vote" in tasks, "a member of a panel with an open round is asked to vote"
    sign_in(page, base, email)
    section = page.locator('ul.govuk-task-list[data-role="panel_member"]')
    expect(section.locator(".app-task--rounds_to_vote .govuk-task-list__status")).to_contain_text(
        "1 to do", use_inner_text=True)
    section.get_by_role("link", name=tasks["rounds_to_vote"].label).click()
    _lands_on(page, base, tasks["rounds_to_vote"])


def test_the_facilitator_records_consent_from_the_dashboard(page, live_server, live_app):
    """Seen: the facilitator's dashboard said "Nothing needs your attention" with consent outstanding."""
    base = live_server.url
    tasks = {t.key: t for t in _tasks_of(live_app, DEMO["panel_facilitator"])}
    assert "consent_outstanding" in tasks, "the demo panel has a member under 16 waiting for consent"
    sign_in(page, base, DEMO["panel_facilitator"])
    section = page.locator('ul.govuk-task-list[data-role="panel_facilitator"]')
    section.get_by_role("link", name=tasks["consent_outstanding"].label).click()
    _lands_on(page, base, tasks["consent_outstanding"])
    expect(page.get_by_role("button", name=re.compile("consent", re.I)).first).to_be_visible()


def _new_person(live_app, email, name, roles):
    from commissioning.accounts.operations import create_user
    with live_app.app_context():
        user = create_user(email, name, "demo-password", roles=roles)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id


def test_an_admin_gives_a_person_without_a_role_one_from_the_dashboard(page, live_server, live_app):
    base = live_server.url
    _new_person(live_app, "norole.dashboard@example.org", "Nico Norole", [])
    sign_in(page, base, "admin@demo.test")
    section = page.locator('ul.govuk-task-list[data-role="admin"]')
    link = section.locator(".app-task--people_without_a_role").get_by_role("link")
    expect(link).to_be_visible()
    link.click()
    # Several people without a role link to the oldest; this one may not be the first.
    expect(page).to_have_url(re.compile(re.escape(base) + r"/admin/users/\d+$"))
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Hello", use_inner_text=True)


def test_a_new_evaluator_declares_then_finds_the_bids_to_score(page, live_server, live_app):
    """An evaluator newly assigned to the demo's competition being evaluated: declarations first, then scoring."""
    from commissioning.accounts.models import Role
    base = live_server.url
    evaluator_id = _new_person(live_app, "dee.dashboard@example.org", "Dee Dashboard", [Role.evaluator])
    with live_app.app_context():
        from commissioning.accounts.models import User
        from commissioning.bids.util import counted_submissions
        from commissioning.evaluation.operations import assign
        from commissioning.opportunities.models import Opportunity, OpportunityStatus
        opp = db.session.scalars(db.select(Opportunity).where(
            Opportunity.status == OpportunityStatus.evaluation).order_by(Opportunity.id)).first()
        bids = [s.bid for s in counted_submissions(opp)]
        assign(opp, bids, [db.session.get(User, evaluator_id)], None)
        db.session.commit()
        opp_id, bidders = opp.id, len({b.organisation_id for b in bids})
        db.session.remove()
    sign_in(page, base, "dee.dashboard@example.org")
    section = page.locator('ul.govuk-task-list[data-role="evaluator"]')
    section.get_by_role("link", name="Declare any conflicts of interest before you score").click()
    expect(page).to_have_url(f"{base}/evaluation/{opp_id}/declare")
    radios = page.get_by_role("radio", name="No interest")
    expect(radios).to_have_count(bidders)
    for i in range(bidders):
        radios.nth(i).check()
    page.get_by_role("button", name="Record my declarations").click()
    expect(page).to_have_url(f"{base}/evaluation/{opp_id}")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(f"{base}/dashboard")
    score = section.locator(".app-task--bids_to_score").get_by_role("link")
    expect(score).to_contain_text("Score", use_inner_text=True)
    score.click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/evaluation(/bids/\d+)?$"))
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Hello", use_inner_text=True)
