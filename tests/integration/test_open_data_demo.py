"""The demo's own grants, published as 360Giving, are valid against the official schema."""
from tests.unit.test_opendata import validator


def test_the_demo_grants_are_valid_360giving(live_context, live_app):
    data = live_app.test_client().get("/open-data/360giving.json").get_json()
    assert len(data["grants"]) >= 2                  # the demo's grant round awarded two organisations
    assert [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(data)] == []
    names = {g["recipientOrganization"][0]["name"] for g in data["grants"]}
    assert "Alt Valley Youth Partnership" in names
