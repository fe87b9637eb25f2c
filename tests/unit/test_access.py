"""Walk every page as anonymous and as each role, and check the status each gets."""
import pytest

from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.mail.operations import queue_email

ROLES = ["anonymous"] + [r.value for r in Role]
STAFF = {"admin", "commissioner"}


def expect(anonymous=200, default=200, **per_role):
    table = {role: per_role.get(role, default) for role in ROLES}
    table["anonymous"] = anonymous
    return table


def admin_only():
    return expect(anonymous=302, default=403, admin=200)


def only(*roles):
    """Signed-in users with one of ``roles`` get 200, other signed-in users 403, anonymous 302."""
    return expect(anonymous=302, default=403, **{role: 200 for role in roles})


NEED_VIEWERS = ("admin", "commissioner", "contract_monitor")
PANEL_RUNNERS = ("admin", "commissioner", "panel_facilitator")
CONTRACT_VIEWERS = ("admin", "commissioner", "contract_monitor", "provider")


# endpoint -> (url builder taking the fixtures' objects, expected status per role)
ACCESS = {
    "main.home": (lambda o: "/", expect()),
    "main.accessibility": (lambda o: "/accessibility", expect()),
    "main.healthz": (lambda o: "/healthz", expect()),
    "main.favicon": (lambda o: "/favicon.ico", expect()),
    "main.dashboard": (lambda o: "/dashboard", expect(anonymous=302)),
    "accounts.login": (lambda o: "/login", expect(anonymous=200, default=302)),
    "accounts.request_reset": (lambda o: "/password-reset", expect()),
    "accounts.reset_password": (lambda o: "/password-reset/not-a-token", expect(anonymous=400, default=400)),
    "accounts.account": (lambda o: "/account", expect(anonymous=302)),
    "accounts.change_password": (lambda o: "/account/password", expect(anonymous=302)),
    "admin.audit_log": (lambda o: "/admin/audit", admin_only()),
    "admin.mail_outbox": (lambda o: "/admin/mail", admin_only()),
    "admin.mail_message": (lambda o: f"/admin/mail/{o['mail'].id}", admin_only()),
    "admin.users": (lambda o: ["/admin/users", "/admin/users?q=a&role=provider&status=active"], admin_only()),
    "admin.person": (lambda o: f"/admin/users/{o['person'].id}", admin_only()),
    "admin.deactivate": (lambda o: f"/admin/users/{o['person'].id}/deactivate", admin_only()),
    "admin.organisations": (lambda o: "/organisations",
                            expect(anonymous=302, default=403, admin=200, commissioner=200)),
    "admin.organisation": (lambda o: f"/organisations/{o['provider_org'].id}",
                           expect(anonymous=302, default=403, admin=200, commissioner=200, provider=200)),
    "needs.index": (lambda o: ["/needs", "/needs?q=x&tier=targeted&status=draft"], only(*NEED_VIEWERS)),
    "needs.show": (lambda o: f"/needs/{o['need'].id}", only(*NEED_VIEWERS)),
    "needs.evidence_file": (lambda o: f"/needs/{o['need'].id}/evidence/{o['evidence'].id}/file",
                            only(*NEED_VIEWERS)),
    "needs.new": (lambda o: "/needs/new", only("commissioner")),
    "needs.edit": (lambda o: f"/needs/{o['need'].id}/edit", only("commissioner")),
    "needs.add_evidence": (lambda o: f"/needs/{o['need'].id}/evidence/new", only("commissioner")),
    "needs.option": (lambda o: [f"/needs/{o['need'].id}/options/new",
                                f"/needs/{o['need'].id}/options/{o['need'].options[0].id}"], only("commissioner")),
    "needs.provision": (lambda o: f"/needs/{o['need'].id}/provision", only("commissioner")),
    "indicators.index": (lambda o: "/indicators", expect()),
    "indicators.show": (lambda o: f"/indicators/{o['indicator'].id}", expect()),
    "indicators.download": (lambda o: f"/indicators/{o['indicator'].id}.csv", expect()),
    "indicators.edit": (lambda o: ["/indicators/new", f"/indicators/{o['indicator'].id}/edit"], only("commissioner")),
    "provision.whats_on_page": (lambda o: ["/whats-on", "/whats-on?age=14&day=fri&cost=free",
                                           "/whats-on?postcode=L11+0BP", "/whats-on?postcode=nowhere"], expect()),
    "provision.venues": (lambda o: ["/venues", "/venues?postcode=L8+0QE"], expect()),
    "provision.directory": (lambda o: ["/provision", "/provision?postcode=L11"], only("commissioner", "provider")),
    "provision.edit": (lambda o: ["/provision/new", f"/provision/{o['provision'].id}/edit"],
                       only("commissioner", "provider")),
    "provision.edit_venue": (lambda o: ["/venues/new", f"/venues/{o['venue'].id}/edit"], only("commissioner")),
    "provision.gaps": (lambda o: "/provision/gaps", only("admin", "commissioner")),
    "funding.index": (lambda o: "/funding", only("admin", "commissioner")),
    "funding.summary": (lambda o: "/funding/summary", only("admin", "commissioner")),
    "funding.pot": (lambda o: f"/funding/pots/{o['pot'].id}", only("admin", "commissioner")),
    "funding.allocation": (lambda o: f"/funding/allocations/{o['allocation'].id}", only("admin", "commissioner")),
    "funding.edit_pot": (lambda o: ["/funding/pots/new", f"/funding/pots/{o['pot'].id}/edit"], only("commissioner")),
    "funding.allocate_pot": (lambda o: f"/funding/pots/{o['pot'].id}/allocate", only("commissioner")),
    "funding.locality_figures": (lambda o: f"/localities/{o['locality'].id}/figures", only("commissioner")),
    "specifications.index": (lambda o: ["/specifications", "/specifications?q=a&status=draft&sort=title"],
                             only("admin", "commissioner")),
    "specifications.new": (lambda o: ["/specifications/new", f"/specifications/new?need={o['need'].id}"],
                           only("commissioner")),
    "specifications.show": (lambda o: [f"/specifications/{o['spec'].id}", f"/specifications/{o['spec'].id}/versions/1"],
                            only("admin", "commissioner")),
    "specifications.edit": (lambda o: f"/specifications/{o['spec'].id}/edit", only("commissioner")),
    "specifications.compare": (lambda o: f"/specifications/{o['spec'].id}/compare?from=1&to=1",
                               only("admin", "commissioner")),
    "specifications.pdf": (lambda o: f"/specifications/{o['spec'].id}/versions/1.pdf", only("admin", "commissioner")),
    "settings.thresholds": (lambda o: "/admin/settings", only("admin")),
    "opportunities.index": (lambda o: ["/opportunities", "/opportunities?q=youth&status=open&kind=grant_round&sort=value"
                                       "&page=2"], expect()),
    "opportunities.specification": (lambda o: [f"/opportunities/{o['opp'].id}/specification",
                                               f"/opportunities/{o['closed'].id}/specification"], expect()),
    "opportunities.specification_pdf": (lambda o: f"/opportunities/{o['opp'].id}/specification.pdf", expect()),
    "opportunities.show": (lambda o: [f"/opportunities/{o['opp'].id}", f"/opportunities/{o['closed'].id}"], expect()),
    "opportunities.edit": (lambda o: [f"/opportunities/new?spec={o['spec_approved'].id}", f"/opportunities/{o['opp'].id}/edit"],
                           only("commissioner")),
    "opportunities.questions": (lambda o: f"/opportunities/{o['opp'].id}/questions", only("commissioner")),
    "notices.timeline_page": (lambda o: [f"/opportunities/{o['opp'].id}/notices",
                                         f"/opportunities/{o['closed'].id}/notices"], only("commissioner")),
    "notices.show": (lambda o: [f"/notices/{o['notice'].id}", f"/notices/{o['published_notice'].id}"],
                     only("commissioner")),
    "notices.public_notice": (lambda o: f"/open-data/notices/{o['published_notice'].id}", expect()),
    "opportunities.bids": (lambda o: [f"/opportunities/{o['opp'].id}/bids", f"/opportunities/{o['closed'].id}/bids",
                                      f"/opportunities/{o['closed'].id}/bids?q=a&eligibility=fails&sort=price"],
                           only("commissioner")),
    "opportunities.submission": (lambda o: f"/opportunities/{o['closed'].id}/bids/{o['submission'].id}",
                                 only("commissioner", "provider")),
    "opportunities.submission_file": (
        lambda o: f"/opportunities/{o['closed'].id}/bids/{o['submission'].id}/files/"
                  f"{o['submission'].content['attachments'][0]['file_id']}", only("commissioner", "provider")),
    "bids.mine": (lambda o: ["/my-bids", "/my-bids?q=a&status=draft&stage=open&sort=title"], only("provider")),
    "bids.edit": (lambda o: [f"/bids/{o['bid'].id}", f"/bids/{o['closed_bid'].id}"], only("provider")),
    "bids.attachment": (lambda o: f"/bids/{o['bid'].id}/attachments/{o['attachment'].id}", only("provider")),
    "providers.profile": (lambda o: f"/organisations/{o['provider_org'].id}/profile", only("provider")),
    "providers.documents": (lambda o: f"/organisations/{o['provider_org'].id}/documents",
                            only("admin", "commissioner", "provider")),
    "providers.document_file": (lambda o: f"/organisations/{o['provider_org'].id}/documents/{o['document'].id}",
                                only("admin", "commissioner", "provider")),
    "providers.members": (lambda o: f"/organisations/{o['provider_org'].id}/members", only("admin", "provider")),
    "evaluation.award": (lambda o: f"/opportunities/{o['closed'].id}/award", only("commissioner")),
    "evaluation.assessment": (lambda o: f"/bids/{o['closed_bid'].id}/assessment.pdf",
                              expect(anonymous=302, default=403, provider=404)),  # 404 until the award
    "evaluation.mine": (lambda o: "/evaluation", only("evaluator")),
    "evaluation.declare": (lambda o: f"/evaluation/{o['closed'].id}/declare", only("evaluator")),
    "evaluation.bids": (lambda o: f"/evaluation/{o['closed'].id}", only("evaluator")),
    "evaluation.score": (lambda o: f"/evaluation/bids/{o['closed_bid'].id}", only("evaluator")),
    "evaluation.attachment": (lambda o: f"/evaluation/bids/{o['closed_bid'].id}/files/"
                                        f"{o['submission'].content['attachments'][0]['file_id']}", only("evaluator")),
    "evaluation.manage": (lambda o: f"/opportunities/{o['closed'].id}/evaluation", only("commissioner")),
    "evaluation.moderation": (lambda o: f"/opportunities/{o['closed'].id}/moderation", only("commissioner")),
    "evaluation.moderate_bid": (lambda o: f"/opportunities/{o['closed'].id}/moderation/{o['closed_bid'].id}",
                                only("commissioner")),
    "evaluation.scoring": (lambda o: f"/opportunities/{o['closed'].id}/scoring", only("commissioner")),
    "evaluation.scoring_status": (lambda o: f"/opportunities/{o['closed'].id}/scoring.json", only("commissioner")),
    "contracts.index": (lambda o: ["/contracts", "/contracts?status=active&kind=contract&q=x",
                                   "/contracts?rag=none&sort=provider&page=2", "/contracts?rag=purple&provider=x"],
                        only(*CONTRACT_VIEWERS)),
    "contracts.register_download": (lambda o: "/contracts.csv", only(*CONTRACT_VIEWERS)),
    "contracts.payments_compliance": (lambda o: "/contracts/payments-compliance", only("commissioner")),
    "contracts.show": (lambda o: f"/contracts/{o['agreement'].id}", only(*CONTRACT_VIEWERS)),
    "contracts.document_status": (lambda o: f"/contracts/{o['agreement'].id}/document.json",
                                  only(*CONTRACT_VIEWERS)),
    "contracts.document_file": (lambda o: f"/contracts/{o['agreement'].id}/documents/1.pdf", only(*CONTRACT_VIEWERS)),
    "contracts.signed_copy": (lambda o: f"/contracts/{o['agreement'].id}/signed-copy.pdf",
                              expect(anonymous=302, default=403, **{r: 404 for r in CONTRACT_VIEWERS})),
    # Issued, not yet countersigned: no executed copy yet, for those who could otherwise download it.
    "contracts.executed_file": (lambda o: f"/contracts/{o['agreement'].id}/documents/1/executed.pdf",
                                expect(anonymous=302, default=403, **{r: 404 for r in CONTRACT_VIEWERS})),
    "contracts.edit": (lambda o: f"/contracts/{o['draft_agreement'].id}/edit", only("commissioner")),
    "contracts.new_variation": (lambda o: f"/contracts/{o['agreement'].id}/variations/new", only("commissioner")),
    "contracts.clauses": (lambda o: "/admin/clauses", admin_only()),
    "contracts.edit_clause": (lambda o: f"/admin/clauses/{o['clause'].id}", admin_only()),
    "monitoring.returns_list": (lambda o: ["/returns", "/returns?status=overdue&rag=none&kind=grant_agreement&q=x",
                                           "/returns?status=submitted&sort=provider&page=2",
                                           "/returns?status=banana&rag=purple&kind=x&sort=sideways"],
                                only(*CONTRACT_VIEWERS)),
    "monitoring.return_page": (lambda o: f"/returns/{o['return_due'].id}", only(*CONTRACT_VIEWERS)),
    "monitoring.attachment": (lambda o: f"/returns/{o['return_due'].id}/attachment",
                              expect(anonymous=302, default=403, **{r: 404 for r in CONTRACT_VIEWERS})),
    "monitoring.kpis": (lambda o: f"/contracts/{o['agreement'].id}/kpis", only(*CONTRACT_VIEWERS)),
    "monitoring.review": (lambda o: f"/contracts/{o['agreement'].id}/review", only("commissioner")),
    "monitoring.notifications": (lambda o: "/notifications", expect(anonymous=302)),
    "opendata.index": (lambda o: "/open-data", expect()),
    "opendata.ocds_releases": (lambda o: ["/open-data/ocds/releases.json", "/open-data/ocds/releases.json?since=2020-01-01"], expect()),
    "opendata.ocds_record": (lambda o: f"/open-data/ocds/records/ocds-commissioning-{o['closed'].reference}.json", expect()),
    "opendata.grants_json": (lambda o: "/open-data/360giving.json", expect()),
    "opendata.grants_csv": (lambda o: "/open-data/360giving.csv", expect()),
    "panels.index": (lambda o: "/panels", only(*PANEL_RUNNERS)),
    "panels.new_panel": (lambda o: "/panels/new", only(*PANEL_RUNNERS)),
    "panels.panel": (lambda o: f"/panels/{o['panel'].id}", only(*PANEL_RUNNERS)),
    "panels.new_member": (lambda o: f"/panels/{o['panel'].id}/members/new", only(*PANEL_RUNNERS)),
    "panels.member": (lambda o: f"/panels/members/{o['panel_member'].id}", only(*PANEL_RUNNERS)),
    "panels.new_round": (lambda o: f"/panels/{o['panel'].id}/rounds/new", only(*PANEL_RUNNERS)),
    "panels.round_page": (lambda o: [f"/panels/rounds/{o[k].id}" for k in ("draft_round", "open_round",
                                                                          "decided_round")], only(*PANEL_RUNNERS)),
    "panels.edit_round": (lambda o: f"/panels/rounds/{o['draft_round'].id}/edit", only(*PANEL_RUNNERS)),
    "panels.edit_project": (lambda o: [f"/panels/rounds/{o['draft_round'].id}/projects/new",
                                       f"/panels/projects/{o['draft_project'].id}/edit"], only(*PANEL_RUNNERS)),
    "panels.round_status": (lambda o: f"/panels/rounds/{o['decided_round'].id}/status", only(*PANEL_RUNNERS)),
    "panels.join": (lambda o: "/join", expect()),
    "panels.me": (lambda o: "/panels/me", only("panel_member")),
    "panels.links": (lambda o: f"/panels/rounds/{o['open_round'].id}/links", only("panel_member")),
    "panels.vote": (lambda o: f"/panels/rounds/{o['open_round'].id}/vote", only("panel_member")),
    "panels.paper_ballot": (lambda o: f"/panels/rounds/{o['open_round'].id}/paper", only(*PANEL_RUNNERS)),
    "panels.published": (lambda o: "/panels/results", expect()),
    "panels.results": (lambda o: f"/panels/rounds/{o['decided_round'].id}/results", expect()),
    "panels.project_result": (lambda o: f"/panels/rounds/{o['decided_round'].id}/results/1", expect()),
    "panels.ballots_file": (lambda o: f"/panels/rounds/{o['decided_round'].id}/ballots.pb", expect()),
    "panels.send_to_panel": (lambda o: f"/opportunities/{o['closed'].id}/panel", only("commissioner")),
    # The API ignores the browser's session (so a signed-in page cannot be made to call it): by session,
    # everyone is anonymous there. tests/unit/test_api.py walks it again with each role's token.
    "api_pages.tokens": (lambda o: "/account/api-tokens", expect(anonymous=302)),
    "api_pages.reference": (lambda o: "/api", expect()),
    "api-docs.openapi_json": (lambda o: "/api/openapi.json", expect()),
    "Needs.list_needs": (lambda o: "/api/v1/needs", expect(anonymous=401, default=401)),
    "Needs.get_need": (lambda o: f"/api/v1/needs/{o['need'].id}", expect(anonymous=401, default=401)),
    "Indicators.list_indicators": (lambda o: "/api/v1/indicators", expect()),
    "Localities.list_localities": (lambda o: "/api/v1/localities", expect()),
    "Indicators.get_indicator": (lambda o: f"/api/v1/indicators/{o['indicator'].id}", expect()),
    "Opportunities.list_opportunities": (lambda o: "/api/v1/opportunities?status=open", expect()),
    "Opportunities.get_opportunity": (lambda o: f"/api/v1/opportunities/{o['opp'].id}", expect()),
    "Contracts.list_contracts": (lambda o: "/api/v1/contracts", expect(anonymous=401, default=401)),
    "Contracts.get_contract": (lambda o: f"/api/v1/contracts/{o['agreement'].id}", expect(anonymous=401, default=401)),
    "Returns.list_returns": (lambda o: "/api/v1/returns", expect(anonymous=401, default=401)),
    "Returns.get_return": (lambda o: f"/api/v1/returns/{o['return_due'].id}", expect(anonymous=401, default=401)),
    "Panel results.list_results": (lambda o: "/api/v1/panel-results", expect()),
    "Panel results.get_result": (lambda o: f"/api/v1/panel-results/{o['decided_round'].id}", expect()),
}

