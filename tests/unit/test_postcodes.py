"""Postcode search (issue 17, phones and places): 'what's on' had only the council's area names."""
import io
import json

import pytest

from commissioning.accounts.models import Role
from commissioning.core.vocabulary import Tier
from commissioning.extensions import db
from commissioning.localities.postcodes import (
    Place, PostcodeLookup, PostcodesIo, ShippedPostcodes, distance_miles, format_miles, lookup_from_setting,
    normalise_postcode)
from commissioning.provision.operations import save_provision, save_venue

# Two venues of the demo, as Code-Point Open places them (British National Grid metres).
CROXTETH = ("L11 0BS", 340426, 395836)  # Croxteth Community Centre
LODGE_LANE = ("L8 0QE", 336967, 389195)  # Lodge Lane Arts Studio


@pytest.mark.parametrize("typed, written", [
    ("L11 0BP", "L11 0BP"), ("l110bp", "L11 0BP"), ("  l11   0bp ", "L11 0BP"), ("L8 0QE", "L8 0QE"),
    ("SW1A 1AA", "SW1A 1AA"), ("ec1a1bb", "EC1A 1BB"), ("l11", "L11"), ("L1", "L1"),
])
def test_postcodes_are_written_the_usual_way(typed, written):
    assert normalise_postcode(typed) == written


@pytest.mark.parametrize("typed", ["", "   ", "Croxteth", "L11 0B", "11 0BP", "L11 0BPX", "LL111 0BP", "L11-0BP!"])
def test_what_is_not_a_postcode_is_refused(typed):
    assert normalise_postcode(typed) is None


def test_the_shipped_file_places_real_postcodes_and_outward_codes():
    lookup = ShippedPostcodes()
    assert lookup.locate("L11 0BS") == Place(*CROXTETH)
    assert lookup.locate("L8 0QE") == Place(*LODGE_LANE)
    middle = lookup.locate("L11")
    assert middle.approximate and 338_000 < middle.easting < 342_500 and 393_000 < middle.northing < 398_000
    assert lookup.locate("SW1A 1AA") is None and lookup.locate("L11 9ZZ") is None


def test_distances_are_right_to_a_tenth_of_a_mile():
    # 3,459 m east and 6,641 m north: 7,488 m, 4.65 miles.
    assert distance_miles(Place(*CROXTETH), Place(*LODGE_LANE)) == pytest.approx(4.653, abs=0.001)
    assert format_miles(distance_miles(Place(*CROXTETH), Place(*LODGE_LANE))) == "4.7 miles"
    # L11 0BP is 204 m east and 26 m south of L11 0BS: 206 m.
    near = ShippedPostcodes().locate("L11 0BP")
    assert format_miles(distance_miles(near, Place(*CROXTETH))) == "0.1 miles"
    assert format_miles(0.0) == "less than 0.1 miles"
    assert format_miles(1.04) == "1 mile"
    assert format_miles(12.26) == "12.3 miles"


def _venue(name, postcode, locality):
    return save_venue(name=name, address="Somewhere, Liverpool", postcode=postcode, locality_id=locality.id,
                      is_public=True)


def _activity(name, org, locality, venue=None):
    return save_provision(days=("fri",), organisation_id=org.id, name=name, description="Games and music",
                          locality_id=locality.id, tier=Tier.universal, age_min=11, age_max=19,
                          venue_id=venue.id if venue else None, where=None if venue else "In the park",
                          cost_pence=0, contact="0151 000", is_published=True)


@pytest.fixture
def places(create_locality, create_organisation):
    loc, org = create_locality(), create_organisation()
    croxteth = _venue("Croxteth Community Centre", "l11 0bs", loc)
    lodge = _venue("Lodge Lane Arts Studio", "L80QE", loc)
    unknown = _venue("Hall with a postcode we cannot place", "L11 9ZZ", loc)
    _activity("A club in Toxteth", org, loc, lodge)
    _activity("B club in Croxteth", org, loc, croxteth)
    _activity("C street work", org, loc)
    _activity("D club at the unknown hall", org, loc, unknown)
    db.session.commit()
    return {"loc": loc, "org": org, "croxteth": croxteth, "lodge": lodge, "unknown": unknown}


