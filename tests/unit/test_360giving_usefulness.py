"""360Giving that is useful, not only valid (issue 16, seen 5).

Seen with the 360Giving Data Quality Tool: valid, but its usefulness checks flagged no recipient
location, no Last Modified, no Data Source and beneficiary locations without geographic codes;
the CSV joined several locations in one cell. The checks below restate, in our own code, the
usefulness checks of the tool (ThreeSixtyGiving/dataquality, lib360dataquality/cove/
threesixtygiving.py, USEFULNESS test classes, read at commit 783b746f) that apply to grants to
organisations; each one is shown to fail on a grant made to fail it.
"""
import csv
import io

import pytest

from commissioning.extensions import db
from commissioning.localities.models import Locality
from tests.unit.test_opendata import validator


def _orgs(grant):
    return grant.get("recipientOrganization", [])


USEFULNESS = {
    "recipient id uses the 360G prefix": lambda g: any(o["id"].lower().startswith("360g") for o in _orgs(g)),
    "funder id uses the 360G prefix": lambda g: any(o["id"].lower().startswith("360g")
                                                   for o in g.get("fundingOrganization", [])),
    "recipient has no charity or company number": lambda g: any(
        not (o.get("charityNumber") or o.get("companyNumber")) for o in _orgs(g)),
    "recipient has no postcode or geographic code": lambda g: any(
        not (o.get("postalCode") or any(loc.get("geoCode") for loc in o.get("location", []))) for o in _orgs(g)),
    "no grant programme": lambda g: not g.get("grantProgramme"),
    "no beneficiary location": lambda g: not g.get("beneficiaryLocation"),
    "a beneficiary location named without a code": lambda g: any(
        loc.get("name") and not loc.get("geoCode") for loc in g.get("beneficiaryLocation", [])),
    "title and description the same": lambda g: bool(g.get("title")) and g.get("title") == g.get("description"),
    "title longer than 140 characters": lambda g: len(g.get("title", "")) > 140,
    "no Last Modified": lambda g: not g.get("dateModified"),
    "no Data Source": lambda g: not g.get("dataSource"),
    "beneficiary location but no recipient location": lambda g: bool(g.get("beneficiaryLocation")) and not (
        _orgs(g)[0].get("postalCode") or _orgs(g)[0].get("location")),
    "neither planned dates nor a duration": lambda g: not any(
        d.get("duration") is not None or (d.get("startDate") and d.get("endDate")) for d in g.get("plannedDates", [])),
}


def problems(grants):
    found = {}
    for grant in grants:
        for name, fails in USEFULNESS.items():
            if fails(grant):
                found.setdefault(name, []).append(grant["id"])
    return found


def test_each_check_catches_a_grant_made_to_fail_it():
    bad = {"id": "360G-x-1", "title": "Same", "description": "Same", "currency": "GBP", "amountAwarded": 1,
           "awardDate": "2026-01-01", "recipientOrganization": [{"id": "360G-x-org-1", "name": "A"}],
           "fundingOrganization": [{"id": "360G-x-funder", "name": "B"}],
           "beneficiaryLocation": [{"name": "Somewhere"}]}
    long_title = {**bad, "title": "x" * 141}
    nothing = {**bad, "beneficiaryLocation": [], "grantProgramme": []}
    assert set(problems([bad, long_title, nothing])) == set(USEFULNESS)


@pytest.fixture
def demo(app):
    from commissioning.demo import load_demo_data
    load_demo_data()
    db.session.commit()


def test_the_demos_grants_pass_the_usefulness_checks(demo, client):
    data = client.get("/open-data/360giving.json").get_json()
    assert [e.message for e in validator().iter_errors(data)] == []
    grants = data["grants"]
    assert grants, "the demo publishes grants"
    assert problems(grants) == {}
    for grant in grants:
        assert grant["dataSource"].endswith("/open-data/360giving.json")
        for location in grant["beneficiaryLocation"]:
            assert (location["geoCode"], location["geoCodeType"], location["countryCode"]) == ("E08000012", "MD", "GB")


def test_the_csv_gives_each_location_its_own_group_of_columns(demo, client):
    from commissioning.opendata.grants import as_csv
    rows = list(csv.reader(io.StringIO(client.get("/open-data/360giving.csv").get_data(as_text=True))))
    head = rows[0]
    assert "Beneficiary Location:Name" not in head and "Beneficiary Location:0:Geographic Code" in head
    for column in ("Beneficiary Location:0:Name", "Recipient Org:Postal Code", "Last Modified", "Data Source"):
        assert all(r[head.index(column)] for r in rows[1:]), column
    # A grant for two places: one group of columns each, never two names joined in one cell.
    grant = {"id": "g", "title": "t", "description": "d", "currency": "GBP", "amountAwarded": 1,
             "awardDate": "2026-01-01", "recipientOrganization": [{"id": "GB-CHC-1", "name": "r"}],
             "fundingOrganization": [{"id": "GB-LAE-LIV", "name": "f"}], "grantProgramme": [{"code": "c", "title": "p"}],
             "fromOpenCall": "Yes", "dateModified": "2026-01-01T00:00:00+00:00", "dataSource": "https://x/",
             "beneficiaryLocation": [{"name": "Alt Valley", "geoCode": "E08000012", "geoCodeType": "MD"},
                                     {"name": "Everton", "geoCode": "E05000026", "geoCodeType": "WD"}]}
    one = {**grant, "id": "h", "beneficiaryLocation": [{"name": "South"}]}
    head, *rows = list(csv.reader(io.StringIO(as_csv([grant, one]))))
    row = dict(zip(head, rows[0]))
    assert (row["Beneficiary Location:0:Name"], row["Beneficiary Location:1:Name"]) == ("Alt Valley", "Everton")
    assert row["Beneficiary Location:1:Geographic Code Type"] == "WD"
    other = dict(zip(head, rows[1]))
    assert (other["Beneficiary Location:0:Name"], other["Beneficiary Location:1:Name"]) == ("South", "")


def test_a_locality_gets_its_code_in_plain_words(app, login, client, create_user):
    from commissioning.accounts.models import Role
    loc = Locality(name="Everton", slug="everton")
    db.session.add(loc)
    db.session.commit()
    login(create_user(Role.commissioner))
    url = f"/localities/{loc.id}/figures"
    form = {"young_people": "1200", "deprivation_index": "40", "rurality_index": "0"}
    refused = client.post(url, data={**form, "geo_code": "L5 0QW"})
    assert refused.status_code == 200 and "Enter an ONS code of a ward, district or other official area" in \
        refused.get_data(as_text=True)
    assert client.post(url, data={**form, "geo_code": " e05000026 "}).status_code == 302
    db.session.refresh(loc)
    assert (loc.geo_code, loc.geo_code_type) == ("E05000026", "WD")
