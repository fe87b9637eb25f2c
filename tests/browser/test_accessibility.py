"""axe-core on every page of the demo, as anonymous and as each role, in real Chromium."""
import re
from datetime import date
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from commissioning.accounts.models import Organisation, Role, User
from commissioning.bids.models import Bid
from commissioning.bids.operations import add_attachment
from commissioning.opportunities.models import Opportunity, OpportunityStatus
from commissioning.providers.models import ProviderDocument
from commissioning.extensions import db
from commissioning.funding.models import Pot
from commissioning.funding.operations import save_allocation
from commissioning.indicators.models import Indicator
from commissioning.localities.models import Locality
from commissioning.mail.operations import queue_email
from commissioning.needs.models import EvidenceSource, Need
from commissioning.needs.operations import add_evidence
from commissioning.provision.models import Provision, Venue
from commissioning.specifications.models import Specification
from tests.browser.conftest import run_axe, sign_in
from tests.unit.test_access import ACCESS, urls

DEMO_USERS = {
    "admin": "admin@demo.test", "commissioner": "commissioner@demo.test", "evaluator": "evaluator@demo.test",
    "provider": "provider@demo.test", "panel_facilitator": "facilitator@demo.test",
    "panel_member": "member@demo.test", "contract_monitor": "monitor@demo.test",
}


@pytest.fixture(scope="module")
def demo_objects(live_app):
    """The demo's own records, plus the few the demo does not have (a file, an allocation)."""
    with live_app.app_context():
        org = db.session.scalars(db.select(Organisation).where(
            Organisation.name == "Alt Valley Youth Partnership")).one()
        mail = queue_email("parent@example.org", "test", "A message to read", "password_changed",
                           user_name="Parent")
        need = db.session.scalars(db.select(Need).where(Need.title.startswith("Evening"))).one()
        evidence = add_evidence(need, None, EvidenceSource.dataset, date(2008, 5, 1), "Attendance figures",
                                upload=("attendance.csv", "text/csv", b"month,visits\nMay,120\n"))
        pot = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Voice Fund")).one()
        allocation = save_allocation(pot, pot.amount_pence, (50, 35, 15))
        provision = db.session.scalars(db.select(Provision).where(Provision.organisation_id == org.id)).first()
        spec = db.session.scalars(db.select(Specification)).first()
        grant = db.session.scalars(db.select(Opportunity).where(Opportunity.status == OpportunityStatus.open)).first()
        closed = db.session.scalars(db.select(Opportunity).where(
            Opportunity.status.in_([OpportunityStatus.closed, OpportunityStatus.evaluation]))).first()
        bid = db.session.scalars(db.select(Bid).where(Bid.opportunity_id == grant.id, Bid.organisation_id == org.id)).one()
        closed_bid = db.session.scalars(db.select(Bid).where(Bid.opportunity_id == closed.id,
                                                             Bid.organisation_id == org.id)).one()
        provider = db.session.scalars(db.select(User).where(User.email == "provider@demo.test")).one()
        attachment = add_attachment(bid, provider, ("plan.txt", "text/plain", b"Our delivery plan"))
        document = db.session.scalars(db.select(ProviderDocument).where(ProviderDocument.organisation_id == org.id)).first()
        db.session.commit()
        ids = {"provider_org": org.id, "mail": mail.id, "need": need.id, "evidence": evidence.id,
               "indicator": db.session.scalars(db.select(Indicator.id)).first(), "provision": provision.id,
               "venue": db.session.scalars(db.select(Venue.id)).first(), "pot": pot.id,
               "allocation": allocation.id, "locality": db.session.scalars(db.select(Locality.id)).first(),
               "spec": spec.id, "opp": grant.id, "closed": closed.id, "bid": bid.id, "closed_bid": closed_bid.id,
               "attachment": attachment.id, "submission": closed_bid.submissions[-1].id, "spec_approved": spec.id,
               "document": document.id}
        from commissioning.panels.models import PanelMember, Round
        jordan = db.session.scalars(db.select(PanelMember).join(User, PanelMember.user_id == User.id)
                                    .where(User.email == "member@demo.test")).one()
        rounds = {r.title: r for r in db.session.scalars(db.select(Round).where(Round.panel_id == jordan.panel_id))}
        ids.update(panel=jordan.panel_id, panel_member=jordan.id, draft_round=rounds["Spring ideas"].id,
                   draft_project=rounds["Spring ideas"].projects[0].id, open_round=rounds["Winter ideas"].id,
                   decided_round=rounds["Summer activities"].id)
        from commissioning.contracts.models import Agreement, AgreementStatus, Clause
        alt_valley = db.select(Agreement).where(Agreement.organisation_id == org.id)
        # Issued in the demo; a journey run earlier in the same database may have signed it since.
        issued = db.session.scalars(alt_valley.where(Agreement.status == AgreementStatus.issued)).first() \
            or db.session.scalars(alt_valley.where(Agreement.status.in_(
                [AgreementStatus.signed, AgreementStatus.active])).order_by(Agreement.id)).first()
        ids.update(agreement=issued.id, clause=db.session.scalars(db.select(Clause.id)).first(),
                   return_due=sorted(issued.returns, key=lambda d: d.due_on)[0].id)
        ids["draft_agreement"] = db.session.scalars(db.select(Agreement.id).where(
            Agreement.status == AgreementStatus.drafted)).first()
        ids["person"] = provider.id  # the admin's person page and its deactivation step
        # Procurement Act notices: one the demo published, and a draft planned procurement notice on a new
        # draft procurement (its page asks for the planned date before it can be published).
        from datetime import timedelta

        from commissioning.core.models import utcnow
        from commissioning.notices.models import Notice, NoticeStatus
        from commissioning.notices.operations import start_notice
        from commissioning.opportunities.operations import create_opportunity
        published = db.session.scalars(db.select(Notice).where(Notice.status == NoticeStatus.published)
                                       .order_by(Notice.id)).first()
        soon = utcnow() + timedelta(days=60)
        planned = create_opportunity(published.opportunity.specification, None, title="Street-based youth work",
                                     summary="Youth workers where young people meet.", word_limit=400, eligibility=[],
                                     clarification_deadline=soon - timedelta(days=10), submission_deadline=soon)
        draft = start_notice(planned, "UK3", None)
        db.session.commit()
        ids.update(notice=draft.id, published_notice=published.id)
        # The walk's URL builders read `need.options[0].id` too.
        option_id = need.options[0].id
        db.session.remove()
    # The access table's URL builders only read `.id`.
    objects = {key: SimpleNamespace(id=value) for key, value in ids.items()}
    objects["need"].options = [SimpleNamespace(id=option_id)]
    return objects


