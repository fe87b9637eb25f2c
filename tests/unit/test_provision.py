from commissioning.accounts.models import Role
from commissioning.core.vocabulary import Tier
from commissioning.extensions import db
from commissioning.provision.models import Provision


def test_whats_on_filters_by_locality_age_day_and_cost(client, create_provision, create_locality):
    north, south = create_locality("Northfield"), create_locality("Southfield")
    create_provision(name="Friday club", locality=north, days=("fri",), age_min=11, age_max=16)
    create_provision(name="Saturday studio", locality=south, days=("sat",), age_min=14, age_max=19, cost_pence=150)
    create_provision(name="Hidden draft", locality=north, is_published=False)

    def names(query):
        html = client.get(f"/whats-on?{query}").get_data(as_text=True)
        return {n for n in ("Friday club", "Saturday studio", "Hidden draft") if n in html}

    assert names("") == {"Friday club", "Saturday studio"}
    assert names(f"locality={north.id}") == {"Friday club"}
    assert names("age=18") == {"Saturday studio"}
    assert names("day=sat") == {"Saturday studio"}
    assert names("cost=free") == {"Friday club"}
    assert names("cost=paid") == {"Saturday studio"}
    html = client.get("/whats-on?age=99").get_data(as_text=True)
    assert "Enter an age between 5 and 25" in html
    assert "£1.50 a session" in client.get("/whats-on?cost=paid").get_data(as_text=True)


def test_venues_not_marked_public_are_hidden_from_the_public(client, login, create_user, create_venue):
    create_venue(name="Open Hall")
    create_venue(name="Back Office", is_public=False)
    html = client.get("/venues").get_data(as_text=True)
    assert "Open Hall" in html and "Back Office" not in html
    staff = login(create_user(Role.commissioner)).get("/venues").get_data(as_text=True)
    assert "Back Office" in staff


def test_provider_edits_only_its_own_provision(login, create_user, create_organisation, create_provision,
                                               create_locality):
    mine, theirs = create_organisation(), create_organisation()
    client = login(create_user(Role.provider, organisation=mine))
    own, other = create_provision(organisation=mine), create_provision(organisation=theirs, name="Their club")
    assert client.get(f"/provision/{own.id}/edit").status_code == 200
    assert client.get(f"/provision/{other.id}/edit").status_code == 403
    assert client.post(f"/provision/{other.id}/edit", data={}).status_code == 403
    listing = client.get("/provision").get_data(as_text=True)
    assert own.name in listing and "Their club" not in listing
    loc = create_locality()
    form = {"organisation": str(theirs.id), "name": "Sneaky", "description": "x", "locality": str(loc.id),
            "tier": "universal", "age_min": "11", "age_max": "16", "days": ["mon"], "where": "Hall",
            "cost": "0", "contact": "x"}
    response = client.post("/provision/new", data=form)
    assert response.status_code == 200 and "Select provider from the options shown" in response.get_data(as_text=True)
    assert not db.session.scalar(db.select(Provision.id).where(Provision.name == "Sneaky"))
    form["organisation"] = str(mine.id)
    assert client.post("/provision/new", data=form).status_code == 302
    created = db.session.scalars(db.select(Provision).where(Provision.name == "Sneaky")).one()
    assert created.organisation_id == mine.id and [d.value for d in created.days] == ["mon"]


def test_bad_provision_input_gets_clear_errors(login, create_user):
    client = login(create_user(Role.commissioner))
    html = client.post("/provision/new", data={"cost": "free!", "age_min": "15", "age_max": "12"}).get_data(as_text=True)
    for message in ("Enter the name", "Enter an amount in pounds", "The oldest age must be the same as or more",
                    "Choose at least one day", "Choose a venue or say where it happens"):
        assert message in html


def test_gap_view_marks_localities_without_matching_provision(login, create_user, create_need, create_locality,
                                                              create_provision):
    covered, uncovered = create_locality("Covered"), create_locality("Uncovered")
    need = create_need(title="Evening clubs", localities=[covered, uncovered], tier=Tier.universal)
    create_provision(locality=covered, tier=Tier.universal, name="Covered club")
    create_provision(locality=uncovered, tier=Tier.targeted, name="Wrong tier club")
    html = login(create_user(Role.commissioner)).get("/provision/gaps").get_data(as_text=True)
    row = html[html.index(need.title):]
    row = row[:row.index("</tr>")]
    assert "Covered club" in row and "Wrong tier club" not in row and "Gap" in row
