"""Sequential Phragmén for approval ballots, exact (as pabutools' sequential_phragmen)."""
from commissioning.panels.rules.common import approval_counts, order_key


def sequential_phragmen(costs, ballots, budget, ties="approvals", unvoted=False):
    """Voters earn money continuously, all at the same rate; a project is bought as soon as its
    supporters have earned its cost between them, and their loads are then levelled.

    Each round, every project left gets the load its supporters would all carry if it were
    bought next: (their loads so far + its cost) / its approvals. The least is bought (ties by
    ``ties``); the rule stops when any project tied for the least does not fit in what is left.
    Only projects within the whole budget take part. ``unvoted``: projects nobody chose take part
    too (their load is infinite, so they come last, in tie order, while they fit), as in pabutools.
    """
    import numpy as np      # here, not at the top: `pb allocate` with another rule starts without numpy or gmpy2
    from gmpy2 import mpq
    approvals = approval_counts(costs, ballots)
    tie = order_key(approvals, ties)
    supporters = {p: [] for p in costs}
    for i, ballot in enumerate(ballots):
        for p in ballot:
            supporters[p].append(i)
    supporters = {p: np.array(s, dtype=np.int64) for p, s in supporters.items()}
    left = [p for p in costs if costs[p] <= budget and (unvoted or approvals[p] > 0)]
    # Voters bought for together carry the same load: keep the distinct loads, and each voter's.
    loads, holding = [mpq(0)], np.zeros(len(ballots), dtype=np.int32)
    chosen, spent = [], 0
    while left:
        best, tied = None, []
        for p in left:
            if approvals[p] == 0:
                load = None    # infinite
            else:
                counts = np.bincount(holding[supporters[p]], minlength=len(loads))
                rows = np.flatnonzero(counts)
                load = (sum((loads[r] * int(counts[r]) for r in rows.tolist()), mpq(0)) + costs[p]) / approvals[p]
            if not tied or _less(load, best):
                best, tied = load, [p]
            elif load == best:
                tied.append(p)
        if any(spent + costs[p] > budget for p in tied):
            break
        winner = min(tied, key=tie)
        chosen.append(winner)
        spent += costs[winner]
        left.remove(winner)
        if best is not None and len(supporters[winner]):
            loads.append(best)
            holding[supporters[winner]] = len(loads) - 1
    return chosen


def _less(a, b):
    """a < b where None is infinity."""
    if a is None:
        return False
    return b is None or a < b