#: Endpoints that answer with data or a download rather than a page.
NOT_PAGES = {"main.healthz", "main.favicon", "needs.evidence_file", "indicators.download", "specifications.pdf",
             "providers.document_file", "bids.attachment", "evaluation.scoring_status",
             "opportunities.submission_file", "opportunities.specification_pdf", "evaluation.assessment", "evaluation.attachment", "panels.ballots_file",
             "panels.round_status", "contracts.register_download", "contracts.document_status",
             "contracts.document_file", "contracts.signed_copy", "contracts.executed_file",
             "monitoring.attachment", "opendata.grants_json", "opendata.grants_csv",
             "opendata.ocds_releases", "opendata.ocds_record", "api-docs.openapi_json",
             "Needs.list_needs", "Needs.get_need", "Localities.list_localities", "Indicators.list_indicators", "Indicators.get_indicator",
             "Opportunities.list_opportunities", "Opportunities.get_opportunity", "Contracts.list_contracts",
             "Contracts.get_contract", "Returns.list_returns", "Returns.get_return", "Panel results.list_results",
             "Panel results.get_result"}


def pages_for(role, objects):
    return sorted({url for endpoint, (build, table) in ACCESS.items()
                   if table[role] == 200 and endpoint not in NOT_PAGES for url in urls(build, objects)})


def test_roles_cover_every_role():
    assert set(DEMO_USERS) == {r.value for r in Role}


@pytest.mark.parametrize("role", ["anonymous"] + sorted(DEMO_USERS))
def test_no_wcag_violations_on_any_page(role, axe_page, live_server, demo_objects):
    if role != "anonymous":
        sign_in(axe_page, live_server.url, DEMO_USERS[role])
    problems = {}
    for path in pages_for(role, demo_objects):
        response = axe_page.goto(live_server.url + path)
        assert response.status == 200, path
        expect(axe_page.get_by_role("heading", level=1).first, path).to_be_visible()
        violations = run_axe(axe_page)
        if violations:
            problems[path] = violations
    assert problems == {}


