"""Lists that grow: search, filters, sorting and pages on opportunities, specifications and bids.

Each list keeps its filters in the address and in its page links, says how many results there
are, says so when nothing matches, costs the same queries for 5 rows as for 50, and answers a
bad query string with the page (and an error on the field), never a 500.
"""
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.bids.operations import start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.opportunities.models import Opportunity, OpportunityKind, OpportunityStatus
from commissioning.opportunities.operations import close_due
from commissioning.specifications.models import Specification, SpecificationVersion
from tests.fixtures.factories import complete_bid


@pytest.fixture
def bidder(create_user, create_organisation, give_documents):
    def factory(name=None):
        org = create_organisation(name)
        give_documents(org)
        return create_user(Role.provider, organisation=org), org
    return factory


def copies_of(opp, n, **fields):
    """``n`` more opportunities like ``opp`` (same specification), without the set-up each would need."""
    made = []
    for _ in range(n):
        values = {c.name: getattr(opp, c.name) for c in Opportunity.__table__.columns
                  if c.name not in ("id", "reference", "created_at", "updated_at")}
        values.update(fields)
        copy = Opportunity(**values)
        db.session.add(copy)
        db.session.flush()
        copy.reference = f"OPP-{copy.id:04d}"
        made.append(copy)
    db.session.commit()
    return made


def titles_on(html):
    """The opportunity titles a list page links to, in order."""
    return re.findall(r'<a class="govuk-link" href="/opportunities/\d+">([^<]+)</a>', html)


# Opportunities -----------------------------------------------------------------------------------

def test_the_opportunities_list_can_be_searched_and_filtered(client, create_opportunity):
    youth = create_opportunity(title="Detached youth work in Speke")
    copies_of(youth, 1, title="Holiday food and fun", kind=OpportunityKind.procurement, max_value_pence=90_000_00)
    copies_of(youth, 1, title="Closed arts round", status=OpportunityStatus.closed)

    html = client.get("/opportunities?q=speke").get_data(as_text=True)
    assert titles_on(html) == ["Detached youth work in Speke"]
    assert "1 opportunity" in html

    html = client.get("/opportunities?kind=procurement").get_data(as_text=True)
    assert titles_on(html) == ["Holiday food and fun"]

    html = client.get("/opportunities?status=closed").get_data(as_text=True)
    assert titles_on(html) == ["Closed arts round"]

    html = client.get("/opportunities?q=nothing+like+this").get_data(as_text=True)
    assert titles_on(html) == [] and "No opportunities match these filters" in html
    assert "0 opportunities" in html


def test_a_search_for_percent_signs_matches_only_percent_signs(client, create_opportunity):
    opp = create_opportunity(title="Youth work")
    copies_of(opp, 1, title="A 100% youth-led fund")
    assert titles_on(client.get("/opportunities?q=100%25").get_data(as_text=True)) == ["A 100% youth-led fund"]
    assert titles_on(client.get("/opportunities?q=_").get_data(as_text=True)) == []


def test_the_opportunities_list_sorts_by_value_title_and_deadline(client, create_opportunity):
    opp = create_opportunity(title="Middle")
    copies_of(opp, 1, title="Alpha", max_value_pence=10_000_00, submission_deadline=opp.submission_deadline
              + timedelta(days=5), clarification_deadline=opp.clarification_deadline)
    copies_of(opp, 1, title="Zulu", max_value_pence=900_000_00, submission_deadline=opp.submission_deadline
              + timedelta(days=9), clarification_deadline=opp.clarification_deadline)
    assert titles_on(client.get("/opportunities?sort=value").get_data(as_text=True)) == ["Zulu", "Middle", "Alpha"]
    assert titles_on(client.get("/opportunities?sort=value_low").get_data(as_text=True)) == ["Alpha", "Middle", "Zulu"]
    assert titles_on(client.get("/opportunities?sort=title").get_data(as_text=True)) == ["Alpha", "Middle", "Zulu"]
    assert titles_on(client.get("/opportunities?sort=deadline").get_data(as_text=True)) == ["Middle", "Alpha", "Zulu"]
    assert titles_on(client.get("/opportunities?sort=latest").get_data(as_text=True)) == ["Zulu", "Alpha", "Middle"]


def test_open_opportunities_come_first_by_default(client, create_opportunity):
    opp = create_opportunity(title="Open one")
    copies_of(opp, 1, title="Closed later", status=OpportunityStatus.closed,
              submission_deadline=opp.submission_deadline - timedelta(days=30),
              clarification_deadline=opp.clarification_deadline - timedelta(days=30))
    assert titles_on(client.get("/opportunities").get_data(as_text=True)) == ["Open one", "Closed later"]


