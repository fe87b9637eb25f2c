"""Actions that cannot be undone ask first, through one mechanism (commissioning.core.confirm)."""
import inspect
import re

from commissioning.accounts.models import Role
from commissioning.core.confirm import IRREVERSIBLE, UNDOABLE
from commissioning.extensions import db
from commissioning.opportunities.models import OpportunityStatus

FINAL_SOUNDING = re.compile(r"cancel|remove|revoke|close|deactivate|delete|withdraw|open|award|end\b|terminate|"
                            r"unassign|(?<!as)sign|submit|publish|issue")


def _post_endpoints(app):
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_final_sounding_post_route_is_classified(app):
    posts = _post_endpoints(app)
    unclassified = sorted(e for e in posts if FINAL_SOUNDING.search(e.split(".", 1)[1])
                          and e not in IRREVERSIBLE and e not in UNDOABLE)
    assert unclassified == [], "say in commissioning/core/confirm.py whether each asks first, or why not"
    assert set(IRREVERSIBLE) | set(UNDOABLE) <= posts, "tables name routes that do not exist"
    assert not set(IRREVERSIBLE) & set(UNDOABLE)


def test_every_irreversible_route_asks_first(app):
    for endpoint in IRREVERSIBLE:
        source = inspect.getsource(app.view_functions[endpoint])
        assert "ask_first(" in source, f"{endpoint} acts without asking"


def test_cancelling_asks_first_and_keeps_the_reason(login, create_user, create_opportunity):
    opp = create_opportunity()
    client = login(create_user(Role.commissioner))
    asked = client.post(f"/opportunities/{opp.id}/cancel", data={"reason": "The budget was withdrawn"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Cancel {opp.reference}?" in html and "You cannot undo this" in html
    assert 'name="reason" value="The budget was withdrawn"' in html and 'name="confirmed" value="yes"' in html
    assert "What happens next" in html and "No, go back" in html
    db.session.refresh(opp)
    assert opp.status is OpportunityStatus.open
    done = client.post(f"/opportunities/{opp.id}/cancel", data={"reason": "The budget was withdrawn",
                                                                "confirmed": "yes"})
    assert done.status_code == 302
    db.session.refresh(opp)
    assert opp.status is OpportunityStatus.cancelled


def test_publishing_asks_first_unless_it_cannot_open(login, create_user, create_opportunity):
    from datetime import timedelta

    from commissioning.core.models import utcnow
    opp = create_opportunity(opened=False)
    client = login(create_user(Role.commissioner))
    asked = client.post(f"/opportunities/{opp.id}/open")
    assert asked.status_code == 200 and "Yes, publish and open for bids" in asked.get_data(as_text=True)
    db.session.refresh(opp)
    assert opp.status is OpportunityStatus.draft
    opp.clarification_deadline = utcnow() - timedelta(hours=2)
    opp.submission_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    refused = client.post(f"/opportunities/{opp.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "Set a submission deadline in the future before opening" in refused  # told at once, not after a "Yes"


def test_ending_an_agreement_asks_first_unless_it_cannot_end(login, create_user, create_organisation,
                                                             create_agreement, give_documents):
    from commissioning.contracts import operations as contract_ops
    from commissioning.contracts.models import AgreementStatus
    org = create_organisation()
    give_documents(org)
    provider, commissioner = create_user(Role.provider, organisation=org), create_user(Role.commissioner)
    agreement = create_agreement(org, provider)
    document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
    contract_ops.render_document(document.id)
    contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
    contract_ops.countersign(agreement, commissioner)
    db.session.commit()
    client = login(commissioner)
    refused = client.post(f"/contracts/{agreement.id}/end", data={"early": "yes", "reason": ""})
    assert refused.status_code == 400 and "Say why the agreement is ending early" in refused.get_data(as_text=True)
    asked = client.post(f"/contracts/{agreement.id}/end", data={"early": "yes", "reason": "The provider closed"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Terminate {agreement.reference}?" in html and "You cannot undo this" in html
    assert 'name="reason" value="The provider closed"' in html
    db.session.refresh(agreement)
    assert agreement.status is AgreementStatus.active
    done = client.post(f"/contracts/{agreement.id}/end", data={"early": "yes", "reason": "The provider closed",
                                                              "confirmed": "yes"})
    assert done.status_code == 302
    db.session.refresh(agreement)
    assert agreement.status is AgreementStatus.terminated