POST_ONLY = {"notices.start", "notices.save_details", "notices.publish", "notices.send_again", "api_pages.revoke", "Needs.create_need", "Returns.update_return", "accounts.logout", "admin.change_roles", "admin.reactivate", "admin.add_membership", "admin.change_membership", "admin.remove_membership", "admin.revoke_session", "admin.revoke_sessions", "admin.revoke_token", "accounts.sign_out_device", "accounts.sign_out_everywhere", "evaluation.unassign", "evaluation.allow_interest", "specifications.submit", "specifications.decide", "opportunities.open_for_bids",
             "opportunities.cancel", "opportunities.toggle_follow", "opportunities.ask", "opportunities.answer",
             "bids.start", "bids.autosave", "bids.attach", "bids.submit", "bids.withdraw", "providers.remove_member", "needs.change_status", "needs.remove_evidence", "indicators.set_year",
             "funding.add_contribution", "panels.record_consent", "panels.add_contribution", "panels.new_code", "panels.remove_member", "panels.add_member_again",
             "panels.remove_project", "panels.open_round", "panels.close_round", "panels.confirm_round",
             "contracts.create_from_award", "contracts.issue", "contracts.recall", "contracts.countersign",
             "contracts.sign", "contracts.upload_signed_copy", "contracts.end", "contracts.record_payment", "contracts.variation_step",
             "contracts.sign_variation", "monitoring.send_back", "monitoring.accept", "monitoring.action_done",
             "contracts.assign_monitor"}


