"""The one input policy on forms: control characters are refused on the field, never a 500.

Seen: a NUL in a bid autosave, a clarification question, an API token name and an
organisation member invite gave 500 on PostgreSQL.
"""
import pytest

from commissioning.accounts.models import Membership, Role
from commissioning.api.models import ApiToken
from commissioning.bids import operations as bid_ops
from commissioning.core.forms import Form
from commissioning.extensions import db
from commissioning.opportunities.models import Clarification


def test_every_form_of_the_app_is_based_on_the_one_form():
    """A form built on FlaskForm directly would skip the request key and the input policy."""
    import importlib
    import inspect
    import pkgutil

    from flask_wtf import FlaskForm

    import commissioning
    stray = []
    for info in pkgutil.walk_packages(commissioning.__path__, "commissioning."):
        if info.name.endswith(".forms"):
            module = importlib.import_module(info.name)
            stray += [f"{info.name}.{name}" for name, cls in vars(module).items()
                      if inspect.isclass(cls) and issubclass(cls, FlaskForm) and not issubclass(cls, Form)
                      and cls.__module__ == module.__name__]
    assert stray == []


def test_a_nul_in_a_clarification_is_a_field_error(login, create_user, create_opportunity, create_organisation):
    opp = create_opportunity()
    org = create_organisation()
    provider = create_user(Role.provider, organisation=org)
    client = login(provider)
    response = client.post(f"/opportunities/{opp.id}/clarifications", data={"question": "Can we\x00 bid?"},
                           follow_redirects=True)
    assert response.status_code in (200, 400)
    assert "hidden control characters" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Clarification)) == 0


def test_a_nul_in_a_token_name_is_a_field_error(login, create_user):
    client = login(create_user(Role.commissioner))
    response = client.post("/account/api-tokens", data={"name": "laptop\x00", "scope": "read", "expiry": "30"})
    assert response.status_code in (200, 400)
    assert "hidden control characters" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_a_nul_in_a_member_invite_is_a_field_error(login, create_user, create_organisation):
    org = create_organisation()
    admin = create_user(Role.provider, organisation=org, is_org_admin=True)
    client = login(admin)
    before = db.session.scalar(db.select(db.func.count()).select_from(Membership))
    response = client.post(f"/organisations/{org.id}/members", data={"email": "new@example.org",
                                                                     "name": "New\x00 Person"})
    assert response.status_code in (200, 400)
    assert "hidden control characters" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == before


def test_a_nul_in_a_bid_autosave_is_refused_with_its_field(login, create_user, create_opportunity,
                                                            create_organisation, give_documents):
    opp = create_opportunity()
    org = create_organisation()
    give_documents(org)
    provider = create_user(Role.provider, organisation=org)
    bid = bid_ops.start_bid(opp, org, provider)
    db.session.flush()
    client = login(provider)
    response = client.post(f"/bids/{bid.id}/autosave", data={"answer-0": "We run\x00 clubs", "price": "100"})
    assert response.status_code in (400, 409)
    body = response.get_json()
    assert body["saved"] is False
    assert any("hidden control characters" in m for messages in body["errors"].values() for m in messages)


@pytest.mark.parametrize("text, multiline, refused", [
    ("plain words", False, False), ("two\nlines", True, False), ("two\nlines", False, True),
    ("tab\there", True, False), ("nul\x00", True, True), ("bell\x07", True, True), ("c1\x85", True, True),
])
def test_which_characters_are_refused(text, multiline, refused):
    from commissioning.core.inputs import has_control_characters
    assert has_control_characters(text, multiline=multiline) is refused
