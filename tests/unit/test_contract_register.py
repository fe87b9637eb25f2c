"""The contracts register grows: searched, filtered (kind, status, latest rating, provider), sorted and
paged with the existing list mechanism; the same queries for 5 agreements as for 50; a bad query
string is the page with an error on its field, never a 500.
"""
import itertools
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Organisation, Role
from commissioning.bids.models import Bid
from commissioning.contracts import operations as ops
from commissioning.contracts.models import Agreement, AgreementKind, AgreementStatus
from commissioning.evaluation.models import AwardedBid
from commissioning.extensions import db
from commissioning.monitoring.models import MonitoringReturn, Rag, ReturnStatus

_seq = itertools.count(1)


@pytest.fixture
def provider(create_user, create_organisation, give_documents):
    org = create_organisation("Croxteth Youth Trust")
    give_documents(org)
    return create_user(Role.provider, organisation=org, name="Pat Provider")


@pytest.fixture
def staff(login, create_user):
    return login(create_user(Role.commissioner))


def _clone(obj, **overrides):
    values = {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs if c.key not in ("id",)}
    values.update(overrides)
    copy = type(obj)(**values)
    db.session.add(copy)
    db.session.flush()
    return copy


def copies_of(agreement, n, **fields):
    """``n`` more agreements like ``agreement``, each for a new organisation, written straight to the database
    (each needs its own bid and award row, which the full award flow would take seconds to make)."""
    made = []
    for _ in range(n):
        k = next(_seq)
        org = _clone(agreement.organisation, name=fields.pop("provider", None) or f"Copy organisation {k}")
        bid = _clone(agreement.awarded_bid.bid, organisation_id=org.id)
        awarded = _clone(agreement.awarded_bid, bid_id=bid.id)
        copy = _clone(agreement, awarded_bid_id=awarded.id, organisation_id=org.id,
                      reference=f"{agreement.reference[:3]}-9{k:03d}", **fields)
        made.append(copy)
    db.session.commit()
    return made


def references_on(html):
    return re.findall(r'<a class="govuk-link" href="/contracts/\d+">([A-Z]{3}-\d{4})</a>', html)


def test_the_register_is_searched_and_filtered_by_kind_status_provider_and_rating(
        create_agreement, provider, staff):
    first = create_agreement(provider.memberships[0].organisation, provider)
    [contract] = copies_of(first, 1, kind=AgreementKind.contract, title="Detached youth work in Speke",
                           provider="Speke Detached Project")
    [active] = copies_of(first, 1, status=AgreementStatus.active, title="Holiday food and fun")
    due_row = first.returns[0]   # copies have no returns of their own: the first is rated
    rated = MonitoringReturn(due_id=due_row.id, agreement_id=first.id, status=ReturnStatus.accepted,
                             overall_rag=Rag.amber, accepted_at=first.created_at)
    db.session.add(rated)
    db.session.commit()

    html = staff.get("/contracts?q=speke").get_data(as_text=True)
    assert references_on(html) == [contract.reference] and "1 agreement" in html
    html = staff.get("/contracts?q=Speke+Detached").get_data(as_text=True)
    assert references_on(html) == [contract.reference]
    assert references_on(staff.get("/contracts?kind=contract").get_data(as_text=True)) == [contract.reference]
    assert references_on(staff.get("/contracts?status=active").get_data(as_text=True)) == [active.reference]
    assert references_on(staff.get("/contracts?rag=amber").get_data(as_text=True)) == [first.reference]
    assert first.reference not in references_on(staff.get("/contracts?rag=none").get_data(as_text=True))
    html = staff.get(f"/contracts?provider={contract.organisation_id}").get_data(as_text=True)
    assert references_on(html) == [contract.reference]
    assert "Speke Detached Project</option>" in html                   # the provider filter offers them
    html = staff.get("/contracts?q=nothing+like+this").get_data(as_text=True)
    assert references_on(html) == [] and "No agreements match these filters" in html
    assert "Amber" in staff.get("/contracts").get_data(as_text=True)     # the latest rating is shown
    csv_text = staff.get("/contracts.csv?kind=contract").get_data(as_text=True)
    assert contract.reference in csv_text and first.reference not in csv_text


