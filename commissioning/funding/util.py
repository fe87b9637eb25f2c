"""Reads and pure calculations for funding: balances, the allocation formula, the summary."""
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import case, func

from commissioning.extensions import db
from commissioning.funding.models import Allocation, Contribution, ContributionKind, LedgerEntry, LedgerKind, Pot, PotKind


@dataclass(frozen=True)
class LocalityInput:
    locality_id: int
    name: str
    young_people: int
    deprivation: Decimal
    rurality: Decimal


def allocate(total_pence, weights, localities):
    """Share ``total_pence`` between localities by weighted, normalised factors.

    ``weights`` are whole percentages for (young people, deprivation, rurality) adding up
    to 100. Each factor is divided in proportion to the localities' values (equally when
    every value is zero). Shares are exact fractions rounded down to the penny; the pence
    left over go one each to the largest remainders, ties broken by locality name and id,
    so the shares always add up to the pot and the same inputs always give the same result.
    Returns {locality_id: pence}.
    """
    if sum(weights) != 100 or any(w < 0 for w in weights):
        raise ValueError("The weights must be whole percentages that add up to 100")
    if total_pence < 0:
        raise ValueError("The amount cannot be negative")
    if not localities:
        raise ValueError("There are no localities to share between")
    factors = [
        [Fraction(loc.young_people) for loc in localities],
        [Fraction(loc.deprivation) for loc in localities],
        [Fraction(loc.rurality) for loc in localities],
    ]
    count = len(localities)
    exact = [Fraction(0)] * count
    for weight, values in zip(weights, factors):
        if any(v < 0 for v in values):
            raise ValueError("Locality figures cannot be negative")
        total = sum(values)
        for i, value in enumerate(values):
            part = (value / total) if total else Fraction(1, count)
            exact[i] += Fraction(weight, 100) * part * total_pence
    floors = [int(x) for x in exact]  # exact >= 0, so int() rounds down
    leftover = total_pence - sum(floors)
    order = sorted(range(count), key=lambda i: (-(exact[i] - floors[i]), localities[i].name, localities[i].locality_id))
    for i in order[:leftover]:
        floors[i] += 1
    return {loc.locality_id: floors[i] for i, loc in enumerate(localities)}


@dataclass
class PotBalance:
    amount: int
    committed: int
    spent: int
    youth_directed: int
    in_kind: int

    @property
    def uncommitted(self):
        return self.amount - self.committed


def balances(pot_ids=None):
    """{pot_id: PotBalance} in three queries whatever the number of pots."""
    pots = db.select(Pot.id, Pot.kind, Pot.amount_pence)
    if pot_ids is not None:
        pots = pots.where(Pot.id.in_(pot_ids))
    signed = case((LedgerEntry.kind == LedgerKind.commitment, LedgerEntry.amount_pence),
                  (LedgerEntry.kind == LedgerKind.release, -LedgerEntry.amount_pence), else_=0)
    ledger = (db.select(LedgerEntry.pot_id, func.coalesce(func.sum(signed), 0),
                        func.coalesce(func.sum(case((LedgerEntry.kind == LedgerKind.spend,
                                                     LedgerEntry.amount_pence), else_=0)), 0),
                        func.coalesce(func.sum(case((LedgerEntry.youth_directed, signed), else_=0)), 0))
              .group_by(LedgerEntry.pot_id))
    contributions = (db.select(Contribution.pot_id,
                               func.coalesce(func.sum(case((Contribution.kind == ContributionKind.cash,
                                                            Contribution.value_pence), else_=0)), 0),
                               func.coalesce(func.sum(case((Contribution.kind != ContributionKind.cash,
                                                            Contribution.value_pence), else_=0)), 0))
                     .group_by(Contribution.pot_id))
    if pot_ids is not None:
        ledger = ledger.where(LedgerEntry.pot_id.in_(pot_ids))
        contributions = contributions.where(Contribution.pot_id.in_(pot_ids))
    ledger_rows = {row[0]: row[1:] for row in db.session.execute(ledger)}
    contribution_rows = {row[0]: row[1:] for row in db.session.execute(contributions)}
    result = {}
    for pot_id, kind, amount in db.session.execute(pots):
        committed, spent, youth = ledger_rows.get(pot_id, (0, 0, 0))
        cash, in_kind = contribution_rows.get(pot_id, (0, 0))
        total = int(cash) if kind is PotKind.pooled_budget else int(amount)
        result[pot_id] = PotBalance(total, int(committed), int(spent), int(youth), int(in_kind))
    return result


def list_pots(year=None):
    query = db.select(Pot).order_by(Pot.financial_year.desc(), Pot.name)
    if year:
        query = query.where(Pot.financial_year == year)
    return db.session.scalars(query).all()


def contributions_by_partner(pot):
    """[(organisation, cash pence, in-kind pence)] for a pooled budget."""
    totals = defaultdict(lambda: [0, 0])
    names = {}
    for c in pot.contributions:
        names[c.organisation_id] = c.organisation
        totals[c.organisation_id][1 if c.kind.in_kind else 0] += c.value_pence
    return sorted(((names[k], v[0], v[1]) for k, v in totals.items()), key=lambda r: r[0].name)


def youth_directed_summary(target_percent):
    """Per financial year: the universal-services budget, how much young people directed, and the target."""
    pots = db.session.scalars(db.select(Pot)).all()
    bal = balances()
    years = defaultdict(lambda: {"universal": 0, "youth_directed": 0})
    for pot in pots:
        if pot.funds_universal:
            years[pot.financial_year]["universal"] += bal[pot.id].amount
        years[pot.financial_year]["youth_directed"] += bal[pot.id].youth_directed
    rows = []
    for year in sorted(years, reverse=True):
        universal, youth = years[year]["universal"], years[year]["youth_directed"]
        target = universal * target_percent // 100
        share = Fraction(youth, universal) * 100 if universal else Fraction(0)
        rows.append({"year": year, "universal": universal, "youth_directed": youth, "target": target,
                     "percent": float(share), "met": universal > 0 and youth >= target})
    return rows


def allocations_for(pot):
    return db.session.scalars(db.select(Allocation).where(Allocation.pot_id == pot.id)
                              .order_by(Allocation.version.desc())).all()