def test_no_wcag_violations_on_error_states(axe_page, live_server):
    axe_page.goto(live_server.url + "/login")
    axe_page.get_by_role("button", name="Sign in").click()
    expect(axe_page.locator(".govuk-error-summary")).to_be_visible()
    expect(axe_page.get_by_role("heading", level=1)).to_be_visible()
    assert run_axe(axe_page) == []
    response = axe_page.goto(live_server.url + "/no-such-page")
    assert response.status == 404
    expect(axe_page.get_by_role("heading", level=1)).to_be_visible()
    assert run_axe(axe_page) == []
    response = axe_page.goto(live_server.url + "/password-reset/not-a-real-token")
    assert response.status == 400
    expect(axe_page.get_by_role("heading", level=1)).to_be_visible()
    assert run_axe(axe_page) == []


def test_axe_reports_a_real_violation(axe_page):
    """The checker itself works: an unlabelled field and an image without alt text are caught."""
    axe_page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
                         '</main></body></html>')
    expect(axe_page.locator("main input")).to_be_attached()
    ids = {v["id"] for v in run_axe(axe_page)}
    assert {"image-alt", "label"} <= ids


def test_no_wcag_violations_on_each_message_kind(axe_page, live_server, demo_objects):
    """Information, a refusal and a success, each drawn its GOV.UK way (issue 17), pass axe."""
    page, base = axe_page, live_server.url
    page.goto(base + "/dashboard")  # signed out: the sign-in prompt is information
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Important", use_inner_text=True)
    expect(banner).to_contain_text("Sign in to see this page.", use_inner_text=True)
    assert run_axe(page) == []

    sign_in(page, base, DEMO_USERS["commissioner"])
    page.goto(f"{base}/contracts/{demo_objects['agreement'].id}/edit")  # issued: refused
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem", use_inner_text=True)
    expect(summary).to_contain_text("propose a variation", use_inner_text=True)
    expect(page.locator(".govuk-notification-banner")).to_have_count(0)
    expect(page).to_have_title(re.compile("^Error: "))
    assert run_axe(page) == []

    page.get_by_role("button", name="Sign out").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Success", use_inner_text=True)
    expect(banner).to_contain_text("You have signed out.", use_inner_text=True)
    assert run_axe(page) == []


