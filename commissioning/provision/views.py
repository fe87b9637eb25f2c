"""What's on (public), the venue bank, the provision directory and the gap view."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.accounts.models import Organisation, OrganisationType
from commissioning.core import notices
from commissioning.core.pagination import page_args
from commissioning.core.permissions import ensure, permission_required
from commissioning.core.money import format_pounds
from commissioning.extensions import db
from commissioning.localities.postcodes import postcode_lookup
from commissioning.localities.util import all_localities
from commissioning.needs.models import NeedStatus
from commissioning.needs.util import needs_by_status
from commissioning.provision import operations
from commissioning.provision.forms import NearForm, ProvisionForm, VenueForm, WhatsOnForm
from commissioning.provision.models import Provision, Venue
from commissioning.provision.util import distance_to, gap_table, list_venues, whats_on

bp = Blueprint("provision", __name__)


@bp.route("/whats-on")
def whats_on_page():
    form = WhatsOnForm(formdata=request.args)
    form.locality.choices = [("", "Anywhere")] + [(str(loc.id), loc.name) for loc in all_localities()]
    valid = form.validate() if request.args else True
    page, _ = page_args()
    near = form.postcode.place if valid else None
    results = whats_on(locality_id=int(form.locality.data) if valid and form.locality.data else None,
                       age=form.age.data if valid else None, day=form.day.data or None if valid else None,
                       cost=form.cost.data or None if valid else None, near=near, page=page)
    return render_template("provision/whats_on.html", results=results, filter_form=form, **_distances(near),
                           form=form if request.args and not valid else None, format_pounds=format_pounds)


def _distances(near):
    """What a page listing by distance needs: the place, a distance for each venue, the data's credit."""
    return {"near": near, "distance": distance_to(near),
            "attribution": postcode_lookup().attribution if near is not None else None}


def _near_form():
    """The postcode search of the venue and directory pages: (form, place or None, form with errors)."""
    form = NearForm(formdata=request.args)
    valid = form.validate() if request.args.get("postcode") else True
    return form, form.postcode.place if valid else None, None if valid else form


@bp.route("/venues")
def venues():
    near_form, near, errors = _near_form()
    return render_template("provision/venues.html", near_form=near_form, form=errors, **_distances(near),
                           venues=list_venues(public_only=not current_user.can_manage_venues(), near=near))


def _my_organisation_ids():
    return [m.organisation_id for m in current_user.memberships]


@bp.route("/provision")
@permission_required("can_manage_provision")
def directory():
    page, per_page = page_args()
    near_form, near, errors = _near_form()
    org_ids = None if current_user.is_commissioner else _my_organisation_ids()
    results = whats_on(organisation_ids=org_ids, published_only=False, near=near, page=page, per_page=per_page)
    return render_template("provision/directory.html", results=results, format_pounds=format_pounds,
                           near_form=near_form, form=errors, **_distances(near))


def _provider_choices():
    if current_user.is_commissioner:
        orgs = db.session.scalars(db.select(Organisation).where(
            Organisation.type.notin_([OrganisationType.local_authority, OrganisationType.police]))
            .order_by(Organisation.name)).all()
    else:
        orgs = [m.organisation for m in current_user.memberships]
    return [(o.id, o.name) for o in orgs]


@bp.route("/provision/new", methods=["GET", "POST"])
@bp.route("/provision/<int:provision_id>/edit", methods=["GET", "POST"])
@permission_required("can_manage_provision")
def edit(provision_id=None):
    entry = None
    if provision_id is not None:
        entry = db.session.get(Provision, provision_id) or abort(404)
        ensure(entry.can_edit(current_user))
    form = ProvisionForm(obj=entry) if request.method == "GET" else ProvisionForm()
    form.organisation.choices = _provider_choices()
    form.locality.choices = [(loc.id, loc.name) for loc in all_localities()]
    form.venue.choices = [("", "Not at a listed venue")] + [(v.id, f"{v.name}, {v.locality.name}")
                                                            for v in list_venues(public_only=not current_user.can_manage_venues())]
    if request.method == "GET" and entry:
        form.organisation.data, form.locality.data = entry.organisation_id, entry.locality_id
        form.venue.data, form.days.data, form.cost.data = entry.venue_id, entry.days, entry.cost_pence
    if form.validate_on_submit():
        ensure(form.organisation.data in {c[0] for c in form.organisation.choices})
        entry = operations.save_provision(
            entry, days=form.days.data, organisation_id=form.organisation.data, name=form.name.data.strip(),
            description=form.description.data, locality_id=form.locality.data, tier=form.tier.data,
            age_min=form.age_min.data, age_max=form.age_max.data, times=form.times.data,
            venue_id=form.venue.data, where=form.where.data, cost_pence=form.cost.data,
            contact=form.contact.data, is_published=form.is_published.data)
        notices.success(f"“{entry.name}” saved.")
        return redirect(url_for("provision.directory"))
    return render_template("provision/edit.html", form=form, entry=entry)


@bp.route("/venues/new", methods=["GET", "POST"])
@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@permission_required("can_manage_venues")
def edit_venue(venue_id=None):
    venue = db.session.get(Venue, venue_id) or abort(404) if venue_id is not None else None
    form = VenueForm(obj=venue) if request.method == "GET" else VenueForm()
    form.locality.choices = [(loc.id, loc.name) for loc in all_localities()]
    if request.method == "GET" and venue:
        form.locality.data = venue.locality_id
    if form.validate_on_submit():
        venue = operations.save_venue(
            venue, name=form.name.data.strip(), address=form.address.data, postcode=form.postcode.data,
            locality_id=form.locality.data, capacity=form.capacity.data, accessibility=form.accessibility.data,
            facilities=form.facilities.data, booking_contact=form.booking_contact.data,
            is_public=form.is_public.data)
        notices.success(f"Venue “{venue.name}” saved.")
        if venue.postcode and venue.easting is None:
            notices.info(f"We could not find where {venue.postcode} is, so searches by postcode list this "
                         "venue after the ones we can place. Check the postcode if that is wrong.")
        return redirect(url_for("provision.venues"))
    return render_template("provision/venue_edit.html", form=form, venue=venue)


@bp.route("/provision/gaps")
@permission_required("can_view_gaps")
def gaps():
    localities = all_localities()
    needs = needs_by_status(NeedStatus.draft, NeedStatus.evidenced, NeedStatus.prioritised)
    return render_template("provision/gaps.html", table=gap_table(needs, localities), localities=localities)
