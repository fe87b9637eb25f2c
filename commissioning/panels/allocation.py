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
from fractions import Fraction


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


def _rho(cost, group, budgets):
    """The smallest rho with sum(min(b_i, rho * cost)) == cost over ``group``, or None if unaffordable."""
    paid, left = 0, len(group)
    for b in sorted(budgets[i] for i in group):
        candidate = (cost - paid) / (left * cost)
        if candidate * cost <= b:
            return candidate
        paid += b
        left -= 1
    return None


def _equal_shares_once(costs, supporters, approvals, share, n_voters):
    """One run of MES with every voter starting with ``share``; returns the selected projects.

    A project's rho never falls as others are bought (its supporters only lose money), so the
    last rho computed is a lower bound: projects are visited in order of that bound and the
    search stops as soon as the bound exceeds the best rho found this round.
    """
    budgets = [share] * n_voters
    bound = {}
    for p, group in supporters.items():
        cost = costs[p]
        if cost > 0 and share * len(group) >= cost:
            bound[p] = Fraction(1, len(group))
    chosen = []
    while bound:
        best, tied = None, []
        for p in sorted(bound, key=bound.get):
            if best is not None and bound[p] > best:
                break
            rho = _rho(costs[p], supporters[p], budgets)
            if rho is None:
                del bound[p]  # unaffordable now, so for ever: budgets only fall
                continue
            bound[p] = rho
            if best is None or rho < best:
                best, tied = rho, [p]
            elif rho == best:
                tied.append(p)
        if not tied:
            break
        winner = min(tied, key=_order_key(approvals))
        price = best * costs[winner]
        for i in supporters[winner]:
            budgets[i] -= min(budgets[i], price)
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
    supporters = {p: s for p, s in supporters.items() if s}
    candidates = [p for p in supporters if costs[p] > 0]
    share = Fraction(budget, len(ballots))
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
