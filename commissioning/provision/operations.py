from commissioning.audit.operations import log_action
from commissioning.extensions import db
from commissioning.localities.postcodes import normalise_postcode, postcode_lookup
from commissioning.provision.models import Provision, Venue


def save_provision(provision=None, days=(), **fields):
    created = provision is None
    provision = provision or Provision()
    for key, value in fields.items():
        setattr(provision, key, value)
    provision.days = days
    db.session.add(provision)
    db.session.flush()
    log_action(provision, "provision.created" if created else "provision.updated",
               f"Provision “{provision.name}” {'added' if created else 'updated'}",
               organisation_id=provision.organisation_id)
    return provision


def save_venue(venue=None, **fields):
    """Save a venue; its postcode is written the usual way and located, for searches by distance."""
    created = venue is None
    venue = venue or Venue()
    for key, value in fields.items():
        setattr(venue, key, value)
    locate_venue(venue)
    db.session.add(venue)
    db.session.flush()
    log_action(venue, "venue.created" if created else "venue.updated",
               f"Venue “{venue.name}” {'added' if created else 'updated'}")
    return venue


def locate_venue(venue):
    """Put the venue at its postcode's point, or nowhere when the lookup does not know it."""
    postcode = normalise_postcode(venue.postcode)
    if postcode:
        venue.postcode = postcode
    place = postcode_lookup().locate(postcode) if postcode else None
    venue.easting, venue.northing = (place.easting, place.northing) if place else (None, None)
    return place
