"""Bidders read what they bid against, and an awarded opportunity says who was funded.

The specification shown with an opportunity is the version fixed when it opened: later versions
never change it. Drafts stay the council's. The award is told only once its notice is out.
"""
from datetime import date, timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.opportunities.models import OpportunityStatus
from commissioning.opportunities.operations import cancel_opportunity, create_opportunity, open_opportunity
from commissioning.specifications.models import SpecStatus, SpecificationVersion
from commissioning.specifications.operations import decide, save_version, submit_for_review


@pytest.fixture
def provider(login, create_user, create_organisation):
    return login(create_user(Role.provider, organisation=create_organisation()))


def test_a_provider_reads_the_specification_from_the_opportunity_page(provider, create_opportunity):
    opp = create_opportunity(purpose="Detached youth work on Friday nights in Speke and Garston")
    page = provider.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert f'href="/opportunities/{opp.id}/specification"' in page
    assert f'href="/opportunities/{opp.id}/specification.pdf"' in page

    spec_page = provider.get(f"/opportunities/{opp.id}/specification")
    assert spec_page.status_code == 200
    html = spec_page.get_data(as_text=True)
    assert "Detached youth work on Friday nights in Speke and Garston" in html
    assert "Young people attending" in html  # the KPIs bidders will be monitored against

    pdf = provider.get(f"/opportunities/{opp.id}/specification.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_the_public_reads_it_too_without_signing_in(client, create_opportunity):
    opp = create_opportunity(purpose="Safe spaces in Norris Green")
    assert "Safe spaces in Norris Green" in client.get(f"/opportunities/{opp.id}/specification").get_data(as_text=True)
    assert client.get(f"/opportunities/{opp.id}/specification.pdf").status_code == 200


def test_the_commissioners_own_pages_stay_closed_to_bidders(client, login, create_user, create_organisation,
                                                            create_opportunity):
    opp = create_opportunity()
    assert client.get(f"/specifications/{opp.specification_id}").status_code == 302  # to sign in
    provider = login(create_user(Role.provider, organisation=create_organisation()))
    assert provider.get(f"/specifications/{opp.specification_id}").status_code == 403
    assert provider.get(f"/specifications/{opp.specification_id}/versions/1.pdf").status_code == 403


def test_a_draft_opportunitys_specification_is_not_published(client, login, create_user, create_organisation,
                                                              create_opportunity):
    opp = create_opportunity(opened=False)
    assert client.get(f"/opportunities/{opp.id}/specification").status_code == 404
    provider = login(create_user(Role.provider, organisation=create_organisation()))
    assert provider.get(f"/opportunities/{opp.id}/specification").status_code == 404
    assert provider.get(f"/opportunities/{opp.id}/specification.pdf").status_code == 404


def test_the_council_previews_a_drafts_specification(login, create_user, create_opportunity):
    opp = create_opportunity(opened=False)
    staff = login(create_user(Role.commissioner))
    assert staff.get(f"/opportunities/{opp.id}/specification").status_code == 200  # a preview for the council


def test_cancelled_before_opening_means_never_published(client, create_opportunity):
    opp = create_opportunity(opened=False)
    cancel_opportunity(opp, "Funding withdrawn")
    db.session.commit()
    assert client.get(f"/opportunities/{opp.id}").status_code == 200
    assert client.get(f"/opportunities/{opp.id}/specification").status_code == 404
    assert "/specification" not in client.get(f"/opportunities/{opp.id}").get_data(as_text=True)


def test_later_versions_do_not_change_what_bidders_read(provider, create_opportunity):
    opp = create_opportunity(purpose="As published")
    spec = opp.specification
    assert spec.status is SpecStatus.published
    later = dict(spec.current.content, purpose="Rewritten after publication")
    spec.versions.append(SpecificationVersion(number=spec.current.number + 1, content=later))
    spec.status = SpecStatus.closed
    db.session.commit()
    html = provider.get(f"/opportunities/{opp.id}/specification").get_data(as_text=True)
    assert "As published" in html and "Rewritten after publication" not in html
    assert "version 1" in html


def test_bidders_read_the_version_approved_when_the_opportunity_opened(provider, create_specification):
    """A draft opportunity made from version 1 opens after version 2 was approved: bidders get version 2."""
    spec = create_specification(purpose="First thoughts")
    submit_for_review(spec)
    while spec.status is SpecStatus.in_review:
        decide(spec, None, True)
    from datetime import UTC, datetime
    deadline = datetime.now(UTC) + timedelta(days=10)
    opp = create_opportunity(spec, None, title=spec.title, summary="Friday clubs",
                             clarification_deadline=deadline - timedelta(days=1), submission_deadline=deadline)
    criteria = [{"name": "Quality", "kind": "quality", "weight": 80, "parent": None, "scale_max": 5},
                {"name": "Price", "kind": "price", "weight": 20, "parent": None, "price_formula": "lowest_over_bid"}]
    save_version(spec, None, dict(spec.current.content, purpose="Second, approved thoughts", criteria=criteria))
    submit_for_review(spec)
    while spec.status is SpecStatus.in_review:
        decide(spec, None, True)
    open_opportunity(opp)
    db.session.commit()
    assert opp.specification_version == 2 and [c["weight"] for c in opp.criteria] == [80, 20]
    html = provider.get(f"/opportunities/{opp.id}/specification").get_data(as_text=True)
    assert "Second, approved thoughts" in html and "First thoughts" not in html


# Who was funded ----------------------------------------------------------------------------------

def test_an_awarded_opportunity_says_who_was_funded_and_for_how_much(client, create_agreement, create_user,
                                                                     create_organisation, give_documents):
    org = create_organisation("Toxteth Youth Collective")
    give_documents(org)
    agreement = create_agreement(org, create_user(Role.provider, organisation=org), amount_pence=41_250_00)
    opp = agreement.opportunity
    assert opp.status is OpportunityStatus.awarded
    html = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Who was funded" in html
    assert "Toxteth Youth Collective" in html and "£41,250" in html
    assert f'/open-data/ocds/records/ocds-' in html and opp.reference in html


def test_nothing_is_said_about_the_award_before_its_notice_date(client, create_agreement, create_user,
                                                                 create_organisation, give_documents):
    org = create_organisation("Kirkdale Kids Trust")
    give_documents(org)
    agreement = create_agreement(org, create_user(Role.provider, organisation=org),
                                 notice_date=date.today() + timedelta(days=3))
    html = client.get(f"/opportunities/{agreement.opportunity_id}").get_data(as_text=True)
    assert "Who was funded" not in html and "Kirkdale Kids Trust" not in html


def test_an_opportunity_not_yet_awarded_names_no_bidder(client, create_opportunity, create_user, create_organisation,
                                                        give_documents):
    from commissioning.bids.operations import start_bid, submit_bid
    from tests.fixtures.factories import complete_bid
    opp = create_opportunity()
    org = create_organisation("Everton Sealed Bidders")
    give_documents(org)
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    submit_bid(bid, user, f"tok-{bid.id}-sealedsealed")
    db.session.commit()
    html = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Everton Sealed Bidders" not in html and "Who was funded" not in html