def urls(builder, objects):
    built = builder(objects)
    return built if isinstance(built, list) else [built]


def test_every_page_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint != "static" and "GET" in rule.methods}
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" not in rule.methods}
    assert endpoints - set(ACCESS) == set(), "add new pages to ACCESS with their expected statuses"
    assert posts <= POST_ONLY | set(ACCESS), f"add POST-only endpoints to POST_ONLY: {posts - POST_ONLY}"


@pytest.fixture
def objects(create_user, create_organisation, create_need, create_indicator, create_provision, create_venue,
            create_pot, create_locality, create_specification, create_opportunity, give_documents,
            create_agreement):
    from datetime import timedelta

    from commissioning.bids.operations import add_attachment, start_bid, submit_bid
    from commissioning.core.models import utcnow
    from commissioning.opportunities.operations import close_due
    from commissioning.providers.models import ProviderDocument
    from tests.fixtures.factories import complete_bid
    provider_org = create_organisation("Walk Provider Ltd")
    users = {role.value: create_user(role, organisation=provider_org if role is Role.provider else None,
                                     is_org_admin=role is Role.provider)
             for role in Role}
    give_documents(provider_org)
    provider = users["provider"]
    opp = create_opportunity()
    bid = start_bid(opp, provider_org, provider)
    attachment = add_attachment(bid, provider, ("plan.txt", "text/plain", b"our plan"))
    past = utcnow() - timedelta(days=20)
    closed = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    closed_bid = start_bid(closed, provider_org, provider, now=past)
    complete_bid(closed_bid, provider, now=past)
    add_attachment(closed_bid, provider, ("budget.csv", "text/csv", b"item,cost\nstaff,100\n"), now=past)
    submission = submit_bid(closed_bid, provider, "walk-token-123456", now=past)
    close_due()
    from commissioning.evaluation.models import Interest
    from commissioning.evaluation.operations import assign, declare
    assign(closed, [closed_bid], [users["evaluator"]], None)
    declare(closed, users["evaluator"], provider_org, Interest.none)
    approved = create_opportunity(opened=False).specification
    mail = queue_email("someone@example.org", "test", "Hello", "password_changed", user_name="Someone")
    locality = create_locality()
    need = create_need(localities=[locality])
    from datetime import date

    from commissioning.needs.models import EvidenceSource
    from commissioning.needs.operations import add_evidence
    evidence = add_evidence(need, None, EvidenceSource.schools, date(2026, 1, 5), "Head teachers' survey",
                            upload=("survey.csv", "text/csv", b"school,answer\nA,yes\n"))
    pot = create_pot()
    from commissioning.funding.operations import save_allocation
    allocation = save_allocation(pot, 100_000, (50, 30, 20))
    panels = _panel_objects(users, pot)
    db.session.commit()
    from commissioning.contracts.models import Clause
    from commissioning.contracts.operations import issue, render_document
    agreement = create_agreement(provider_org, provider)
    agreement.monitor_id = users["contract_monitor"].id
    render_document(issue(agreement, users["commissioner"], "Test Borough Council").id)
    draft_agreement = create_agreement(provider_org, provider)
    from commissioning.opendata.operations import publish_releases
    publish_releases()   # the OCDS feed and records read what was published
    from commissioning.notices.operations import publish as publish_notice
    from commissioning.notices.operations import save_details, start_notice
    procurement = {"route": "light_touch", "suggested_route": "light_touch"}   # grant rounds have no notices
    notice = start_notice(create_opportunity(**procurement), "UK2", users["commissioner"])
    published_notice = start_notice(create_opportunity(opened=False, **procurement), "UK2", users["commissioner"])
    save_details(published_notice, users["commissioner"], engagement="A market event with six providers")
    publish_notice(published_notice, users["commissioner"])
    db.session.commit()
    return {**panels, "notice": notice, "published_notice": published_notice, "agreement": agreement, "draft_agreement": draft_agreement,
            "return_due": sorted(agreement.returns, key=lambda d: d.due_on)[0],
            "clause": db.session.scalars(db.select(Clause)).first(), "provider_org": provider_org, "users": users, "person": users["provider"], "mail": mail, "need": need, "evidence": evidence,
            "indicator": create_indicator(), "provision": create_provision(organisation=provider_org),
            "venue": create_venue(), "pot": pot, "allocation": allocation, "locality": locality,
            "spec": create_specification(), "opp": opp, "bid": bid, "attachment": attachment, "closed": closed,
            "closed_bid": closed_bid, "submission": submission, "spec_approved": approved,
            "document": db.session.scalars(db.select(ProviderDocument)).first()}


