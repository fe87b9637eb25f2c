"""Equal shares with add1 on cumulative and ordinal ballots, decided in floating point where that is safe.

The exact count (``_scored_once`` and ``_scored_stable_rise`` in rules/mes.py) works in rationals
(gmpy2, whose import alone takes longer than counting a city district's ballots). Here the same
decisions are taken in floating point, each with a margin: a project on the edge of affordable, a
supporter on the edge of paying all they have, two projects whose prices per point are within
``_CLOSE`` of each other. Where a margin is not met, the answer is "unsure" and the caller falls
back on the exact count, so an outcome given here is the exact run's.

Add1 is not stepped a unit at a time. While a run buys the same projects in the same order, every
wallet can only grow with the starting share and every project's price per point (rho) can only
fall: a supporter who pays rho x utility pays less, one who pays all they have had more to start
with (by induction over the purchases). So if, over the shares from ``s`` to ``s + t``, each
round's winner at ``s`` (its highest rho) is still below every other project's rho at ``s + t``
(their lowest), and the projects left unaffordable at the end of the run at ``s + t`` (the most
money) are so, then every share in between gives the same run. Two runs decide a whole interval:
the run at ``s`` and the run at ``s + t`` made to buy what the run at ``s`` bought. The interval
is found by doubling ``t`` (from the last interval's length) and then halving the gap, and add1
goes on at the first share beyond it; where the intervals keep coming out empty, the next few
shares are run one by one before looking again (``pause``).
"""
from operator import mul, truediv

_CLOSE = 1e-9   # relative gap below which floating point is not trusted to decide
_ULP = 2.0 ** -52   # the relative rounding of one floating-point operation, at most
UNSURE = object()