def test_the_register_sorts(create_agreement, provider, staff):
    first = create_agreement(provider.memberships[0].organisation, provider)
    [big] = copies_of(first, 1, value_pence=first.value_pence * 3, end_date=first.end_date + timedelta(days=90),
                      provider="Aardvark Arts")
    [small] = copies_of(first, 1, value_pence=first.value_pence // 2, end_date=first.end_date - timedelta(days=90),
                        provider="Zebra Zone")
    assert references_on(staff.get("/contracts?sort=value").get_data(as_text=True)) == [
        big.reference, first.reference, small.reference]
    assert references_on(staff.get("/contracts?sort=value_low").get_data(as_text=True)) == [
        small.reference, first.reference, big.reference]
    assert references_on(staff.get("/contracts?sort=ending").get_data(as_text=True)) == [
        small.reference, first.reference, big.reference]
    assert references_on(staff.get("/contracts?sort=provider").get_data(as_text=True)) == [
        big.reference, first.reference, small.reference]


def test_the_register_pages_and_keeps_its_filters(create_agreement, provider, staff):
    first = create_agreement(provider.memberships[0].organisation, provider)
    copies_of(first, 24)
    html = staff.get("/contracts?kind=grant_agreement&sort=value").get_data(as_text=True)
    assert len(references_on(html)) == 20 and "25 agreements" in html and "showing 1 to 20" in html
    assert re.search(r'href="/contracts\?kind=grant_agreement&amp;sort=value&amp;page=2"', html)
    html = staff.get("/contracts?kind=grant_agreement&sort=value&page=2").get_data(as_text=True)
    assert len(references_on(html)) == 5


def test_a_bad_filter_is_an_error_on_its_field_not_a_500(create_agreement, provider, staff):
    create_agreement(provider.memberships[0].organisation, provider)
    for query in ("status=bogus", "kind=nope", "rag=purple", "provider=999999", "provider=x", "sort=sideways",
                  "page=-3", "per_page=0"):
        response = staff.get(f"/contracts?{query}")
        assert response.status_code == 200, query
    assert "There is a problem" in staff.get("/contracts?rag=purple").get_data(as_text=True)
    assert staff.get("/contracts.csv?status=bogus").status_code == 200


def test_providers_see_only_their_own_and_no_other_providers_in_the_filter(
        create_agreement, provider, create_user, login, client):
    mine = create_agreement(provider.memberships[0].organisation, provider)
    [theirs] = copies_of(mine, 1, provider="Someone Else Ltd", status=AgreementStatus.issued)
    ops.issue(mine, create_user(Role.commissioner), "Test Borough Council")
    db.session.commit()
    login(provider)
    html = client.get("/contracts").get_data(as_text=True)
    assert references_on(html) == [mine.reference] and "Someone Else Ltd" not in html
    # Another organisation is not a choice they are offered: refused on the field, their own list shown.
    html = client.get(f"/contracts?provider={theirs.organisation_id}").get_data(as_text=True)
    assert references_on(html) == [mine.reference] and "There is a problem" in html


def test_the_register_costs_the_same_queries_for_5_or_50(create_agreement, provider, staff, count_queries):
    first = create_agreement(provider.memberships[0].organisation, provider)

    def queries_with(total):
        copies_of(first, total - db.session.scalar(db.select(db.func.count(Agreement.id))))
        with count_queries() as count:
            assert staff.get("/contracts?per_page=100&sort=provider").status_code == 200
        return count()

    assert queries_with(5) == queries_with(50)
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) >= 50
    assert db.session.scalar(db.select(db.func.count(Bid.id))) >= 50
    assert db.session.scalar(db.select(db.func.count(AwardedBid.id))) >= 50