def _panel_objects(users, pot):
    """A panel run by the walk's facilitator, the walk's member in it, and a round in each state."""
    from datetime import timedelta

    from commissioning.core.models import utcnow
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, PanelMember
    panel = panel_ops.create_panel("Walk panel", None, users["panel_facilitator"])
    member = PanelMember(panel=panel, user=users["panel_member"], display_name="Walker", age_band=AgeBand.age_18_21)
    db.session.add(member)
    now = utcnow()
    rounds = []
    for title in ("Draft", "Open", "Decided"):
        rnd = panel_ops.create_round(panel, users["panel_facilitator"], title=title, pot=pot, budget_pence=10_000,
                                     ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                                     rule=AllocationRule.equal_shares, quorum=None, min_approval_percent=None,
                                     opens_at=now, closes_at=now + timedelta(days=3))
        project = panel_ops.add_project(rnd, f"{title} project", "Something good.", 5_000,
                                        users["provider"].memberships[0].organisation)
        rounds.append((rnd, project))
    # Five voters in all (fewer and no result is shown: PANEL_MIN_BALLOTS), on the panel before
    # voting opens, as only they may vote.
    others = [panel_ops.add_member(panel, f"Walker {i}", AgeBand.age_18_21)[0] for i in range(4)]
    for rnd, _project in rounds[1:]:
        panel_ops.open_voting(rnd, users["panel_facilitator"])
    decided, project = rounds[2]
    for voter in [member, *others]:
        panel_ops.cast_ballot(decided, voter, [project.id])
    panel_ops.close_voting(decided, None, "walk")
    panel_ops.count_round(decided.id)
    return {"panel": panel, "panel_member": member, "draft_round": rounds[0][0], "draft_project": rounds[0][1],
            "open_round": rounds[1][0], "decided_round": decided}


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_page_as(role, app, objects, login):
    client = app.test_client() if role == "anonymous" else login(objects["users"][role])
    failures = []
    for endpoint, (builder, table) in ACCESS.items():
        for url in urls(builder, objects):
            status = client.get(url).status_code
            if status != table[role]:
                failures.append(f"{endpoint} {url}: expected {table[role]}, got {status}")
    assert failures == []


def test_provider_cannot_see_another_organisation(login, create_user, create_organisation):
    mine, theirs = create_organisation(), create_organisation()
    client = login(create_user(Role.provider, organisation=mine))
    assert client.get(f"/organisations/{mine.id}").status_code == 200
    response = client.get(f"/organisations/{theirs.id}")
    assert response.status_code == 403
    assert theirs.name not in response.get_data(as_text=True)


def test_unknown_ids_give_404(login, create_user):
    client = login(create_user(Role.admin))
    assert client.get("/organisations/999999").status_code == 404
    assert client.get("/admin/mail/999999").status_code == 404
    assert client.get("/no/such/page").status_code == 404
