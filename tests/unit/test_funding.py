import random
from decimal import Decimal
from fractions import Fraction

import pytest

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.core.money import format_pounds, parse_pounds
from commissioning.extensions import db
from commissioning.funding.models import Allocation, ContributionKind, PotKind
from commissioning.funding.operations import (
    InsufficientFunds, add_contribution, commit_funds, release_funds, record_spend, save_allocation)
from commissioning.funding.util import LocalityInput, allocate, balances, youth_directed_summary


def loc(i, name, young, dep, rur):
    return LocalityInput(i, name, young, Decimal(dep), Decimal(rur))


def test_money_is_parsed_to_integer_pence_and_shown_in_pounds():
    assert parse_pounds("£1,234.5") == 123450 and parse_pounds("0") == 0 and parse_pounds("12.05") == 1205
    for bad in ("12.345", "-5", "abc", "", "1e3"):
        with pytest.raises(ValueError):
            parse_pounds(bad)
    assert format_pounds(123450) == "£1,234.50" and format_pounds(100000) == "£1,000"


def test_allocation_shares_add_up_to_the_pot_exactly_and_are_deterministic():
    localities = [loc(1, "Alt Valley", 9800, "48.5", "1.5"), loc(2, "City and North", 11200, "56.2", "0.5"),
                  loc(3, "East", 8900, "39.8", "1"), loc(4, "South", 10100, "27.4", "2.5"),
                  loc(5, "South Central", 8400, "44.1", "0.5")]
    shares = allocate(45_000_001, (50, 35, 15), localities)
    assert sum(shares.values()) == 45_000_001
    assert shares == allocate(45_000_001, (50, 35, 15), list(reversed(localities)))
    # Each share is within a penny of the exact proportional amount.
    total_young = sum(l.young_people for l in localities)
    for l in localities:
        exact = Fraction(45_000_001) * (Fraction(50, 100) * Fraction(l.young_people, total_young)
                                        + Fraction(35, 100) * Fraction(l.deprivation) / sum(Fraction(x.deprivation) for x in localities)
                                        + Fraction(15, 100) * Fraction(l.rurality) / sum(Fraction(x.rurality) for x in localities))
        assert abs(shares[l.locality_id] - exact) < 1


def test_allocation_remainder_goes_by_largest_remainder_then_name():
    three = [loc(1, "B", 1, "0", "0"), loc(2, "A", 1, "0", "0"), loc(3, "C", 1, "0", "0")]
    assert allocate(100, (100, 0, 0), three) == {2: 34, 1: 33, 3: 33}
    assert allocate(2, (0, 100, 0), three) == {2: 1, 1: 1, 3: 0}  # all-zero factor shared equally


def test_allocation_always_sums_on_random_inputs():
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(1, 8)
        localities = [loc(i, f"L{i}", rng.randint(0, 20000), str(rng.randint(0, 9999) / 100),
                          str(rng.randint(0, 500) / 100)) for i in range(n)]
        a = rng.randint(0, 100)
        b = rng.randint(0, 100 - a)
        total = rng.randint(0, 10**9)
        assert sum(allocate(total, (a, b, 100 - a - b), localities).values()) == total


def test_allocation_weights_must_total_100():
    with pytest.raises(ValueError, match="add up to 100"):
        allocate(100, (50, 30, 30), [loc(1, "A", 1, "1", "1")])


def test_saved_allocations_are_versioned_and_audited(create_pot, create_locality, create_user):
    create_locality("Only place")
    pot = create_pot(amount_pence=500_000)
    user = create_user(Role.commissioner)
    first = save_allocation(pot, 500_000, (60, 30, 10), user=user)
    second = save_allocation(pot, 400_000, (100, 0, 0), note="smaller", user=user)
    assert (first.version, second.version) == (1, 2)
    assert sum(s.share_pence for s in second.shares) == 400_000
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "pot.allocation_saved")
                                 .order_by(AuditEntry.id)).all()
    assert len(entries) == 2 and entries[-1].details["weights"] == [100, 0, 0]


