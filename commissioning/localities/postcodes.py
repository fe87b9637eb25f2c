"""Postcodes: checking what people type, and finding where a postcode is.

Places are British National Grid points (eastings and northings in metres), so the distance
between two is plain Pythagoras; across a city the grid's scale error is under 0.05%.
The lookup is pluggable (``POSTCODE_LOOKUP``): the shipped file for the demo's districts by
default, postcodes.io or a class of your own for a real council.
"""
import csv
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from flask import current_app

METRES_PER_MILE = 1609.344
SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "liverpool_postcodes.csv"

# The Royal Mail's shapes: outward code A9, A99, AA9, AA99, A9A or AA9A; inward code 9AA.
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FULL = re.compile(rf"^({_OUTWARD})([0-9][A-Z]{{2}})$")
_OUTWARD_ONLY = re.compile(rf"^{_OUTWARD}$")


@dataclass(frozen=True)
class Place:
    """Where a postcode is: a grid point, and whether it is a whole outward code's middle."""

    postcode: str
    easting: int
    northing: int
    approximate: bool = False


def normalise_postcode(text):
    """The postcode in its written form ("L11 0BP", or "L11" for an outward code), or None.

    Spaces anywhere and lower case are forgiven, as people type postcodes every way.
    """
    squeezed = re.sub(r"\s+", "", text or "").upper()
    full = _FULL.match(squeezed)
    if full:
        return f"{full.group(1)} {full.group(2)}"
    if _OUTWARD_ONLY.match(squeezed):
        return squeezed
    return None


def distance_miles(a, b):
    """Straight-line distance in miles between two places (or (easting, northing) pairs)."""
    ax, ay = (a.easting, a.northing) if isinstance(a, Place) else a
    bx, by = (b.easting, b.northing) if isinstance(b, Place) else b
    return math.hypot(ax - bx, ay - by) / METRES_PER_MILE


def format_miles(miles):
    """A distance as people say it: "0.4 miles", "1 mile", "12.3 miles"."""
    if miles < 0.05:
        return "less than 0.1 miles"
    rounded = round(miles, 1)
    text = f"{rounded:.1f}".removesuffix(".0")
    return f"{text} mile" if text == "1" else f"{text} miles"


class PostcodeLookup:
    """Finds the place of a normalised postcode; ``None`` when it does not know it.

    A subclass answers ``locate``; give its dotted name (``package.module:Class``) in
    ``POSTCODE_LOOKUP`` to use it. It is called for a person's search and when a venue is saved.
    ``attribution`` is shown beside distances measured with it, as open data licences ask.
    """

    attribution = None

    def locate(self, postcode):
        raise NotImplementedError


class ShippedPostcodes(PostcodeLookup):
    """The shipped file of Liverpool's postcode units; an outward code alone is its units' middle."""

    attribution = ("Distances from Ordnance Survey Code-Point Open: contains OS data © Crown copyright and database right; "
                   "contains Royal Mail data © Royal Mail copyright and database right. Open Government Licence.")

    def __init__(self, path=SHIPPED_FILE):
        self.units, self.outward = _read_points(str(path))

    def locate(self, postcode):
        if postcode in self.units:
            easting, northing = self.units[postcode]
            return Place(postcode, easting, northing)
        if postcode in self.outward:
            easting, northing = self.outward[postcode]
            return Place(postcode, easting, northing, approximate=True)
        return None


@lru_cache(maxsize=4)
def _read_points(path):
    """Postcode units and outward-code centroids (the mean of their units) from a shipped CSV."""
    units, sums = {}, {}
    with open(path, newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            point = int(row["easting"]), int(row["northing"])
            units[row["postcode"]] = point
            total = sums.setdefault(row["postcode"].split()[0], [0, 0, 0])
            total[0] += point[0]
            total[1] += point[1]
            total[2] += 1
    outward = {code: (round(e / n), round(no / n)) for code, (e, no, n) in sums.items()}
    return units, outward


class PostcodesIo(PostcodeLookup):
    """postcodes.io (ONS Postcode Directory, every UK postcode): off unless POSTCODE_LOOKUP says so.

    A failure of the service is "not known", so a search says so instead of breaking the page.
    """

    attribution = ("Distances from postcodes.io (ONS Postcode Directory): contains OS data © Crown copyright and "
                   "database right; contains Royal Mail data © Royal Mail copyright and database right; contains "
                   "National Statistics data © Crown copyright and database right. Open Government Licence.")

    def __init__(self, base_url="https://api.postcodes.io", timeout=3, opener=urlopen):
        self.base_url, self.timeout, self.opener = base_url.rstrip("/"), timeout, opener

    def locate(self, postcode):
        kind = "postcodes" if " " in postcode else "outcodes"
        try:
            with self.opener(f"{self.base_url}/{kind}/{quote(postcode)}", timeout=self.timeout) as response:
                result = json.load(response).get("result") or {}
        except (OSError, ValueError):
            return None
        if result.get("eastings") is None or result.get("northings") is None:
            return None
        return Place(postcode, int(result["eastings"]), int(result["northings"]), approximate=kind == "outcodes")


LOOKUPS = {"shipped": ShippedPostcodes, "postcodes.io": PostcodesIo}


def lookup_from_setting(setting):
    """The lookup a ``POSTCODE_LOOKUP`` value names: "shipped", "postcodes.io" or "module:Class"."""
    if setting in LOOKUPS:
        return LOOKUPS[setting]()
    module, _, name = setting.partition(":")
    if not name:
        raise ValueError(f"POSTCODE_LOOKUP must be shipped, postcodes.io or module:Class, not {setting!r}")
    return getattr(import_module(module), name)()


def postcode_lookup():
    """The app's lookup, made once per app."""
    lookup = current_app.extensions.get("postcode_lookup")
    if lookup is None:
        lookup = lookup_from_setting(current_app.config.get("POSTCODE_LOOKUP") or "shipped")
        current_app.extensions["postcode_lookup"] = lookup
    return lookup


def locate(text):
    """The place of what someone typed, or None (badly formed or not known)."""
    postcode = normalise_postcode(text)
    return postcode_lookup().locate(postcode) if postcode else None
