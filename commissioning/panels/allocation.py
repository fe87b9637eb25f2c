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

Asked for a trace (``allocate(..., trace=True)``), each rule also returns its own figures for
every project, from which an explanation is written (never from a canned phrase): the step at
which its turn came, the money that could pay for it then, its cost, whether it was funded and
a reason code. Amounts are exact, written as strings ("2500" or "4000/3", in the units of the
costs). The trace is worked out after the outcome, so counting without one costs nothing extra.

Reason codes: ``fitted`` and ``did_not_fit`` (greedy: the money left when its turn came);
``bought`` and ``could_not_afford`` (equal shares: its supporters' money left between them);
``no_votes``; ``no_cost`` (equal shares buys nothing that costs nothing).
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


def _amount(value):
    """An exact amount as JSON-safe text: "2500", or "4000/3" when it is not whole."""
    return str(value)


def greedy(costs, ballots, budget, trace=None):
    """Projects by approvals (ties by id), each added if it fits what is left.

    ``trace``, a dict, is filled with each project's turn: its votes, its cost and the money left then.
    """
    approvals = approval_counts(costs, ballots)
    chosen, spent = [], 0
    for step, p in enumerate(sorted((p for p in costs if approvals[p] > 0), key=_order_key(approvals)), start=1):
        left = budget - spent
        fits = costs[p] <= left
        if fits:
            chosen.append(p)
            spent += costs[p]
        if trace is not None:
            trace[p] = {"step": step, "votes": approvals[p], "cost": _amount(costs[p]), "money": _amount(left),
                        "funded": fits, "reason": "fitted" if fits else "did_not_fit"}
    if trace is not None:
        for p in costs:
            if approvals[p] == 0:
                trace[p] = {"step": None, "votes": 0, "cost": _amount(costs[p]), "money": None, "funded": False,
                            "reason": "no_votes"}
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

    def total(self, voters):
        """What ``voters`` hold between them, exactly."""
        return sum((amount * count for amount, count in self.groups(voters)), mpq(0))

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


def _trace_equal_shares(costs, supporters, approvals, share, n_voters, order):
    """Each project's figures in the run that gave the outcome, replayed along its purchases ``order``.

    A project's turn is the step at which it was bought or, if it never was, the first step at
    which its supporters no longer had its cost between them (from then on they only lose money).
    Also what its supporters had paid towards the projects bought before that step.
    """
    wallets = _Wallets(share, n_voters)
    live = {p for p in supporters if costs[p] > 0}
    money = {p: share * len(supporters[p]) for p in live}
    paid = {p: {} for p in live}
    figures = {}

    def drop_unaffordable(step):
        for p in sorted(live, key=str):
            if money[p] < costs[p]:
                figures[p] = {"step": step, "money": _amount(money[p]), "funded": False,
                              "reason": "could_not_afford"}
                live.discard(p)

    for step, winner in enumerate(order, start=1):
        drop_unaffordable(step)
        rho = wallets.rho(costs[winner], supporters[winner])
        figures[winner] = {"step": step, "money": _amount(money[winner]), "funded": True, "reason": "bought",
                           "each_paid_at_most": _amount(rho * costs[winner])}
        live.discard(winner)
        wallets.pay(supporters[winner], rho * costs[winner])
        for p in live:
            left = wallets.total(supporters[p])
            if left != money[p]:
                paid[p][winner] = _amount(money[p] - left)
                money[p] = left
    drop_unaffordable(len(order) + 1)
    for p in costs:
        entry = figures.get(p)
        if entry is None:   # nobody chose it, or it costs nothing (and so is never bought)
            entry = figures[p] = {"step": None, "money": None, "funded": False,
                                  "reason": "no_votes" if approvals[p] == 0 else "no_cost"}
        entry.update(votes=approvals[p], cost=_amount(costs[p]), paid_before=paid.get(p, {}))
    return figures


def equal_shares(costs, ballots, budget, increment=1, trace=None):
    """The Method of Equal Shares with cost utilities, completed by add1 (``increment`` per round).

    ``trace``, a dict, is filled with the shares each voter started with, how the completion
    ended, and each project's figures in the run that gave the outcome.
    """
    if not ballots:
        if trace is not None:
            trace.update(share=None, completion=None, order=[],
                         projects={p: {"step": None, "votes": 0, "cost": _amount(c), "money": None,
                                       "funded": False, "reason": "no_votes", "paid_before": {}}
                                   for p, c in costs.items()})
        return []
    approvals = approval_counts(costs, ballots)
    supporters = {p: [] for p in costs}
    for i, ballot in enumerate(ballots):
        for p in ballot:
            supporters[p].append(i)
    supporters = {p: np.array(s, dtype=np.int64) for p, s in supporters.items() if s}
    candidates = [p for p in supporters if costs[p] > 0]
    start = share = mpq(budget, len(ballots))
    previous = None
    while True:
        outcome = _equal_shares_once(costs, supporters, approvals, share, len(ballots))
        spent = sum(costs[p] for p in outcome)
        if spent > budget:
            kept, stopped, beyond = previous or [], "over_budget", outcome
            share = share - increment if previous is not None else start
            break
        if increment is None:
            kept, stopped, beyond = outcome, "single_run", None
            break
        chosen = set(outcome)
        if not any(spent + costs[p] <= budget for p in candidates if p not in chosen):
            kept, stopped, beyond = outcome, "nothing_else_fits", None
            break
        previous = outcome
        share += increment
    if trace is not None:
        # ``beyond``: what one more raise of the shares would have bought, had it not cost too much.
        trace.update(
            share={"start": _amount(start), "used": _amount(share), "increment": increment,
                   "raises": int((share - start) / increment) if increment else 0},
            completion={"stopped": stopped,
                        "next_would_add": sorted(set(beyond) - set(kept), key=str) if beyond is not None else [],
                        "next_would_drop": sorted(set(kept) - set(beyond), key=str) if beyond is not None else [],
                        "next_would_cost": _amount(sum(costs[p] for p in beyond)) if beyond is not None else None},
            order=list(kept),
            projects=_trace_equal_shares(costs, supporters, approvals, share, len(ballots), kept))
    return sorted(kept, key=str)


RULES = {"greedy": greedy, "equal-shares": equal_shares}


def allocate(rule, costs, ballots, budget, trace=False):
    """The outcome; with ``trace``, also the rule's own figures for every project (see the module notes)."""
    if rule not in RULES:
        raise AllocationError(f"Unknown rule {rule!r}: use greedy or equal-shares")
    if not trace:
        selected = RULES[rule](costs, ballots, budget)
        return {"rule": rule, "selected": sorted(selected, key=str), "cost": sum(costs[p] for p in selected)}
    figures = {}
    if rule == "greedy":
        selected = greedy(costs, ballots, budget, trace=figures)
        figures = {"projects": figures, "order": [p for p, f in sorted(figures.items(), key=lambda i: i[1]["step"] or 0)
                                                  if f["funded"]]}
    else:
        selected = equal_shares(costs, ballots, budget, trace=figures)
    return {"rule": rule, "selected": sorted(selected, key=str), "cost": sum(costs[p] for p in selected),
            "trace": {"rule": rule, "budget": _amount(budget), "voters": len(ballots), **figures}}