def test_allocation_page_previews_then_saves(login, create_user, create_pot, create_locality):
    create_locality("Riverside", young_people=300)
    create_locality("Hilltop", young_people=100)
    pot = create_pot(amount_pence=1_000_000)
    client = login(create_user(Role.commissioner))
    bad = client.post(f"/funding/pots/{pot.id}/allocate", data={
        "amount": "10000", "weight_young_people": "50", "weight_deprivation": "30", "weight_rurality": "30",
        "preview": "Preview shares"})
    assert "must add up to 100%: they add up to 110%" in bad.get_data(as_text=True)
    data = {"amount": "10000", "weight_young_people": "100", "weight_deprivation": "0", "weight_rurality": "0"}
    preview = client.post(f"/funding/pots/{pot.id}/allocate", data={**data, "preview": "Preview shares"})
    assert "£7,500" in preview.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Allocation.id)).where(Allocation.pot_id == pot.id)) == 0
    saved = client.post(f"/funding/pots/{pot.id}/allocate", data={**data, "save": "Save this allocation"})
    assert saved.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Allocation.id)).where(Allocation.pot_id == pot.id)) == 1


def test_pooled_budget_totals_cash_and_in_kind_per_partner(create_pot, create_organisation, login, create_user):
    pot = create_pot(kind=PotKind.pooled_budget, amount_pence=0)
    council, police = create_organisation("Council"), create_organisation("Police")
    add_contribution(pot, council, ContributionKind.cash, "Base budget", 400_000)
    add_contribution(pot, police, ContributionKind.cash, "Fund", 50_000)
    add_contribution(pot, police, ContributionKind.staff, "Two officers", 30_000)
    db.session.commit()
    bal = balances([pot.id])[pot.id]
    assert (bal.amount, bal.in_kind) == (450_000, 30_000)
    html = login(create_user(Role.commissioner)).get(f"/funding/pots/{pot.id}").get_data(as_text=True)
    assert "£4,500" in html and "£300" in html


def test_commitments_cannot_exceed_the_uncommitted_balance(create_pot):
    pot = create_pot(amount_pence=100_000)
    commit_funds(pot, 60_000, "test", 1, "Grant A")
    with pytest.raises(InsufficientFunds, match="£400 uncommitted"):
        commit_funds(pot, 50_000, "test", 2, "Grant B")
    release_funds(pot, 10_000, "test", 1, "Grant A underspent")
    record_spend(pot, 20_000, "test", 1, "First instalment")
    bal = balances([pot.id])[pot.id]
    assert (bal.committed, bal.spent, bal.uncommitted) == (50_000, 20_000, 50_000)


def test_youth_directed_summary_against_the_target(create_pot):
    universal = create_pot(amount_pence=1_000_000, year=2030, tiers=("universal",))
    create_pot(amount_pence=5_000_000, year=2030, tiers=("targeted",))
    commit_funds(universal, 200_000, "panel", 1, "Panel awards", youth_directed=True)
    row = [r for r in youth_directed_summary(25) if r["year"] == 2030][0]
    assert (row["universal"], row["youth_directed"], row["target"], row["met"]) == (1_000_000, 200_000, 250_000, False)
    assert row["percent"] == 20.0
    commit_funds(universal, 50_000, "panel", 2, "More panel awards", youth_directed=True)
    assert [r for r in youth_directed_summary(25) if r["year"] == 2030][0]["met"] is True


def test_pot_form_validation(login, create_user, create_organisation):
    client = login(create_user(Role.commissioner))
    funder = create_organisation()
    html = client.post("/funding/pots/new", data={"name": "Stream", "kind": "funding_stream", "funder": str(funder.id),
                                                  "financial_year": "2026", "tiers": ["universal"],
                                                  "amount": "lots"}).get_data(as_text=True)
    assert "Enter an amount in pounds" in html
    html = client.post("/funding/pots/new", data={"name": "Stream", "kind": "funding_stream", "funder": str(funder.id),
                                                  "financial_year": "2026", "tiers": ["universal"]}).get_data(as_text=True)
    assert "Enter the amount of the funding stream" in html
    ok = client.post("/funding/pots/new", data={"name": "Stream", "kind": "funding_stream", "funder": str(funder.id),
                                                "financial_year": "2026", "tiers": ["universal"], "amount": "2,500.50"})
    assert ok.status_code == 302