def test_venues_are_located_from_their_postcode_when_saved(places):
    assert (places["croxteth"].postcode, places["croxteth"].easting, places["croxteth"].northing) == CROXTETH
    assert places["lodge"].postcode == "L8 0QE"
    assert places["unknown"].easting is None and places["unknown"].northing is None


def _order(html, names):
    found = [(html.index(n), n) for n in names if n in html]
    return [n for _, n in sorted(found)]


NAMES = ["A club in Toxteth", "B club in Croxteth", "C street work", "D club at the unknown hall"]


def test_whats_on_lists_the_nearest_first_with_the_distance(client, places):
    html = client.get("/whats-on").get_data(as_text=True)
    assert _order(html, NAMES) == NAMES  # by name without a postcode
    assert "Distance" not in html and "Code-Point" not in html
    html = client.get("/whats-on?postcode=l11+0bp").get_data(as_text=True)
    # Placed venues nearest first; then what has no place (no venue, or a venue we cannot place), by name.
    assert _order(html, NAMES) == ["B club in Croxteth", "A club in Toxteth", "C street work",
                                   "D club at the unknown hall"]
    assert "0.1 miles from L11 0BP" in html and "4.7 miles from L11 0BP" in html
    assert "nearest to L11 0BP first" in html
    assert "Distances from Ordnance Survey Code-Point Open: contains OS data" in html  # the licence's credit
    html = client.get("/whats-on?postcode=L8+0QE").get_data(as_text=True)
    assert _order(html, NAMES)[:2] == ["A club in Toxteth", "B club in Croxteth"]
    assert "less than 0.1 miles from L8 0QE" in html and "4.7 miles from L8 0QE" in html


def test_a_postcode_search_keeps_the_other_filters(client, places, create_locality):
    html = client.get(f"/whats-on?postcode=L11&locality={places['loc'].id}&age=12").get_data(as_text=True)
    assert _order(html, NAMES)[:2] == ["B club in Croxteth", "A club in Toxteth"]
    html = client.get("/whats-on?postcode=L11&age=30").get_data(as_text=True)
    assert "Enter an age between 5 and 25" in html


def test_a_badly_formed_postcode_is_refused_in_plain_words(client, places):
    response = client.get("/whats-on?postcode=Croxteth")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and "Enter a postcode, like L11 0BP" in html
    assert 'href="#postcode"' in html


def test_an_unknown_postcode_says_so_and_what_to_try(client, places):
    html = client.get("/whats-on?postcode=sw1a1aa").get_data(as_text=True)
    assert "We could not find SW1A 1AA. Check the postcode, or enter only its first part, like L11" in html
    assert _order(html, NAMES) == NAMES  # the list is still there, unordered by distance


def test_venues_page_lists_the_nearest_first(client, places):
    names = ["Croxteth Community Centre", "Lodge Lane Arts Studio", "Hall with a postcode we cannot place"]
    html = client.get("/venues?postcode=L8 0QE").get_data(as_text=True)
    assert _order(html, names) == ["Lodge Lane Arts Studio", "Croxteth Community Centre",
                                   "Hall with a postcode we cannot place"]
    assert "4.7 miles from L8 0QE" in html and "Not known: its postcode is not one we can place" in html
    assert "Enter a postcode, like L11 0BP" in client.get("/venues?postcode=nowhere").get_data(as_text=True)


def test_the_provision_directory_lists_the_nearest_first(login, create_user, places):
    client = login(create_user(Role.commissioner))
    html = client.get("/provision?postcode=L11+0BP").get_data(as_text=True)
    assert _order(html, NAMES)[:2] == ["B club in Croxteth", "A club in Toxteth"]
    assert "0.1 miles from L11 0BP" in html


def test_a_venue_postcode_is_checked_and_an_unplaceable_one_explained(login, create_user, create_locality):
    client = login(create_user(Role.commissioner))
    loc = create_locality()
    form = {"name": "New hall", "address": "1 Road", "locality": str(loc.id), "is_public": "y"}
    html = client.post("/venues/new", data={**form, "postcode": "hall"}, follow_redirects=True).get_data(as_text=True)
    assert "Enter a postcode, like L11 0BP" in html
    html = client.post("/venues/new", data={**form, "postcode": "L11 9ZZ"},
                       follow_redirects=True).get_data(as_text=True)
    assert "We could not find where L11 9ZZ is" in html


