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
from commissioning.opendata.operations import publish_releases
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
    # Five voters, on the panel before voting opens: with fewer ballots nothing of the result is shown.
    others = [panel_ops.add_member(panel, f"Secret Voter Name {i}", AgeBand.age_16_17)[0] for i in range(4)]
    panel_ops.open_voting(rnd, facilitator)
    for voter in [member, *others]:
        panel_ops.cast_ballot(rnd, voter, [project.id])
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


OCDS = Path(__file__).resolve().parents[1] / "schemas" / "ocds-1.1.5"
CLOSED = {("tag",): "releaseTag", ("tender", "status"): "tenderStatus", ("tender", "procurementMethod"): "method",
          ("awards", "status"): "awardStatus", ("contracts", "status"): "contractStatus",
          ("initiationType",): "initiationType"}


def ocds_errors(package, kind="release"):
    """Schema errors (draft 4, offline) plus values outside OCDS's closed codelists."""
    from jsonschema import Draft4Validator
    from referencing.jsonschema import DRAFT4
    schemas = [json.loads((OCDS / f).read_text()) for f in ("release-schema.json", "release-package-schema.json",
                                                           "record-package-schema.json")]
    registry = Registry().with_resources([(s["id"], DRAFT4.create_resource(s)) for s in schemas])
    target = schemas[1] if kind == "release" else schemas[2]
    errors = [f"{list(e.path)}: {e.message}" for e in Draft4Validator(
        target, registry=registry, format_checker=FormatChecker()).iter_errors(package)]
    codes = {name: {row["Code"] for row in csv.DictReader((OCDS / "codelists" / f"{name}.csv").open())}
             for name in set(CLOSED.values()) | {"currency"}}
    releases = package.get("releases") or [r["compiledRelease"] for r in package.get("records", [])]
    for release in releases:
        for path, codelist in CLOSED.items():
            values = [release.get(path[0])] if len(path) == 1 else [
                item.get(path[1]) for item in (release.get(path[0]) if isinstance(release.get(path[0]), list)
                                               else [release.get(path[0]) or {}])]
            for value in values:
                for v in (value if isinstance(value, list) else [value]):
                    if v is not None and v not in codes[codelist]:
                        errors.append(f"{path}: {v!r} is not in {codelist}")
        for money in _money_values(release):
            if money.get("currency") not in codes["currency"]:
                errors.append(f"currency {money.get('currency')!r}")
    return errors


def _money_values(obj):
    if isinstance(obj, dict):
        if set(obj) == {"amount", "currency"}:
            yield obj
        for value in obj.values():
            yield from _money_values(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _money_values(value)


def test_the_ocds_checker_catches_bad_data():
    package = {"uri": "x", "version": "1.1", "publishedDate": "yesterday", "publisher": {"name": "x"},
               "releases": [{"ocid": "o", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["finished"],
                             "initiationType": "tender", "tender": {"id": "t", "status": "open"}}]}
    errors = ocds_errors(package)
    assert any("publishedDate" in e for e in errors) and any("releaseTag" in e for e in errors)
    assert any("tenderStatus" in e for e in errors)


def test_procurements_are_valid_ocds_and_leak_nothing(published, client):
    from commissioning.contracts import operations as contract_ops
    agreement, loser, loser_user = published
    document = contract_ops.issue(agreement, create_commissioner(), "Test Borough Council")
    contract_ops.render_document(document.id)
    provider = next(m.user for m in agreement.organisation.memberships)
    contract_ops.sign(agreement, provider, "Pat", "Chair", document.sha256)
    contract_ops.countersign(agreement, create_commissioner())
    db.session.commit()
    publish_releases()
    db.session.commit()
    response = client.get("/open-data/ocds/releases.json")
    package = json.loads(response.get_data(as_text=True))
    assert ocds_errors(package) == []
    ocid = f"ocds-commissioning-{agreement.opportunity.reference}"
    release = next(r for r in package["releases"] if r["ocid"] == ocid)
    assert release["tag"] == ["award", "contract", "implementation"] and release["contracts"][0]["status"] == "active"
    assert release["awards"][0]["suppliers"][0]["id"] == "GB-CHC-1100001"
    assert {m["type"] for m in release["contracts"][0]["implementation"]["milestones"]} == {"reporting"}
    text = response.get_data(as_text=True)
    for secret in ("Unlucky Bidders", "Our answer on", "Secret Voter Name", loser_user.email):
        assert secret not in text
    record = client.get(f"/open-data/ocds/records/{ocid}.json").get_json()
    assert ocds_errors(record, kind="record") == [] and record["records"][0]["ocid"] == ocid
    assert client.get("/open-data/ocds/records/ocds-nope.json").status_code == 404
    nothing = client.get("/open-data/ocds/releases.json?since=2999-01-01")
    assert nothing.status_code == 404 and "No release was published on or after 2999-01-01" in nothing.get_json()["error"]
    assert client.get("/open-data/ocds/releases.json?since=soon").status_code == 400


def create_commissioner():
    from commissioning.accounts.operations import create_user
    from tests.fixtures.factories import _seq
    return create_user(f"ocds{next(_seq)}@example.org", "Commissioner", "a-long-test-password",
                       roles=[Role.commissioner])


def test_the_feed_costs_the_same_number_of_queries_for_more_procurements(
        published, count_queries, create_agreement, create_organisation, create_user, give_documents):
    from commissioning.opendata.ocds import releases
    with count_queries() as few:
        small = releases("commissioning", "Test Borough Council")
    for i in range(3):
        org = create_organisation(f"Extra Provider {i}")
        give_documents(org)
        create_agreement(org, create_user(Role.provider, organisation=org))
    with count_queries() as more:
        large = releases("commissioning", "Test Borough Council")
    assert len(large) == len(small) + 3 and more() == few()


def test_the_feed_reads_everything_before_it_answers(published, client, count_queries):
    """No query runs while the body streams: no connection held open for a slow reader, and no
    error half-way through a download after a 200 was sent."""
    publish_releases()
    db.session.commit()
    response = client.get("/open-data/ocds/releases.json", buffered=False)
    assert response.status_code == 200
    with count_queries() as during:
        body = b"".join(response.response)
    response.close()
    assert during() == 0 and len(json.loads(body)["releases"]) >= 1
