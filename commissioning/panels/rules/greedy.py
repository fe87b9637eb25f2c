"""Greedy rules: by approvals (what most cities use) and the utilitarian greedy completion."""

from commissioning.panels.rules.common import amount, approval_counts, order_key


def greedy(costs, ballots, budget, trace=None, ties="approvals", unvoted=False):
    """Projects by approvals (ties as ``ties``), each added if it fits what is left.

    ``unvoted``: also fund, last and by the tie order, projects nobody chose while money is left
    (pabutools' greedy does; by default this one stops at the last project someone chose).
    ``trace``, a dict, is filled with each project's turn: its votes, its cost and the money left then.
    """
    approvals = approval_counts(costs, ballots)
    chosen, spent = [], 0
    considered = [p for p in costs if unvoted or approvals[p] > 0]
    tie = order_key(approvals, ties)
    for step, p in enumerate(sorted(considered, key=lambda p: (-approvals[p], tie(p))), start=1):
        left = budget - spent
        fits = costs[p] <= left
        if fits:
            chosen.append(p)
            spent += costs[p]
        if trace is not None:
            trace[p] = {"step": step, "votes": approvals[p], "cost": amount(costs[p]), "money": amount(left),
                        "funded": fits, "reason": "fitted" if fits else "did_not_fit"}
    if trace is not None:
        for p in costs:
            if p not in trace:
                trace[p] = {"step": None, "votes": 0, "cost": amount(costs[p]), "money": None, "funded": False,
                            "reason": "no_votes"}
    return sorted(chosen, key=str)


def utilitarian_greedy(costs, ballots, budget, chosen=(), utility="cost", ties="approvals", unvoted=False):
    """Add to ``chosen``, with what money is left, projects by utility per unit of cost.

    With cost utilities a supporter's utility is the project's cost, so the order is by approvals;
    with approval-count utilities it is approvals per unit of cost (a project that costs nothing
    and has votes first). Ties by ``ties``. As pabutools' greedy_utilitarian_welfare.
    """
    approvals = approval_counts(costs, ballots)
    tie = order_key(approvals, ties)
    chosen = list(chosen)
    taken = set(chosen)
    from fractions import Fraction   # not gmpy2: a sort key here, and importing gmpy2 costs start-up time

    def density(p):
        if approvals[p] == 0:
            return (1, 0)
        if utility == "cost":
            return (0, -approvals[p]) if costs[p] > 0 else (1, 0)  # cost utility of a free project is 0
        return (-1, 0) if costs[p] == 0 else (0, -Fraction(approvals[p]) / costs[p])

    left = budget - sum(costs[p] for p in chosen)
    for p in sorted((p for p in costs if p not in taken and (unvoted or approvals[p] > 0)),
                    key=lambda p: (density(p), tie(p))):
        if costs[p] <= left:
            chosen.append(p)
            left -= costs[p]
    return chosen


def score_greedy(costs, scores, supporters, budget, trace=None, ties="approvals", unvoted=False):
    """Greedy for cumulative and ordinal ballots: projects by total score (points or Borda), most
    first, ties by ``ties`` (with "approvals": more supporters first, then the lower id as text),
    each added if it fits what is left. ``supporters``: how many gave it points or ranked it;
    ``unvoted`` as for ``greedy``. As pabutools' greedy_utilitarian_welfare with a satisfaction of
    the voter's score times the project's cost (the cardinal Cost_Sat), so that score per unit of
    cost is the total score. The trace also gives each project's ``score`` as text.
    """
    chosen, spent = [], 0
    tie = order_key(supporters, ties)
    considered = [p for p in costs if unvoted or supporters[p] > 0]
    for step, p in enumerate(sorted(considered, key=lambda p: (-scores[p], tie(p))), start=1):
        left = budget - spent
        fits = costs[p] <= left
        if fits:
            chosen.append(p)
            spent += costs[p]
        if trace is not None:
            trace[p] = {"step": step, "votes": supporters[p], "score": str(scores[p]), "cost": amount(costs[p]),
                        "money": amount(left), "funded": fits, "reason": "fitted" if fits else "did_not_fit"}
    if trace is not None:
        for p in costs:
            if p not in trace:
                trace[p] = {"step": None, "votes": 0, "score": "0", "cost": amount(costs[p]), "money": None,
                            "funded": False, "reason": "no_votes"}
    return sorted(chosen, key=str)


def score_utilitarian_greedy(costs, scores, supporters, budget, chosen=(), ties="approvals", unvoted=False):
    """Add to ``chosen``, with what money is left, projects by total score per unit of cost (points or
    Borda score), as pabutools' greedy_utilitarian_welfare with Additive_Cardinal_Sat or
    Additive_Borda_Sat. A project that costs nothing always fits, so where it comes does not matter.
    """
    tie = order_key(supporters, ties)
    chosen = list(chosen)
    taken = set(chosen)
    from fractions import Fraction

    def density(p):
        return (0, 0) if costs[p] == 0 else (1, -Fraction(scores[p]) / costs[p])

    left = budget - sum(costs[p] for p in chosen)
    for p in sorted((p for p in costs if p not in taken and (unvoted or supporters[p] > 0)),
                    key=lambda p: (density(p), tie(p))):
        if costs[p] <= left:
            chosen.append(p)
            left -= costs[p]
    return chosen