@pytest.mark.parametrize("path", ["/whats-on?postcode=L11+0BP", "/venues?postcode=L11+0BP"])
def test_a_postcode_search_takes_the_same_queries_however_many_rows(client, count_queries, create_locality,
                                                                   create_organisation, path):
    loc, org = create_locality(), create_organisation()

    def add(n):
        for i in range(n):
            venue = _venue(f"Hall {i} {n}", "L11 0BS" if i % 2 else "L8 0QE", loc)
            _activity(f"Club {i} {n}", org, loc, venue if i % 3 else None)
        db.session.commit()

    add(2)
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    add(12)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many() == few()


class _Answer(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_postcodes_io_is_pluggable_and_never_called_by_default(app):
    asked = []

    def opener(url, timeout):
        asked.append(url)
        return _Answer(json.dumps({"status": 200, "result": {"eastings": 340426, "northings": 395836}}).encode())

    lookup = PostcodesIo(opener=opener)
    assert lookup.locate("L11 0BS") == Place("L11 0BS", 340426, 395836)
    assert lookup.locate("L11").approximate
    assert asked == ["https://api.postcodes.io/postcodes/L11%200BS", "https://api.postcodes.io/outcodes/L11"]

    def down(url, timeout):
        raise OSError("no network")
    assert PostcodesIo(opener=down).locate("L11 0BS") is None

    assert app.config["POSTCODE_LOOKUP"] == "shipped"
    assert isinstance(lookup_from_setting("shipped"), ShippedPostcodes)
    assert isinstance(lookup_from_setting("postcodes.io"), PostcodesIo)
    assert isinstance(lookup_from_setting("tests.unit.test_postcodes:EverywhereIsCroxteth"), EverywhereIsCroxteth)
    with pytest.raises(ValueError):
        lookup_from_setting("nonsense")


class EverywhereIsCroxteth(PostcodeLookup):
    """A council's own lookup, plugged in by its dotted name."""

    def locate(self, postcode):
        return Place(postcode, *CROXTETH[1:])


def test_a_plugged_lookup_is_the_one_searches_use(app, client, places):
    app.extensions["postcode_lookup"] = EverywhereIsCroxteth()
    try:
        html = client.get("/whats-on?postcode=SW1A+1AA").get_data(as_text=True)
    finally:
        app.extensions.pop("postcode_lookup")
    assert "less than 0.1 miles from SW1A 1AA" in html


def test_migration_0021_places_the_venues_saved_before_it(tmp_path):
    """Venues of a council that upgrades get their place from the shipped file, not only new ones."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "places.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "BROKER_DIR": str(tmp_path / "broker"),
           "REDIS_URL": "", "APP_ENV": "development", "PYTHONPATH": str(root)}

    def cli(*args):
        done = subprocess.run([str(Path(sys.executable).with_name("commissioning")), *args], env=env, cwd=root,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    cli("db", "upgrade", "0021_postcodes")
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO localities (id, name, slug, young_people, deprivation_index, rurality_index) "
                    "VALUES (1, 'Alt Valley', 'alt-valley', 0, 0, 0)")
        for n, postcode in enumerate(["l11 0bs", "L2 2DH", None], start=1):
            con.execute("INSERT INTO venues (id, name, address, postcode, locality_id, is_public, created_at) "
                        "VALUES (?, ?, 'Somewhere', ?, 1, 1, '2026-01-01 00:00:00')", (n, f"Venue {n}", postcode))
    con.close()
    cli("db", "downgrade", "0019_panel_rounds")
    cli("db", "upgrade", "0021_postcodes")
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT postcode, easting, northing FROM venues ORDER BY id").fetchall()
    finally:
        con.close()
    # Placed from the file; a postcode the file does not have (L2 2DH) or none at all stays unplaced.
    assert rows == [("l11 0bs", 340426, 395836), ("L2 2DH", None, None), (None, None, None)]
