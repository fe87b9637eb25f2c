from decimal import Decimal

from commissioning.audit.operations import log_action
from commissioning.core.money import format_pounds
from commissioning.extensions import db
from commissioning.funding.models import Allocation, AllocationShare, Contribution, LedgerEntry, LedgerKind, Pot
from commissioning.funding.util import LocalityInput, allocate, balances
from commissioning.localities.models import Locality


def create_pot(**fields):
    pot = Pot(**fields)
    db.session.add(pot)
    db.session.flush()
    log_action(pot, "pot.created", f"{pot.kind.title} {pot.name} ({pot.year_label}) created",
               amount_pence=pot.amount_pence)
    return pot


def update_pot(pot, **fields):
    before = {k: getattr(pot, k) for k in fields}
    for key, value in fields.items():
        setattr(pot, key, value)
    changed = {k: [str(before[k]), str(v)] for k, v in fields.items() if before[k] != v}
    log_action(pot, "pot.updated", f"{pot.name} updated", changes=changed)
    return pot


def add_contribution(pot, organisation, kind, description, value_pence):
    contribution = Contribution(pot=pot, organisation=organisation, kind=kind, description=description,
                                value_pence=value_pence)
    db.session.add(contribution)
    db.session.flush()
    log_action(pot, "pot.contribution_added",
               f"{organisation.name} contributes {format_pounds(value_pence)} ({kind.title}) to {pot.name}",
               contribution_id=contribution.id, kind=kind.value, value_pence=value_pence)
    return contribution


class InsufficientFunds(ValueError):
    pass


def commit_funds(pot, amount_pence, source_type, source_id, description, youth_directed=False):
    """Record an award against a pot; refused when the pot's uncommitted balance is too small."""
    available = balances([pot.id])[pot.id].uncommitted
    if amount_pence > available:
        raise InsufficientFunds(f"{pot.name} has only {format_pounds(available)} uncommitted")
    return _ledger(pot, LedgerKind.commitment, amount_pence, source_type, source_id, description, youth_directed)


def release_funds(pot, amount_pence, source_type, source_id, description, youth_directed=False):
    return _ledger(pot, LedgerKind.release, amount_pence, source_type, source_id, description, youth_directed)


def record_spend(pot, amount_pence, source_type, source_id, description):
    return _ledger(pot, LedgerKind.spend, amount_pence, source_type, source_id, description, False)


def _ledger(pot, kind, amount_pence, source_type, source_id, description, youth_directed):
    if amount_pence <= 0:
        raise ValueError("The amount must be more than zero")
    entry = LedgerEntry(pot_id=pot.id, kind=kind, amount_pence=amount_pence, source_type=source_type,
                        source_id=source_id, description=description, youth_directed=youth_directed)
    db.session.add(entry)
    db.session.flush()
    log_action(pot, f"pot.{kind.value}", f"{kind.title} {format_pounds(amount_pence)}: {description}",
               ledger_id=entry.id, source_type=source_type, source_id=source_id, youth_directed=youth_directed)
    return entry


def locality_inputs():
    return [LocalityInput(loc.id, loc.name, loc.young_people, Decimal(loc.deprivation_index),
                          Decimal(loc.rurality_index))
            for loc in db.session.scalars(db.select(Locality).order_by(Locality.name))]


def save_allocation(pot, total_pence, weights, note=None, user=None):
    """Run the formula on the localities' current figures and keep the result as a new version."""
    available = balances([pot.id])[pot.id].amount
    if total_pence > available:
        raise ValueError(f"You can share at most the pot’s {format_pounds(available)}")
    inputs = locality_inputs()
    shares = allocate(total_pence, weights, inputs)
    latest = db.session.scalar(db.select(db.func.max(Allocation.version)).where(Allocation.pot_id == pot.id))
    allocation = Allocation(pot=pot, version=(latest or 0) + 1, total_pence=total_pence,
                            weight_young_people=weights[0], weight_deprivation=weights[1],
                            weight_rurality=weights[2], note=note,
                            created_by_id=user.id if user else None)
    allocation.shares = [AllocationShare(locality_id=i.locality_id, locality_name=i.name,
                                         young_people=i.young_people, deprivation_index=i.deprivation,
                                         rurality_index=i.rurality, share_pence=shares[i.locality_id])
                         for i in inputs]
    db.session.add(allocation)
    db.session.flush()
    log_action(pot, "pot.allocation_saved",
               f"Allocation version {allocation.version} of {format_pounds(total_pence)} saved for {pot.name}",
               allocation_id=allocation.id, weights=list(weights),
               shares={i.name: shares[i.locality_id] for i in inputs})
    return allocation


def update_locality_figures(locality, young_people, deprivation_index, rurality_index, geo_code=None):
    """The allocation formula's figures for a locality, and the ONS code its open data is published with."""
    before = [locality.young_people, str(locality.deprivation_index), str(locality.rurality_index), locality.geo_code]
    locality.young_people = young_people
    locality.deprivation_index = deprivation_index
    locality.rurality_index = rurality_index
    locality.geo_code = geo_code or None
    log_action(locality, "locality.figures_updated", f"Allocation figures for {locality.name} updated",
               before=before, after=[young_people, str(deprivation_index), str(rurality_index), locality.geo_code])
    return locality
