"""Allocation rules for approval ballots, exact and independent of the web application.

Both rules break ties by more approvals first, then by project id in ascending string order.

- ``greedy``: projects in that order, each taken if it still fits the remaining budget.
- ``equal_shares``: the Method of Equal Shares with cost utilities. Every voter starts with
  an equal share of the budget; a project is bought when its supporters can pay for it, each
  paying at most ``rho x cost`` (never more than they have left), and the project needing the
  smallest ``rho`` is bought first. Completed by "add1": each voter's share is raised by one
  currency unit and the method run again, until the outcome is exhaustive (no other approved
  project still fits the budget) or would cost more than the budget, in which case the last
  outcome within the budget is kept.

Arithmetic is exact (integers and fractions), so the same ballots always give the same outcome.
"""
from gmpy2 import mpq  # exact rationals, an order of magnitude faster than fractions.Fraction

import numpy as np


class AllocationError(ValueError):
    pass


def _order_key(approvals):
    return lambda p: (-approvals[p], str(p))


def approval_counts(projects, ballots):
    counts = {p: 0 for p in projects}
    for ballot in ballots:
        for p in ballot:
            counts[p] += 1
    return counts


def greedy(costs, ballots, budget):
    """Projects by approvals (ties by id), each added if it fits what is left."""
    approvals = approval_counts(costs, ballots)
    chosen, spent = [], 0
    for p in sorted((p for p in costs if approvals[p] > 0), key=_order_key(approvals)):
        if spent + costs[p] <= budget:
            chosen.append(p)
            spent += costs[p]
    return sorted(chosen, key=str)


_CLOSE = 1e-9   # relative gap below which floating point is not trusted to decide
EXACT = object()  # approx_rho's answer when only exact arithmetic can tell


class _Wallets:
    """Every voter's budget, held as an index into a table of the distinct exact amounts.

    Voters who approved the same bought projects hold the same amount (and everyone who ran
    out holds zero), so a purchase touches a handful of amounts, not every voter: the per-voter
    work is a numpy gather, and the exact arithmetic runs once per distinct amount.
    """

    def __init__(self, share, n_voters):
        self.amounts = [share]            # table of distinct exact amounts
        self.approx = np.array([float(share)])  # the same as floats, only for sorting
        self.index = {share: 0}
        self.holding = np.zeros(n_voters, dtype=np.int32)  # voter -> row of ``amounts``

    def _row(self, amount):
        row = self.index.get(amount)
        if row is None:
            row = self.index[amount] = len(self.amounts)
            self.amounts.append(amount)
            if row == len(self.approx):
                self.approx = np.concatenate([self.approx, np.empty(len(self.approx))])
            self.approx[row] = float(amount)
        return row

    def _rows(self, voters):
        return np.flatnonzero(np.bincount(self.holding[voters], minlength=len(self.amounts)))

    def groups(self, voters):
        """[(amount, how many voters)] over ``voters``, poorest first."""
        counts = np.bincount(self.holding[voters], minlength=len(self.amounts))
        rows = np.flatnonzero(counts)
        approx = self.approx[rows]
        order = np.argsort(approx, kind="stable")
        gaps = np.diff(approx[order])
        if len(gaps) and gaps.min() <= 1e-9 * max(1.0, float(approx.max())):
            # Two amounts too close for floats to order: sort them exactly instead.
            return sorted((self.amounts[r], int(counts[r])) for r in rows.tolist())
        amounts, counts = self.amounts, counts.tolist()
        return [(amounts[r], counts[r]) for r in rows[order].tolist()]

    def rho(self, cost, voters):
        """The smallest rho with sum(min(b_i, rho * cost)) == cost over ``voters``, or None."""
        paid, left = mpq(0), len(voters)   # mpq throughout: int / int would be a float
        for amount, count in self.groups(voters):
            candidate = (cost - paid) / (left * cost)
            if candidate * cost <= amount:
                return candidate
            paid += amount * count     # all voters holding this amount pay all of it
            left -= count
        return None

    def approx_rho(self, cost, voters):
        """rho in floating point, or None when clearly unaffordable; ``EXACT`` when too close to call.

        Only used to rule projects out: a project whose approximate rho is clearly above the
        best one cannot win, and the few near the best are then compared with ``rho``.
        """
        counts = np.bincount(self.holding[voters], minlength=len(self.amounts))
        rows = np.flatnonzero(counts)
        amounts = self.approx[rows]
        order = np.argsort(amounts)
        amounts, counts = amounts[order], counts[rows[order]]
        spend = np.cumsum(amounts * counts)
        total = spend[-1]
        if total < cost * (1 - _CLOSE):
            return None
        if total <= cost * (1 + _CLOSE):
            return EXACT
        paid = np.concatenate(([0.0], spend[:-1]))
        left = len(voters) - np.concatenate(([0], np.cumsum(counts)[:-1]))
        price = (cost - paid) / left
        fits = np.flatnonzero(price <= amounts)
        if not len(fits):
            return EXACT
        k = fits[0]
        if abs(price[k] - amounts[k]) <= _CLOSE * amounts[k] or (
                k and abs(price[k - 1] - amounts[k - 1]) <= _CLOSE * amounts[k - 1]):
            return EXACT
        return float(price[k]) / cost

    def pay(self, voters, price):
        rows = self._rows(voters).tolist()
        mapping = np.arange(len(self.amounts), dtype=np.int32)
        for r in rows:
            amount = self.amounts[r]
            mapping[r] = self._row(amount - price if amount > price else mpq(0))
        if len(mapping) < len(self.amounts):
            mapping = np.concatenate([mapping, np.arange(len(mapping), len(self.amounts), dtype=np.int32)])
        self.holding[voters] = mapping[self.holding[voters]]


