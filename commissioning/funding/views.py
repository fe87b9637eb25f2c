"""Pots (funding streams and pooled budgets), contributions, allocation and the youth-directed summary."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.accounts.models import Organisation
from commissioning.core import notices
from commissioning.core.money import format_pounds
from commissioning.core.permissions import permission_required
from commissioning.extensions import db
from commissioning.funding import operations
from commissioning.funding.forms import AllocationForm, ContributionForm, LocalityFiguresForm, PotForm
from commissioning.funding.models import Allocation, LedgerEntry, Pot, PotKind
from commissioning.funding.util import (
    allocate, allocations_for, balances, contributions_by_partner, list_pots, youth_directed_summary)
from commissioning.localities.models import Locality
from commissioning.localities.util import all_localities

bp = Blueprint("funding", __name__)


@bp.app_template_filter("pounds")
def pounds_filter(pence):
    return format_pounds(pence)


def _organisation_choices():
    return [(o.id, o.name) for o in db.session.scalars(db.select(Organisation).order_by(Organisation.name))]


@bp.route("/funding")
@permission_required("can_view_funds")
def index():
    pots = list_pots()
    return render_template("funding/index.html", pots=pots, balances=balances(), localities=all_localities())


@bp.route("/funding/summary")
@permission_required("can_view_funds")
def summary():
    target = current_app.config["YOUTH_DIRECTED_TARGET_PERCENT"]
    return render_template("funding/summary.html", rows=youth_directed_summary(target), target=target)


@bp.route("/funding/pots/new", methods=["GET", "POST"])
@bp.route("/funding/pots/<int:pot_id>/edit", methods=["GET", "POST"])
@permission_required("can_manage_funds")
def edit_pot(pot_id=None):
    pot = (db.session.get(Pot, pot_id) or abort(404)) if pot_id is not None else None
    form = PotForm(obj=pot) if request.method == "GET" else PotForm()
    form.funder.choices = _organisation_choices()
    if request.method == "GET" and pot:
        form.funder.data, form.amount.data = pot.funder_id, pot.amount_pence
    if form.validate_on_submit():
        fields = dict(name=form.name.data.strip(), kind=form.kind.data, funder_id=form.funder.data,
                      financial_year=form.financial_year.data, ring_fenced=form.ring_fenced.data,
                      tiers=[t.value for t in form.tiers.data], conditions=form.conditions.data,
                      amount_pence=(form.amount.data or 0) if form.kind.data is PotKind.funding_stream else 0)
        pot = operations.update_pot(pot, **fields) if pot else operations.create_pot(**fields)
        notices.success(f"“{pot.name}” saved.")
        return redirect(url_for("funding.pot", pot_id=pot.id))
    return render_template("funding/pot_edit.html", form=form, pot=pot)


def _pot_page(pot, contribution_form, status=200):
    ledger = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.pot_id == pot.id)
                                .order_by(LedgerEntry.created_at.desc())).all()
    return render_template("funding/pot.html", pot=pot, balance=balances([pot.id])[pot.id], ledger=ledger,
                           partners=contributions_by_partner(pot), allocations=allocations_for(pot),
                           contribution_form=contribution_form,
                           form=contribution_form if contribution_form.errors else None), status


@bp.route("/funding/pots/<int:pot_id>")
@permission_required("can_view_funds")
def pot(pot_id):
    pot = db.session.get(Pot, pot_id) or abort(404)
    form = ContributionForm(formdata=None)
    form.organisation.choices = _organisation_choices()
    return _pot_page(pot, form)


@bp.route("/funding/pots/<int:pot_id>/contributions", methods=["POST"])
@permission_required("can_manage_funds")
def add_contribution(pot_id):
    pot = db.session.get(Pot, pot_id) or abort(404)
    if pot.kind is not PotKind.pooled_budget:
        abort(400)
    form = ContributionForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data)
        operations.add_contribution(pot, organisation, form.kind.data, form.description.data.strip(), form.value.data)
        notices.success("Contribution added.")
        return redirect(url_for("funding.pot", pot_id=pot.id, _anchor="contributions"))
    return _pot_page(pot, form, 400)


@bp.route("/funding/pots/<int:pot_id>/allocate", methods=["GET", "POST"])
@permission_required("can_manage_funds")
def allocate_pot(pot_id):
    pot = db.session.get(Pot, pot_id) or abort(404)
    form = AllocationForm()
    available = balances([pot.id])[pot.id].amount
    if request.method == "GET":
        form.amount.data = available
        form.weight_young_people.data, form.weight_deprivation.data, form.weight_rurality.data = 50, 35, 15
    preview = None
    localities = operations.locality_inputs()
    if form.validate_on_submit() and form.amount.data > available:
        form.amount.errors = [*form.amount.errors, f"You can share at most the pot’s {format_pounds(available)}"]
    elif form.validate_on_submit():
        if form.save.data:
            allocation = operations.save_allocation(pot, form.amount.data, form.weights(), form.note.data or None,
                                                     user=current_user)
            notices.success(f"Allocation version {allocation.version} saved.")
            return redirect(url_for("funding.allocation", allocation_id=allocation.id))
        shares = allocate(form.amount.data, form.weights(), localities)
        preview = [(loc, shares[loc.locality_id]) for loc in localities]
    return render_template("funding/allocate.html", pot=pot, form=form, preview=preview, localities=localities)


@bp.route("/funding/allocations/<int:allocation_id>")
@permission_required("can_view_funds")
def allocation(allocation_id):
    allocation = db.session.get(Allocation, allocation_id) or abort(404)
    return render_template("funding/allocation.html", allocation=allocation)


@bp.route("/localities/<int:locality_id>/figures", methods=["GET", "POST"])
@permission_required("can_manage_funds")
def locality_figures(locality_id):
    locality = db.session.get(Locality, locality_id) or abort(404)
    form = LocalityFiguresForm(obj=locality) if request.method == "GET" else LocalityFiguresForm()
    if form.validate_on_submit():
        operations.update_locality_figures(locality, form.young_people.data, form.deprivation_index.data,
                                           form.rurality_index.data, form.geo_code.data)
        notices.success(f"Figures for {locality.name} saved.")
        return redirect(url_for("funding.index", _anchor="localities"))
    return render_template("funding/locality_figures.html", form=form, locality=locality)