def test_the_public_never_sees_or_filters_on_drafts(client, login, create_user, create_opportunity):
    opp = create_opportunity(title="Open one")
    copies_of(opp, 1, title="A draft", status=OpportunityStatus.draft, opened_at=None)
    html = client.get("/opportunities?status=draft").get_data(as_text=True)
    assert "A draft" not in html and 'value="draft"' not in html
    assert "There is a problem" in html  # the status is not one the public can choose
    staff = login(create_user(Role.commissioner))
    assert titles_on(staff.get("/opportunities?status=draft").get_data(as_text=True)) == ["A draft"]


def test_opportunities_come_in_pages_whose_links_keep_the_filters(client, create_opportunity):
    opp = create_opportunity(title="Detached work 0")
    copies_of(opp, 24, title="Detached work")
    copies_of(opp, 3, title="Something else")
    first = client.get("/opportunities?q=detached+work&sort=title").get_data(as_text=True)
    assert "25 opportunities" in first and len(titles_on(first)) == 20
    assert 'href="/opportunities?q=detached+work&amp;sort=title&amp;page=2"' in first
    second = client.get("/opportunities?q=detached+work&sort=title&page=2").get_data(as_text=True)
    assert len(titles_on(second)) == 5 and "Something else" not in second


@pytest.mark.parametrize("query", ["sort=nonsense", "kind=x", "page=abc", "page=-4", "page=99999999999",
                                   "per_page=0", "q=" + "x" * 500, "status=draft&kind=grant_round&sort=value",
                                   "q=%ff%fe"])
