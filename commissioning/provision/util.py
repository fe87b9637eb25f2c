from collections import defaultdict

from sqlalchemy import case

from commissioning.extensions import db
from commissioning.localities.postcodes import distance_miles, format_miles
from commissioning.provision.models import Provision, Venue, day_bit


def _nearest_first(query, venue, near):
    """Order by distance from ``near``: placed venues nearest first, then everything with no place.

    Squared grid distance, as a float so a postcode far away cannot overflow an integer.
    """
    east = db.cast(venue.easting, db.Float) - near.easting
    north = db.cast(venue.northing, db.Float) - near.northing
    return query.order_by(case((venue.easting.is_(None), 1), else_=0), east * east + north * north)


def distance_to(near):
    """For a template: "1.2 miles" from ``near`` to a venue, or None when either has no place."""
    def distance(venue):
        if near is None or venue is None or venue.easting is None or venue.northing is None:
            return None
        return format_miles(distance_miles(near, (venue.easting, venue.northing)))
    return distance


def whats_on(locality_id=None, age=None, day=None, cost=None, organisation_ids=None, published_only=True,
             near=None, page=1, per_page=30):
    """Provision matching the public filters; organisation, locality and venue are joined in.

    With ``near`` (a place), the nearest come first; provision at no venue, or at a venue whose
    postcode is not known, has no place and follows the placed ones, by name.
    """
    query = db.select(Provision)
    if near is not None:
        query = _nearest_first(query.outerjoin(Venue, Provision.venue_id == Venue.id), Venue, near)
    if published_only:
        query = query.where(Provision.is_published.is_(True))
    if organisation_ids is not None:
        query = query.where(Provision.organisation_id.in_(organisation_ids))
    if locality_id:
        query = query.where(Provision.locality_id == locality_id)
    if age is not None:
        query = query.where(Provision.age_min <= age, Provision.age_max >= age)
    if day:
        query = query.where(Provision.days_mask.op("&")(day_bit(day)) != 0)
    if cost == "free":
        query = query.where(Provision.cost_pence == 0)
    elif cost == "paid":
        query = query.where(Provision.cost_pence > 0)
    query = query.order_by(Provision.name, Provision.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def list_venues(public_only=True, near=None):
    """Venues by name, or nearest first from ``near`` (those with no known place last)."""
    query = db.select(Venue)
    if near is not None:
        query = _nearest_first(query, Venue, near)
    query = query.order_by(Venue.name, Venue.id)
    if public_only:
        query = query.where(Venue.is_public.is_(True))
    return db.session.scalars(query).all()


def all_provision():
    return db.session.scalars(db.select(Provision).order_by(Provision.name)).all()


def gap_table(needs, localities):
    """For each need and locality: the published provision that fits the need's tier and ages.

    An empty cell is a gap: the "mapping provision, identifying gaps" function of the papers.
    """
    rows = db.session.scalars(db.select(Provision).where(Provision.is_published.is_(True))).all()
    by_locality = defaultdict(list)
    for p in rows:
        by_locality[p.locality_id].append(p)
    table = []
    for need in needs:
        need_localities = {loc.id for loc in need.localities}
        cells = []
        for loc in localities:
            matches = [p for p in by_locality[loc.id]
                       if p.tier == need.tier and p.age_min <= need.age_max and p.age_max >= need.age_min]
            cells.append({"locality": loc, "in_scope": loc.id in need_localities, "provision": matches})
        table.append({"need": need, "cells": cells})
    return table