def _equal_shares_once(costs, supporters, approvals, share, n_voters):
    """One run of MES with every voter starting with ``share``; returns the selected projects.

    A project's rho never falls as others are bought (its supporters only lose money), so the
    last rho computed is a lower bound: projects are visited in order of that bound and the
    search stops as soon as the bound exceeds the best rho found this round.
    """
    wallets = _Wallets(share, n_voters)
    bound = {}
    for p, group in supporters.items():
        cost = costs[p]
        if cost > 0 and share * len(group) >= cost:
            bound[p] = 1 / len(group)
    chosen = []
    while bound:
        best, near = None, []      # the best approximate rho, and projects within _CLOSE of it
        for p in sorted(bound, key=bound.get):
            if best is not None and bound[p] > best * (1 + _CLOSE):
                break
            rho = wallets.approx_rho(costs[p], supporters[p])
            if rho is EXACT:
                rho = wallets.rho(costs[p], supporters[p])
                rho = None if rho is None else float(rho)
            if rho is None:
                del bound[p]  # unaffordable now, so for ever: budgets only fall
                continue
            bound[p] = rho * (1 - _CLOSE)
            near.append((rho, p))
            if best is None or rho < best:
                best = rho
        if best is None:
            break
        exact = {}
        for rho, p in near:
            if rho <= best * (1 + _CLOSE):
                exact[p] = wallets.rho(costs[p], supporters[p])
        lowest = min(exact.values())
        winner = min((p for p, rho in exact.items() if rho == lowest), key=_order_key(approvals))
        wallets.pay(supporters[winner], lowest * costs[winner])
        chosen.append(winner)
        del bound[winner]
    return chosen


def equal_shares(costs, ballots, budget, increment=1):
    """The Method of Equal Shares with cost utilities, completed by add1 (``increment`` per round)."""
    if not ballots:
        return []
    approvals = approval_counts(costs, ballots)
    supporters = {p: [] for p in costs}
    for i, ballot in enumerate(ballots):
        for p in ballot:
            supporters[p].append(i)
    supporters = {p: np.array(s, dtype=np.int64) for p, s in supporters.items() if s}
    candidates = [p for p in supporters if costs[p] > 0]
    share = mpq(budget, len(ballots))
    previous = None
    while True:
        outcome = _equal_shares_once(costs, supporters, approvals, share, len(ballots))
        spent = sum(costs[p] for p in outcome)
        if spent > budget:
            return sorted(previous or [], key=str)
        if increment is None:
            return sorted(outcome, key=str)
        chosen = set(outcome)
        if not any(spent + costs[p] <= budget for p in candidates if p not in chosen):
            return sorted(outcome, key=str)
        previous = outcome
        share += increment


RULES = {"greedy": greedy, "equal-shares": equal_shares}


def allocate(rule, costs, ballots, budget):
    if rule not in RULES:
        raise AllocationError(f"Unknown rule {rule!r}: use greedy or equal-shares")
    selected = RULES[rule](costs, ballots, budget)
    return {"rule": rule, "selected": sorted(selected, key=str), "cost": sum(costs[p] for p in selected)}