class Election:
    """The distinct ballots of a scored election as plain lists, for the floating-point runs.

    ``groups``: {project: [(ballot, utility)]} over the distinct ballots with utility above 0;
    ``multiplicity``: each distinct ballot's voters; ``candidates``: the projects that cost
    something, in the order the exact count visits them.
    """

    def __init__(self, costs, groups, multiplicity, candidates, tie):
        self.size = len(multiplicity)
        self.tie = tie
        self.candidates = list(candidates)
        self.cost, self.members, self.utils, self.weights, self.points, self.first = {}, {}, {}, {}, {}, {}
        self.least = {}
        for p in self.candidates:
            members = groups[p]
            self.cost[p] = float(costs[p])
            self.members[p] = [g for g, _ in members]
            self.utils[p] = [float(u) for _, u in members]
            self.weights[p] = [float(multiplicity[g]) for g, _ in members]
            self.points[p] = float(sum(u * multiplicity[g] for g, u in members))
            self.first[p] = self.cost[p] / self.points[p]   # rho when nobody runs out: a lower bound
            self.least[p] = min(self.utils[p])

    def rho(self, p, wallet, tol):
        """p's price per point with these wallets, None if its supporters cannot afford it, UNSURE if too close."""
        cost, members = self.cost[p], self.members[p]
        held = list(map(wallet.__getitem__, members))
        total = sum(map(mul, held, self.weights[p]))
        slack = _CLOSE * (cost if cost > total else total) + tol
        if total < cost - slack:
            return None
        if total <= cost + slack:
            return UNSURE
        utils = self.utils[p]
        ratios = list(map(truediv, held, utils))
        rho = self.first[p]
        if (min(ratios) - rho) * self.least[p] > tol:   # every supporter can clearly pay rho x utility
            return rho
        # The poorest per point first: each pays all they have while rho x utility is more than that.
        paid, points, weights = 0.0, self.points[p], self.weights[p]
        for i in sorted(range(len(members)), key=ratios.__getitem__):
            rho = (cost - paid) / points
            due, has = rho * utils[i], held[i]
            if abs(due - has) <= tol:
                return UNSURE
            if due < has:
                # cost - paid loses precision where the poorest paid nearly all of it: rho is then not
                # known to within a small part of _CLOSE (the sum's rounding is at most one unit in the
                # last place of cost + paid per term), and two rhos that close could be misjudged.
                if (4 * len(members) + 4) * _ULP * (cost + paid) > _CLOSE / 8 * (cost - paid):
                    return UNSURE
                return rho
            paid += has * weights[i]
            points -= utils[i] * weights[i]
        return UNSURE

    def run(self, share):
        """One run at ``share`` (a float): (projects bought in order, each one's rho), or UNSURE."""
        tol = _CLOSE * max(share, 1.0)
        wallet = [share] * self.size
        lower = dict(self.first)
        live = set(self.candidates)
        chosen, prices = [], []
        tie = self.tie
        while live:
            best, near = None, []
            for p in sorted(live, key=lower.__getitem__):
                if best is not None and lower[p] > best * (1 + 2 * _CLOSE):
                    break
                rho = self.rho(p, wallet, tol)
                if rho is UNSURE:
                    return UNSURE
                if rho is None:
                    live.discard(p)   # unaffordable now, so for ever: money only falls
                    continue
                lower[p] = rho * (1 - _CLOSE)
                near.append((rho, p))
                if best is None or rho < best:
                    best = rho
            if best is None:
                break
            near = [p for rho, p in near if rho <= best * (1 + 2 * _CLOSE)]
            if len(near) > 1:
                return UNSURE    # a tie or a near one: only exact arithmetic can tell
            winner = near[0]
            if not self._pay(winner, best, wallet, tol):
                return UNSURE
            chosen.append(winner)
            prices.append(best)
            live.discard(winner)
        del tie
        return chosen, prices

    def _pay(self, p, rho, wallet, tol):
        for g, u in zip(self.members[p], self.utils[p]):
            due, has = rho * u, wallet[g]
            if abs(due - has) <= tol:
                return False
            wallet[g] = has - due if has > due else 0.0
        return True

    def holds(self, share, order, prices):
        """Whether every share from the one ``order`` and ``prices`` came from up to ``share`` gives that run.

        The run at ``share`` is made to buy ``order``; at each round every other project still
        affordable must have a rho clearly above the winner's rho at the lower share, and at the
        end every project left must be clearly unaffordable.
        """
        tol = _CLOSE * max(share, 1.0)
        wallet = [share] * self.size
        lower = dict(self.first)
        live = set(self.candidates)
        for winner, ceiling in zip(order, prices):
            live.discard(winner)
            limit = ceiling * (1 + 4 * _CLOSE)
            for p in list(live):
                if lower[p] > limit:
                    continue      # its rho, which never falls within a run, is already above
                rho = self.rho(p, wallet, tol)
                if rho is None:
                    live.discard(p)
                    continue
                if rho is UNSURE or rho <= limit:
                    return False
                lower[p] = rho * (1 - _CLOSE)
            rho = self.rho(winner, wallet, tol)
            if rho is None or rho is UNSURE or not self._pay(winner, rho, wallet, tol):
                return False
        for p in live:
            if self.rho(p, wallet, tol) is not None:
                return False
        return True

    def stretch(self, share, step, run, guess=1, probe=None):
        """The most steps ``t`` such that every share from ``share`` to ``share + t x step`` gives ``run``
        (a run's (order, rhos) at ``share``), as ``holds`` vouches: doubling from ``guess``, then halving."""
        probe = probe or self.holds
        good, bad, t = 0, None, guess
        while bad is None or bad - good > 1:
            if t is None:
                t = 2 * good + 1 if bad is None else (good + bad) // 2
            if t > 1 << 52:
                break
            if probe(share + t * step, *run):
                good = t
            else:
                bad = t
            t = None
        return good

    def add1(self, costs, budget, start, step, free=()):
        """Add1 from the share ``start`` (a float) by ``step``, every run decided in floating point.

        (the outcome, k, how it stopped, what the next share would have bought) where the share used
        is start + k x step, as the exact completion gives them; None as soon as a run cannot be decided.
        """
        free = list(free)
        k, previous, previous_k, guess = 0, free, 0, 1
        wait, misses = 0, 0
        while True:
            share = start + k * step
            run = self.run(share)
            if run is UNSURE:
                return None
            outcome = free + run[0]
            spent = sum(costs[p] for p in outcome)
            if spent > budget:
                return previous, previous_k, "over_budget", outcome
            chosen = set(outcome)
            if not any(spent + costs[p] <= budget for p in self.candidates if p not in chosen):
                return outcome, k, "nothing_else_fits", None
            good = 0
            if k >= wait:
                good = self.stretch(share, step, run, guess)
                guess = max(good, 1)
                wait, misses = pause(k, good, misses)
            previous, previous_k = outcome, k + good
            k += good + 1


def pause(k, good, misses):
    """(the step before which no interval is looked for again, misses so far) after one was looked for at
    step ``k`` and gave ``good`` steps: where the run changes at almost every step, looking costs a run
    each time for nothing, so after each miss in a row the next 2, 4, 8 or 16 steps are run one by one."""
    misses = 0 if good else min(misses + 1, 4)
    return k + good + 1 + (2 ** misses - 1 if misses else 0), misses
