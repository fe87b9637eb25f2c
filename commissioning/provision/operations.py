from commissioning.audit.operations import log_action
from commissioning.extensions import db
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
    created = venue is None
    venue = venue or Venue()
    for key, value in fields.items():
        setattr(venue, key, value)
    db.session.add(venue)
    db.session.flush()
    log_action(venue, "venue.created" if created else "venue.updated",
               f"Venue “{venue.name}” {'added' if created else 'updated'}")
    return venue