def test_no_wcag_violations_on_a_phone_screen(browser, live_server, demo_objects):
    """At 320 px tables stack under their headings or scroll in a named region, and the postcode
    search shows distances or its error (issue 17, phones and places): axe checks those states."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 800})
    page = context.new_page()
    paths = ["/opportunities", "/api", f"/indicators/{demo_objects['indicator'].id}",
             f"/panels/rounds/{demo_objects['decided_round'].id}/results", "/whats-on?postcode=L11+0BP",
             "/whats-on?postcode=nowhere", "/venues?postcode=L8+0QE"]
    problems = {}
    try:
        for path in paths:
            page.goto(live_server.url + path)
            expect(page.get_by_role("heading", level=1).first, path).to_be_visible()
            violations = run_axe(page)
            if violations:
                problems[path] = violations
    finally:
        context.close()
    assert problems == {}


def test_no_wcag_violations_on_a_confirmation_page(axe_page, live_server, demo_objects):
    """An action that cannot be undone asks first (core/confirm.py): the question page passes axe,
    and "No, go back" leaves the evidence where it was."""
    page, base = axe_page, live_server.url
    sign_in(page, base, DEMO_USERS["commissioner"])
    page.goto(f"{base}/needs/{demo_objects['need'].id}")
    removes = page.get_by_role("button", name=re.compile("^Remove evidence of"))
    expect(removes.first).to_be_visible()
    removes.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove the evidence of", use_inner_text=True)
    expect(page.locator(".govuk-warning-text")).to_contain_text("You cannot undo this", use_inner_text=True)
    assert run_axe(page) == []
    page.get_by_role("link", name="No, go back").click()
    expect(page).to_have_url(re.compile(rf"/needs/{demo_objects['need'].id}"))
    expect(page.get_by_role("button", name=re.compile("^Remove evidence of")).first).to_be_visible()


def test_no_wcag_violations_on_dashboard_task_lists_and_empty_states(axe_page, live_server, live_app):
    """The dashboard's task list (tags, hints, due dates) and a role's empty state pass axe (issue 17)."""
    from commissioning.accounts.operations import create_user
    page, base = axe_page, live_server.url
    sign_in(page, base, DEMO_USERS["panel_facilitator"])
    expect(page.locator('ul.govuk-task-list[data-role="panel_facilitator"]')).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    with live_app.app_context():
        create_user("axe.quiet.monitor@example.org", "Quinn Quiet", "demo-password", roles=[Role.contract_monitor])
        db.session.commit()
        db.session.remove()
    sign_in(page, base, "axe.quiet.monitor@example.org")
    expect(page.locator('.app-tasks-empty[data-role="contract_monitor"]')).to_contain_text(
        "When a provider submits a monitoring return, it appears here for you to review.", use_inner_text=True)
    assert run_axe(page) == []


def test_no_wcag_violations_on_lists_and_what_bidders_read(axe_page, live_server, live_app, demo_objects):
    """Lists that grow (issue 17): results, nothing found, a refused filter, the bids received after the
    deadline; the specification published with an opportunity; an awarded opportunity saying who was funded."""
    with live_app.app_context():
        awarded = db.session.scalars(db.select(Opportunity.id).where(
            Opportunity.status == OpportunityStatus.awarded)).first()
        db.session.remove()
    page, base = axe_page, live_server.url
    problems = {}

    def check(path, text):
        page.goto(base + path)
        expect(page.locator("main"), path).to_contain_text(text, use_inner_text=True)
        violations = run_axe(page)
        if violations:
            problems[path] = violations

    check("/opportunities?sort=value&kind=grant_round", "Apply filters")
    check("/opportunities?q=nothing-is-called-this", "No opportunities match these filters")
    check("/opportunities?status=banana", "There is a problem")
    check(f"/opportunities/{demo_objects['opp'].id}/specification", "What is asked for")
    check(f"/opportunities/{awarded}", "Who was funded")
    sign_in(page, base, DEMO_USERS["commissioner"])
    check(f"/opportunities/{demo_objects['closed'].id}/bids?sort=price", "Apply filters")
    check(f"/opportunities/{demo_objects['closed'].id}/bids?q=nobody-bid-as-this", "No bids match these filters")
    check("/specifications?status=banana", "There is a problem")
    assert problems == {}


def test_no_wcag_violations_on_panel_round_states(axe_page, live_server, live_app, demo_objects):
    """Panel rounds that cannot mislead (issue 17): a cost refused for being over the budget, the
    confirmations before opening and closing voting (left with "No, go back"), a round closed early,
    and the public index of results."""
    from datetime import timedelta

    from commissioning.accounts.operations import create_user
    from commissioning.core.models import utcnow
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AllocationRule, BallotType
    with live_app.app_context():   # a panel of its own, so the demo's rounds stay open and in draft
        facilitator = create_user("axe.early.facilitator@example.org", "Fran Early", "demo-password",
                                  roles=[Role.panel_facilitator])
        panel = panel_ops.create_panel("Axe early panel", None, facilitator)
        pot = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Voice Fund")).one()
        now = utcnow()
        early = panel_ops.create_round(panel, facilitator, title="Closed early round", pot=pot, budget_pence=100_000,
                                       ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                                       rule=AllocationRule.greedy, quorum=None, min_approval_percent=None,
                                       opens_at=now, closes_at=now + timedelta(days=30))
        panel_ops.add_project(early, "Kit", "Football kit for the team.", 50_000)
        panel_ops.open_voting(early, facilitator)
        panel_ops.close_voting(early, facilitator, "closed early for the accessibility check")
        db.session.commit()
        early_id = early.id
        db.session.remove()
    page, base = axe_page, live_server.url
    problems = {}

    def check(text, where="main"):
        expect(page.locator(where), page.url).to_contain_text(text, use_inner_text=True)
        violations = run_axe(page)
        if violations:
            problems[page.url] = violations

    page.goto(f"{base}/panels/results")
    check("What young people’s panels decided")
    sign_in(page, base, DEMO_USERS["panel_facilitator"])
    page.goto(f"{base}/panels/rounds/{demo_objects['draft_round'].id}/projects/new")
    page.get_by_label("Project name").fill("Sports hall")
    page.get_by_label("Summary for young people").fill("A new sports hall.")
    page.get_by_label("Cost, in whole pounds").fill("1000000")
    page.get_by_role("button", name="Save project").click()
    check("more than the round’s whole budget", ".govuk-error-summary")
    page.goto(f"{base}/panels/rounds/{demo_objects['draft_round'].id}")
    page.get_by_role("button", name="Open voting").click()
    check("What happens next")
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("button", name="Open voting")).to_be_visible()
    page.goto(f"{base}/panels/rounds/{demo_objects['open_round'].id}")
    page.get_by_role("button", name="Close voting early").click()
    check("Voting is due to close", ".govuk-warning-text")
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("button", name="Close voting early")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    sign_in(page, base, "axe.early.facilitator@example.org")
    page.goto(f"{base}/panels/rounds/{early_id}")
    check("closed early, on")
    assert problems == {}


def test_no_wcag_violations_on_moderation_errors_and_a_decided_bid(axe_page, live_server, demo_objects):
    """A whole bid's moderation with an error kept beside its criterion, and a provider's decided bid in its
    list and on its page (issue 17, evaluation that flows), pass axe."""
    page, base = axe_page, live_server.url
    sign_in(page, base, DEMO_USERS["commissioner"])
    page.goto(f"{base}/opportunities/{demo_objects['closed'].id}/moderation/{demo_objects['closed_bid'].id}")
    page.locator("#score-0").fill("9")
    page.get_by_role("button", name=re.compile("^Save the agreed scores")).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("as a whole number from 0 to", use_inner_text=True)
    expect(page.locator("#score-0-error")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    sign_in(page, base, DEMO_USERS["provider"])
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bids").click()
    decided = page.get_by_role("row").filter(has_text="Successful").first
    expect(decided).to_contain_text("Awarded £", use_inner_text=True)
    assert run_axe(page) == []
    decided.get_by_role("link").first.click()
    expect(page.locator(".govuk-summary-card")).to_contain_text("Outcome: Successful", use_inner_text=True)
    assert run_axe(page) == []


def test_no_wcag_violations_on_mail_settings_saved(axe_page, live_server, live_app):
    """The notifications page with its mail settings, empty and just saved (issue 17, the mail people expect)."""
    from commissioning.accounts.operations import create_user
    page, base = axe_page, live_server.url
    with live_app.app_context():
        create_user("axe.mail.monitor@example.org", "Morwenna Mail", "demo-password", roles=[Role.contract_monitor])
        db.session.commit()
        db.session.remove()
    sign_in(page, base, "axe.mail.monitor@example.org")
    page.goto(f"{base}/notifications")
    expect(page.locator("main")).to_contain_text("Nothing yet.", use_inner_text=True)
    assert run_axe(page) == []
    page.get_by_label("A provider submits a monitoring return").check()
    page.get_by_role("button", name="Save your settings").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your settings are saved",
                                                                                 use_inner_text=True)
    expect(page.get_by_label("A provider submits a monitoring return")).to_be_checked()
    assert run_axe(page) == []


def test_no_wcag_violations_on_agreement_documents_and_the_register(axe_page, live_server):
    """The register filtered, sorted and refusing a bad filter; an active agreement with its executed copy
    (or the note that it is being made); the clause editor's guide and its refusal of a typed number
    (issue 17, documents without mistakes)."""
    page, base = axe_page, live_server.url
    sign_in(page, base, DEMO_USERS["commissioner"])
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Sort by").select_option("value")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("link", name=re.compile("CON-")).first.click()
    expect(page.get_by_role("heading", name="Executed copy")).to_be_visible()
    assert run_axe(page) == []
    page.goto(f"{base}/contracts?rag=purple")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, DEMO_USERS["admin"])
    page.goto(f"{base}/admin/clauses")
    page.get_by_role("link", name="Payment", exact=True).click()
    expect(page.get_by_role("heading", name="Edit clause")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_label("Text").fill("The council pays the amounts in Schedule 3.")
    page.get_by_role("button", name="Save clause").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("{schedule:payments}", use_inner_text=True)
    assert run_axe(page) == []


def test_no_wcag_violations_on_each_ballot_kind_and_paper_entry(browser, live_server, live_app):
    """Issue 18 at 390 px: each kind's vote page, its plain-words error and check page; a points
    result; and the paper ballot's first entry, second entry and the difference between them."""
    from datetime import timedelta

    from commissioning.accounts.operations import create_user
    from commissioning.core.models import utcnow
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, PanelMember
    kinds = {"up_to_n": dict(max_projects=2, min_projects=2), "choose_one": {},
             "cumulative": dict(total_points=10, min_projects=2), "ranked": dict(max_projects=2)}
    with live_app.app_context():
        facilitator = create_user("axe.kinds.facilitator@example.org", "Kai Kinds", "demo-password",
                                  roles=[Role.panel_facilitator])
        voter = create_user("axe.kinds.member@example.org", "Kit Kinds", "demo-password", roles=[Role.panel_member])
        panel = panel_ops.create_panel("Axe kinds panel", None, facilitator)
        db.session.add(PanelMember(panel=panel, user=voter, display_name="Kit", age_band=AgeBand.age_18_21))
        others = [panel_ops.add_member(panel, f"Axe voter {i}", AgeBand.age_18_21)[0] for i in range(6)]
        pot = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Voice Fund")).one()
        now = utcnow()
        ids = {}
        for kind, rules in {**kinds, "counted": dict(total_points=10)}.items():
            rnd = panel_ops.create_round(
                panel, facilitator, title=f"Axe {kind} round", pot=pot, budget_pence=500_000,
                ballot_type=BallotType("cumulative" if kind == "counted" else kind), rule=AllocationRule.equal_shares,
                quorum=None, min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=5),
                **{"max_projects": None, "min_projects": None, **rules})
            projects = [panel_ops.add_project(rnd, name, f"{name} for the area.", pounds * 100)
                        for name, pounds in (("Skate ramps", 2_000), ("Music studio", 3_000))]
            panel_ops.open_voting(rnd, facilitator)
            ids[kind] = (rnd.id, [p.id for p in projects])
        counted, (a, b) = ids.pop("counted")
        counted_round = db.session.get(type(rnd), counted)
        for member, points in zip(others, [{a: 10}, {a: 4, b: 6}, {b: 10}, {a: 5, b: 5}, {a: 7, b: 3}]):
            panel_ops.cast_ballot(counted_round, member, points)
        panel_ops.close_voting(counted_round, facilitator, "counted for the accessibility check")
        panel_ops.count_round(counted)
        db.session.commit()
        db.session.remove()
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 800})
    page, base = context.new_page(), live_server.url
    problems = {}

    def check(text, where="main"):
        expect(page.locator(where), page.url).to_contain_text(text, use_inner_text=True)
        violations = run_axe(page)
        if violations:
            problems[f"{page.url} ({text})"] = violations

    wrong = {"up_to_n": lambda: page.get_by_label("Skate ramps: £2,000").check(),
             "choose_one": lambda: None,
             "cumulative": lambda: page.get_by_label("Skate ramps: £2,000").fill("12"),
             "ranked": lambda: [page.get_by_label(n).select_option(label="1st choice")
                                for n in ("Skate ramps: £2,000", "Music studio: £3,000")]}
    right = {"up_to_n": lambda: page.get_by_label("Music studio: £3,000").check(),
             "choose_one": lambda: page.get_by_role("radio", name="Music studio: £3,000").check(),
             "cumulative": lambda: [page.get_by_label("Skate ramps: £2,000").fill("6"),
                                    page.get_by_label("Music studio: £3,000").fill("4")],
             "ranked": lambda: page.get_by_label("Music studio: £3,000").select_option(label="2nd choice")}
    try:
        sign_in(page, base, "axe.kinds.member@example.org")
        for kind, (round_id, _projects) in ids.items():
            page.goto(f"{base}/panels/rounds/{round_id}/vote")
            check("There is £5,000 to share")
            wrong[kind]()
            page.get_by_role("button", name="Check my choices").click()
            check("There is a problem", ".govuk-error-summary")
            right[kind]()
            page.get_by_role("button", name="Check my choices").click()
            check("Once you send your vote, you cannot change it")
        page.goto(f"{base}/panels/rounds/{counted}/results")
        check("points from")
        context.clear_cookies()   # signed out (the sign-out button is behind the menu at this width)
        sign_in(page, base, "axe.kinds.facilitator@example.org")
        page.goto(f"{base}/panels/rounds/{ids['cumulative'][0]}/paper")
        check("Type their ballot here")
        page.get_by_label("Who voted on this paper ballot").select_option(label="Axe voter 5")
        page.get_by_label("Skate ramps: £2,000").fill("6")
        page.get_by_label("Music studio: £3,000").fill("4")
        page.get_by_role("button", name="Continue to the second entry").click()
        check("a second time")
        page.get_by_label("Skate ramps: £2,000").fill("4")
        page.get_by_label("Music studio: £3,000").fill("6")
        page.get_by_role("button", name="Save the paper ballot").click()
        check("What was different", ".govuk-error-summary")
    finally:
        context.close()
    assert problems == {}
