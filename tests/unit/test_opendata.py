"""360Giving publication: valid against the official schema (offline), and nothing confidential in it."""
import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from commissioning.accounts.models import Role
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import operations as panel_ops
from commissioning.panels.models import AgeBand, AllocationRule, BallotType

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "360giving-1.4.3"


def validator():
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    # The files name their dialect with an http:// URL that `referencing` does not know: say it plainly.
    registry = Registry().with_resources([(s["$id"], DRAFT202012.create_resource(s)) for s in (grant, package)])
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


def test_the_checker_catches_a_bad_file():
    errors = list(validator().iter_errors({"grants": [{"id": "x", "currency": "GBP", "awardDate": "25/11/2026"}]}))
    assert errors


@pytest.fixture
def published(create_agreement, create_organisation, create_user, give_documents, create_pot):
    """A grant-round award with an agreement, an unsuccessful bidder, and a panel's confirmed award."""
    from commissioning.bids.operations import start_bid, submit_bid
    winner = create_organisation("Winning Youth Trust", charity_number="1100001")
    give_documents(winner)
    provider = create_user(Role.provider, organisation=winner, email="winner.contact@example.org")
    agreement = create_agreement(winner, provider, amount_pence=12_345_67)
    # A losing bid on the same kind of round never appears.
    loser = create_organisation("Unlucky Bidders CIC", company_number="09999999")
    give_documents(loser)
    loser_user = create_user(Role.provider, organisation=loser)
    facilitator = create_user(Role.panel_facilitator)
    panel = panel_ops.create_panel("Open Data Panel", None, facilitator)
    member, _code = panel_ops.add_member(panel, "Secret Voter Name", AgeBand.age_16_17)
    now = utcnow()
    rnd = panel_ops.create_round(panel, facilitator, title="Summer", pot=create_pot(amount_pence=5_000_000),
                                 budget_pence=500_000, ballot_type=BallotType.within_budget, max_projects=None,
                                 min_projects=None, rule=AllocationRule.greedy, quorum=None,
                                 min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=2))
    project = panel_ops.add_project(rnd, "Skate jam", "A day of skating.", 300_000, winner)
    panel_ops.open_voting(rnd, facilitator)
    panel_ops.cast_ballot(rnd, member, [project.id])
    panel_ops.close_voting(rnd, facilitator, "test")
    panel_ops.count_round(rnd.id)
    panel_ops.confirm_awards(rnd, create_user(Role.commissioner))
    db.session.commit()
    return agreement, loser, loser_user


def test_grants_are_valid_360giving_and_leak_nothing(published, client):
    agreement, loser, loser_user = published
    response = client.get("/open-data/360giving.json")
    data = response.get_json()
    errors = [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(data)]
    assert errors == []
    ours = [g for g in data["grants"] if g["recipientOrganization"][0]["name"] == "Winning Youth Trust"]
    award = next(g for g in ours if "-award-" in g["id"])
    panel = next(g for g in ours if "-panel-" in g["id"])
    assert award["amountAwarded"] == 12345.67 and award["recipientOrganization"][0]["id"] == "GB-CHC-1100001"
    assert award["plannedDates"][0]["startDate"] == agreement.start_date.isoformat()
    assert panel["amountAwarded"] == 3000 and panel["grantProgramme"][0]["title"].startswith("Young people")
    text = response.get_data(as_text=True)
    for secret in ("Unlucky Bidders", "Secret Voter Name", "winner.contact@example.org", loser_user.email,
                   "Our answer on"):
        assert secret not in text
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/360giving.csv").get_data(as_text=True))))
    assert {r["Identifier"] for r in rows} == {g["id"] for g in data["grants"]}
    assert "Open Government Licence" in client.get("/open-data").get_data(as_text=True)