def test_bad_query_strings_give_the_page_never_a_500(client, create_opportunity, query):
    create_opportunity(title="Still listed")
    response = client.get(f"/opportunities?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Funding opportunities" in html


def test_a_nul_in_a_filter_is_refused_as_every_request_with_one_is(client):
    assert client.get("/opportunities?status=%00").status_code == 400  # the service-wide rule, not a 500


def test_a_bad_filter_is_shown_as_an_error_on_its_field_and_the_rest_still_apply(client, create_opportunity):
    opp = create_opportunity(title="Grant one")
    copies_of(opp, 1, title="Procured one", kind=OpportunityKind.procurement)
    html = client.get("/opportunities?kind=procurement&status=banana").get_data(as_text=True)
    assert "There is a problem" in html and 'href="#status"' in html
    assert titles_on(html) == ["Procured one"]


def test_an_unknown_sort_is_ignored_quietly(client, create_opportunity):
    opp = create_opportunity(title="Beta")
    copies_of(opp, 1, title="Alpha", submission_deadline=opp.submission_deadline + timedelta(days=1),
              clarification_deadline=opp.clarification_deadline)
    html = client.get("/opportunities?sort=cheapest-first").get_data(as_text=True)
    assert "There is a problem" not in html and titles_on(html) == ["Beta", "Alpha"]  # the default order


def test_the_opportunities_list_costs_the_same_queries_for_5_or_50(client, login, create_user, create_opportunity,
                                                                    count_queries):
    opp = create_opportunity()
    staff = login(create_user(Role.commissioner))

    def queries_with(total):
        copies_of(opp, total - db.session.scalar(db.select(db.func.count(Opportunity.id))))
        with count_queries() as count:
            assert staff.get("/opportunities?per_page=100&sort=title").status_code == 200
        return count()

    assert queries_with(5) == queries_with(50)


# Specifications ----------------------------------------------------------------------------------

def spec_copies(spec, n, **fields):
    """``n`` more specifications like ``spec``, each with one version, written straight to the database."""
    made, content, needs = [], dict(spec.current.content, title=fields.get("title", spec.title)), list(spec.needs)
    for _ in range(n):
        copy = Specification(title=fields.get("title", spec.title), status=fields.get("status", spec.status))
        db.session.add(copy)
        copy.needs = needs
        copy.versions.append(SpecificationVersion(number=1, content=content))
        db.session.flush()
        copy.reference = f"SPEC-{copy.id:04d}"
        made.append(copy)
    db.session.commit()
    return made


def spec_titles_on(html):
    return re.findall(r'<a class="govuk-link" href="/specifications/\d+">([^<]+)</a>', html)


@pytest.fixture
def commissioner(login, create_user):
    return login(create_user(Role.commissioner))


def test_specifications_can_be_searched_filtered_and_sorted(commissioner, create_specification):
    from commissioning.specifications.models import SpecStatus
    spec = create_specification(title="Mentoring for care leavers")
    spec_copies(spec, 1, title="Arts on the Dingle", status=SpecStatus.approved)
    spec_copies(spec, 1, title="Youth voice in Everton", status=SpecStatus.closed)

    html = commissioner.get("/specifications?q=dingle").get_data(as_text=True)
    assert spec_titles_on(html) == ["Arts on the Dingle"] and "1 specification" in html
    html = commissioner.get(f"/specifications?q={spec.reference}").get_data(as_text=True)
    assert spec_titles_on(html) == ["Mentoring for care leavers"]
    html = commissioner.get("/specifications?status=closed").get_data(as_text=True)
    assert spec_titles_on(html) == ["Youth voice in Everton"]
    html = commissioner.get("/specifications?sort=title").get_data(as_text=True)
    assert spec_titles_on(html) == ["Arts on the Dingle", "Mentoring for care leavers", "Youth voice in Everton"]
    html = commissioner.get("/specifications?sort=oldest").get_data(as_text=True)
    assert spec_titles_on(html) == ["Mentoring for care leavers", "Arts on the Dingle", "Youth voice in Everton"]
    html = commissioner.get("/specifications?q=zzz").get_data(as_text=True)
    assert "No specifications match these filters" in html and "0 specifications" in html


def test_specifications_come_in_pages_whose_links_keep_the_filters(commissioner, create_specification):
    spec = create_specification(title="Detached work 0")
    spec_copies(spec, 21, title="Detached work")
    first = commissioner.get("/specifications?q=detached&sort=title").get_data(as_text=True)
    assert "22 specifications" in first and len(spec_titles_on(first)) == 20
    assert 'href="/specifications?q=detached&amp;sort=title&amp;page=2"' in first
    assert len(spec_titles_on(commissioner.get("/specifications?q=detached&sort=title&page=2")
                              .get_data(as_text=True))) == 2


@pytest.mark.parametrize("query", ["sort=x", "status=nope", "page=zz", "q=" + "y" * 300])
def test_bad_specification_filters_give_the_page(commissioner, create_specification, query):
    create_specification()
    response = commissioner.get(f"/specifications?{query}")
    assert response.status_code == 200 and "Specifications" in response.get_data(as_text=True)


def test_the_specifications_list_costs_the_same_queries_for_5_or_50(commissioner, create_specification,
                                                                     count_queries):
    spec = create_specification()

    def queries_with(total):
        spec_copies(spec, total - db.session.scalar(db.select(db.func.count(Specification.id))))
        with count_queries() as count:
            assert commissioner.get("/specifications?per_page=100").status_code == 200
        return count()

    assert queries_with(5) == queries_with(50)


# The bids received for an opportunity --------------------------------------------------------------

def bid_on(opp, bidder, name, when, price=None, eligible=True):
    user, org = bidder(name)
    bid = start_bid(opp, org, user, now=when)
    complete_bid(bid, user, now=when)
    if price is not None or not eligible:
        from commissioning.bids.operations import save_draft
        save_draft(bid, user, now=when, price_pence=price or opp.max_value_pence // 2,
                   eligibility={str(i): ("no" if q["pass_answer"] == "yes" else "yes") if not eligible
                                else q["pass_answer"] for i, q in enumerate(opp.eligibility)})
    submit_bid(bid, user, f"tok-{bid.id}-listlistlist", now=when)
    return bid


def bidders_on(html):
    return re.findall(r'<a class="govuk-link" href="/opportunities/\d+/bids/\d+">([^<]+)</a>', html)


@pytest.fixture
def closed_with_bids(create_opportunity, bidder):
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    bid_on(opp, bidder, "Bootle Boxing Club", past, price=30_000_00)
    bid_on(opp, bidder, "Anfield Arts CIC", past + timedelta(hours=1), price=45_000_00, eligible=False)
    bid_on(opp, bidder, "Crosby Climbing Trust", past + timedelta(hours=2), price=20_000_00)
    close_due()
    db.session.commit()
    return opp


def test_the_bids_received_can_be_searched_filtered_and_sorted(commissioner, closed_with_bids):
    url = f"/opportunities/{closed_with_bids.id}/bids"
    html = commissioner.get(url).get_data(as_text=True)
    assert bidders_on(html) == ["Anfield Arts CIC", "Bootle Boxing Club", "Crosby Climbing Trust"]
    assert "3 bids" in html
    assert bidders_on(commissioner.get(f"{url}?q=boxing").get_data(as_text=True)) == ["Bootle Boxing Club"]
    assert bidders_on(commissioner.get(f"{url}?eligibility=fails").get_data(as_text=True)) == ["Anfield Arts CIC"]
    assert bidders_on(commissioner.get(f"{url}?eligibility=passes&sort=price").get_data(as_text=True)) == [
        "Crosby Climbing Trust", "Bootle Boxing Club"]
    assert bidders_on(commissioner.get(f"{url}?sort=price_high").get_data(as_text=True))[0] == "Anfield Arts CIC"
    assert bidders_on(commissioner.get(f"{url}?sort=received_last").get_data(as_text=True)) == [
        "Crosby Climbing Trust", "Anfield Arts CIC", "Bootle Boxing Club"]
    html = commissioner.get(f"{url}?q=nobody").get_data(as_text=True)
    assert "No bids match these filters" in html and "0 bids" in html


def test_before_the_deadline_the_bids_page_says_nothing_a_search_could_reveal(commissioner, create_opportunity,
                                                                              bidder):
    opp = create_opportunity()
    bid_on(opp, bidder, "Walton Secret Bidder", utcnow())
    db.session.commit()
    for query in ("", "?q=walton", "?q=zzz", "?sort=price", "?eligibility=fails"):
        html = commissioner.get(f"/opportunities/{opp.id}/bids{query}").get_data(as_text=True)
        assert "Walton" not in html.replace("?q=walton", "")
        assert "match" not in html and 'name="q"' not in html  # no search box, no count of matches
        assert "1 organisation has submitted a bid so far" in html


def test_bad_bid_filters_give_the_page(commissioner, closed_with_bids):
    for query in ("sort=x", "eligibility=maybe", "lot=Nope", "page=k"):
        response = commissioner.get(f"/opportunities/{closed_with_bids.id}/bids?{query}")
        assert response.status_code == 200 and len(bidders_on(response.get_data(as_text=True))) == 3


def test_the_bids_page_costs_the_same_queries_for_5_or_50_bids(commissioner, create_opportunity, bidder,
                                                               count_queries):
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)

    def queries_with(n):
        for _ in range(n):
            bid_on(opp, bidder, None, past)
        db.session.commit()
        with count_queries() as count:
            assert commissioner.get(f"/opportunities/{opp.id}/bids?per_page=100&sort=price").status_code == 200
        return count()

    assert queries_with(5) == queries_with(45)


