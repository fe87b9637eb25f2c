"""The demo's own grants, published as 360Giving, are valid against the official schema."""
from tests.unit.test_opendata import validator


def test_the_demo_grants_are_valid_360giving(live_context, live_app):
    data = live_app.test_client().get("/open-data/360giving.json").get_json()
    assert len(data["grants"]) >= 2                  # the demo's grant round awarded two organisations
    assert [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(data)] == []
    names = {g["recipientOrganization"][0]["name"] for g in data["grants"]}
    assert "Alt Valley Youth Partnership" in names


def test_the_demo_procurements_are_valid_ocds(live_context, live_app):
    import json

    from tests.unit.test_opendata import ocds_errors
    package = json.loads(live_app.test_client().get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert len(package["releases"]) >= 4 and ocds_errors(package) == []
    tags = {tuple(r["tag"]) for r in package["releases"]}
    assert ("tender",) in tags and ("award", "contract") in tags