# A provider's own bids ------------------------------------------------------------------------------

def test_my_bids_can_be_searched_filtered_sorted_and_paged(login, create_opportunity, bidder):
    user, org = bidder("Garston Youth Trust")
    first = create_opportunity(title="Sports in Garston")
    start_bid(first, org, user)
    others = copies_of(first, 22, title="Holiday clubs")
    for opp in others:
        start_bid(opp, org, user)
    bid = start_bid(copies_of(first, 1, title="Mentoring in Speke")[0], org, user)
    complete_bid(bid, user)
    submit_bid(bid, user, f"tok-{bid.id}-minemineminemine")
    db.session.commit()
    client = login(user)

    def titles(query):
        return re.findall(r'<a class="govuk-link" href="/bids/\d+(?:/edit)?">([^<]+)</a>',
                          client.get(f"/my-bids{query}").get_data(as_text=True))

    assert titles("?q=garston") == ["Sports in Garston"]
    assert titles("?status=submitted") == ["Mentoring in Speke"]
    assert titles("?sort=title")[:2] == ["Holiday clubs", "Holiday clubs"]
    html = client.get("/my-bids?q=holiday").get_data(as_text=True)
    assert "22 bids" in html and 'href="/my-bids?q=holiday&amp;page=2"' in html
    assert len(titles("?q=holiday&page=2")) == 2
    assert "No bids match these filters" in client.get("/my-bids?q=nothing").get_data(as_text=True)
    assert client.get("/my-bids?status=won&sort=x&page=z").status_code == 200


def test_my_bids_costs_the_same_queries_for_5_or_50(login, create_opportunity, bidder, count_queries):
    user, org = bidder()
    opp = create_opportunity()
    client = login(user)

    def queries_with(total):
        have = db.session.scalar(db.select(db.func.count()).select_from(Opportunity))
        for copy in copies_of(opp, total - have):
            start_bid(copy, org, user)
        db.session.commit()
        with count_queries() as count:
            assert client.get("/my-bids?per_page=100").status_code == 200
        return count()

    assert queries_with(5) == queries_with(50)
