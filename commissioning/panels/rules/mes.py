"""The Method of Equal Shares (MES) for approval ballots, exact, with its completions.

Every voter starts with an equal share of the budget. A project is bought when its supporters
can pay for it, each paying the same price ``p`` or, if they have less, all they have left; the
project bought next is the one whose supporters pay least per unit of their utility (``rho``).

- ``utility="cost"`` (pabutools ``Cost_Sat``): a supporter's utility is the project's cost, so
  rho = p / cost. A project that costs nothing gives nobody anything and is never bought.
- ``utility="approvals"`` (pabutools ``Cardinality_Sat``): utility 1 per approved project, so
  rho = p. A project that costs nothing and has a vote is selected before anything is bought.

Completions (``completion``):

- ``"add1"``: while the outcome is within the budget and some other project the method could buy
  still fits, raise every starting share by ``increment`` (one currency unit) and run again; keep
  the first outcome that leaves nothing else fitting or, when an outcome would cost more than the
  budget, the one before it (pabutools ``voter_budget_increment=1``; equalshares.net's Add1).
- ``"add1u"``: add1, then utilitarian greedy with what money is left (equalshares.net's default).
- ``"utilitarian_greedy"``: one run, then utilitarian greedy with what is left.
- ``"none"``: one run.

Add1 does not step one unit at a time. Along one run, every wallet is an affine function of the
starting share ``b`` for as long as every decision of the run stays as it is: which project each
round buys, which supporters pay all they have, which projects cannot be afforded. The next share
at which any of these decisions could change is the nearest root of those linear conditions; no
share below it can give another outcome, so the shares before it are skipped and the run is
repeated, exactly, at the first step at or beyond it (where replays keep finding no room to
jump, as when wallets cross the price every unit, they are tried less and less often). Roots are found in floating point with a
margin; a condition that floating point cannot call (within 1e-9 of changing already) stops the
jump, and the completion steps one unit as the reference does. Every outcome is computed exactly.

Where it steps (up to 5,000 voters), the next steps are worked out together in a batch: the runs
go round by round in step in one matrix of wallets, in floating point, and any run with a
decision floating point cannot make clearly is run again exactly when its turn comes.

Voters with the same ballot always hold the same amount, so where ballots repeat (at least two
voters per distinct ballot) each distinct ballot is counted once with its number of voters. A
small election (up to 32 projects and 2,000 distinct ballots) is first counted in plain Python,
without numpy, whose import takes longer than such a count: the same floating-point decisions
with the same margins, a run being handed to the exact path wherever those margins are not met.
numpy and gmpy2 are imported only when first needed.
"""
import math
from collections import Counter
from itertools import islice

from commissioning.panels.rules.common import (AllocationError, amount, approval_counts, distinct, order_key,
                                               score_totals)
from commissioning.panels.rules.scored import UNSURE, Election, pause

COMPLETIONS = ("add1", "add1u", "utilitarian_greedy", "none")
UTILITIES = ("cost", "approvals")

_CLOSE = 1e-9   # relative gap below which floating point is not trusted to decide
_MARGIN = 1e-6  # a jump is shortened by this fraction, against rounding in the roots
_WORTH = 8   # a replay costs some tens of batched runs: a jump of fewer steps is not looked for then
_PURE_PROJECTS, _PURE_BALLOTS = 32, 2000   # an election this small is counted without numpy at first ...
_PURE_RUNS = 256     # ... for this many add1 steps, after which replays and batches (numpy) take over,
_PURE_STREAK = 16    # or sooner, once this many steps in a row have bought the same
_BATCH_MAX = 32     # the most runs in one batch (measured: 8 and 16 are slower, 64 to 128 no faster)
_BATCH_VOTERS = 5000  # batches of runs pay off for small electorates (measured); beyond, sorting dominates
EXACT = object()  # approx_rho's answer when only exact arithmetic can tell


# numpy and gmpy2 are imported when first used, not with this module: together they cost over 100 ms
# of start-up, more than a small election takes to count. Runs of approval ballots without a trace
# need no gmpy2 (their rare exact steps use Fraction); cumulative and ordinal ballots need no numpy.
class _LazyNumpy:
    def __getattr__(self, name):
        import numpy
        globals()["np"] = numpy
        return getattr(numpy, name)


np = _LazyNumpy()


def mpq(*args):
    global mpq
    from gmpy2 import mpq as real
    mpq = real
    return real(*args)


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


class _Lazy:
    """Wallets for one run: floats to decide with, exact amounts only where floats cannot decide.

    Each row is a group of voters holding the same amount: the starting share, zero (everyone who
    has paid all they had), or a parent row less the price of one purchase. Exact amounts and
    prices are worked out from that history only when asked for, so a run whose every decision
    is clear in floating point does no exact arithmetic at all; a price is recorded as the
    partition that fixes it (who paid all they had, how many paid the price) until it is needed.

    ``weights``: how many voters each entry stands for (voters with the same ballot always hold
    the same amount, so they can be counted once); None when each is one voter.
    """

    def __init__(self, share, n_voters, weights=None):
        self.share = share
        self.weights = weights
        self.tol = _CLOSE * max(float(share), 1.0)   # float amounts are within ~1e-14 x share of exact
        self.value = np.zeros(64)
        self.value[1] = float(share)
        self.parent = np.full(64, -1, dtype=np.int64)
        self.paid = np.full(64, -1, dtype=np.int64)
        self.size = 2                                # row 0: nothing left; row 1: the starting share
        # Exact amounts in the share's own type, Fraction or mpq: the two are not mixed (gmpy2 can fail
        # comparing them).
        from fractions import Fraction
        self.zero = Fraction(0) if isinstance(share, (int, Fraction)) else mpq(0)
        self.known = {0: self.zero, 1: share}
        self.prices = []                             # per purchase: a Fraction, or what fixes it
        self.holding = np.ones(n_voters, dtype=np.int32)
        self.down = np.arange(n_voters, 0, -1, dtype=float)   # how many are left to pay, voter by voter

    def counts(self, voters):
        if self.weights is None:
            counts = np.bincount(self.holding.take(voters), minlength=self.size)
        else:
            counts = np.bincount(self.holding.take(voters), weights=self.weights.take(voters),
                                 minlength=self.size).astype(np.int64)   # whole numbers, exact in floats
        rows = np.flatnonzero(counts)
        return rows, counts[rows]

    def exact(self, row):
        path = []
        while row not in self.known:
            path.append(row)
            row = int(self.parent[row])
        amount = self.known[row]
        for r in reversed(path):
            amount = self.known[r] = amount - self.price(int(self.paid[r]))
        return amount

    def price(self, j):
        fixed = self.prices[j]
        if isinstance(fixed, tuple):
            cost, poor, counts, payers = fixed
            fixed = self.prices[j] = (cost - sum((self.exact(int(r)) * int(c) for r, c in zip(poor, counts)),
                                                 self.zero)) / payers
        return fixed

    def approx_price(self, cost, voters):
        """The price in floating point, None when clearly unaffordable, ``EXACT`` when too close to call.

        Worked voter by voter on the sorted amounts (a sort of the supporters' floats is cheaper
        than grouping them): the first voter who can pay the price left to share is where the
        payers start, and that is always the first voter of a group of equal amounts.
        """
        v = self.value.take(self.holding.take(voters))
        if self.weights is None:
            v.sort()
            spend = v.cumsum()
        else:   # the same, each entry counted as many times as it has voters
            order = v.argsort()
            v, w = v[order], self.weights.take(voters)[order]
            held = v * w
            spend = held.cumsum()
        total = float(spend[-1])
        slack = _CLOSE * (cost if cost > total else total) + self.tol
        if total < cost - slack:
            return None
        if total <= cost + slack:
            return EXACT
        if self.weights is None:
            spend -= v    # what the poorer voters before each one hold between them
            price = (cost - spend) / self.down[len(self.down) - len(v):]
        else:
            spend -= held
            counted = w.cumsum()
            price = (cost - spend) / (float(counted[-1]) - counted + w)
        k = int((price <= v).argmax())
        p, at = float(price[k]), float(v[k])
        if p > at:
            return EXACT
        if at - p <= self.tol or (k and abs(float(price[k - 1]) - float(v[k - 1])) <= self.tol):
            return EXACT
        return p

    def exact_price(self, cost, voters):
        """The price each supporter pays (or all they have, if less), exactly; None if they cannot afford it."""
        rows, counts = self.counts(voters)
        groups = sorted((self.exact(int(r)), int(c)) for r, c in zip(rows, counts))
        paid, left = self.zero, int(counts.sum())
        for amount, count in groups:
            candidate = (cost - paid) / left
            if candidate <= amount:
                return candidate
            paid += amount * count
            left -= count
        return None

    def pay(self, voters, cost, price_f, price=None):
        """``voters`` pay ``price`` (exact, or worked out only if needed) or all they have if less."""
        rows, counts = self.counts(voters)
        v = self.value[rows]
        poor, rich = v < price_f - self.tol, v > price_f + self.tol
        unsure = ~(poor | rich)
        if unsure.any():
            if price is None:
                price = self.exact_price(cost, voters)
            for i in np.flatnonzero(unsure).tolist():
                if self.exact(int(rows[i])) < price:
                    poor[i] = True
                else:
                    rich[i] = True
        j = len(self.prices)
        self.prices.append(price if price is not None else
                           (cost, rows[poor], counts[poor], int(counts[rich].sum())))
        new = int(rich.sum())
        while self.size + new > len(self.value):
            grow = len(self.value)
            self.value = np.concatenate([self.value, np.zeros(grow)])
            self.parent = np.concatenate([self.parent, np.full(grow, -1, dtype=np.int64)])
            self.paid = np.concatenate([self.paid, np.full(grow, -1, dtype=np.int64)])
        ids = np.arange(self.size, self.size + new)
        self.value[ids] = np.maximum(v[rich] - price_f, 0.0)
        self.parent[ids] = rows[rich]
        self.paid[ids] = j
        self.size += new
        mapping = np.arange(self.size, dtype=np.int32)   # the poor to row 0, each rich row to its new row
        mapping[rows[poor]] = 0
        mapping[rows[rich]] = ids
        self.holding[voters] = mapping.take(self.holding.take(voters))


def _sizes(supporters, weights):
    """How many voters support each project, where each entry stands for ``weights`` voters (None: one)."""
    if weights is None:
        return {p: len(group) for p, group in supporters.items()}
    return {p: int(weights[group].sum()) for p, group in supporters.items()}


def _equal_shares_once(costs, supporters, tie, share, n_voters, utility="cost", weights=None):
    """One run of MES with every voter starting with ``share``; returns the projects bought, in order.

    A project's rho never falls as others are bought (its supporters only lose money), so the
    last rho computed is a lower bound: projects are visited in order of that bound and the
    search stops as soon as the bound exceeds the best rho found this round. Rhos are compared
    per unit of utility: per unit of cost (``rho``) or per approval (``rho x cost``). Exact
    arithmetic decides only between projects floating point cannot tell apart. ``weights``: how
    many voters each of the ``n_voters`` entries stands for (None: one each).
    """
    per = (lambda p: 1) if utility == "cost" else (lambda p: costs[p])
    wallets = _Lazy(share, n_voters, weights)
    size = _sizes(supporters, weights)
    bound = {}
    for p, group in supporters.items():
        cost = costs[p]
        if cost > 0 and share * size[p] >= cost:
            bound[p] = float(per(p)) / size[p]
    chosen = []
    while bound:
        best, near = None, []      # the best approximate key, and projects within _CLOSE of it
        for p in sorted(bound, key=bound.get):
            if best is not None and bound[p] > best * (1 + _CLOSE):
                break
            cost = costs[p]
            price = wallets.approx_price(float(cost), supporters[p])
            unsure = price is EXACT
            if unsure:
                price = wallets.exact_price(cost, supporters[p])
                price = None if price is None else float(price)
            if price is None:
                del bound[p]  # unaffordable now, so for ever: budgets only fall
                continue
            key = price / float(cost) * float(per(p))
            bound[p] = key * (1 - _CLOSE)
            near.append((key, p, price, unsure))
            if best is None or key < best:
                best = key
        if best is None:
            break
        near = [entry for entry in near if entry[0] <= best * (1 + _CLOSE)]
        if len(near) == 1 and not near[0][3]:
            _, winner, price_f, _ = near[0]     # clearly the best: no exact arithmetic needed
            wallets.pay(supporters[winner], costs[winner], price_f)
        else:
            exact = {}
            for _, p, price_f, _ in near:
                price = wallets.exact_price(costs[p], supporters[p])
                exact[p] = (price / costs[p] * per(p), price, price_f)
            lowest = min(key for key, _, _ in exact.values())
            winner = min((p for p, e in exact.items() if e[0] == lowest), key=tie)
            wallets.pay(supporters[winner], costs[winner], exact[winner][2], exact[winner][1])
        chosen.append(winner)
        del bound[winner]
    return chosen


class _Sloped:
    """Wallets as affine functions of the starting share, in floating point: a value now and a slope.

    Only used to find how far the share can rise before the run could change; any decision it
    cannot make clearly ends the search with no rise.
    """

    def __init__(self, share, n_voters, weights=None):
        self.weights = weights   # voters per entry, as for _Lazy
        self.tol = _CLOSE * max(float(share), 1.0)
        self.value = np.array([0.0, float(share)])
        self.slope = np.array([0.0, 1.0])
        self.holding = np.ones(n_voters, dtype=np.int32)

    def counts(self, voters):
        counts = np.bincount(self.holding[voters], minlength=len(self.value))
        rows = np.flatnonzero(counts)
        return rows, counts[rows]

    def pay(self, voters, price, dprice):
        """Supporters pay ``price`` or all they have; False if one is too close to the price to tell."""
        rows, _ = self.counts(voters)
        v = self.value[rows]
        poor, rich = v < price - self.tol, v > price + self.tol
        if not (poor | rich).all():
            return False
        ids = np.arange(len(self.value), len(self.value) + int(rich.sum()))
        self.value = np.concatenate([self.value, v[rich] - price])
        self.slope = np.concatenate([self.slope, self.slope[rows[rich]] - dprice])
        mapping = np.arange(len(self.value), dtype=np.int32)
        mapping[rows[poor]] = 0
        mapping[rows[rich]] = ids
        self.holding[voters] = mapping[self.holding[voters]]
        return True


def _roots(g0, g1, scale):
    """The least x >= 0 at which some g0 + g1 * x (each >= 0 now) could turn negative; inf if none.

    A condition already within _CLOSE of its scale counts as changing at once unless it is
    clearly moving away, since floating point cannot tell which side of zero it is on.
    """
    g0, g1, scale = np.asarray(g0, float), np.asarray(g1, float), np.asarray(scale, float)
    tight = g0 <= _CLOSE * scale
    if np.any(tight & (g1 <= _CLOSE)):
        return 0.0
    falling = ~tight & (g1 < 0)
    if not np.any(falling):
        return math.inf
    return float(np.min(g0[falling] / -g1[falling]))


def _affine_price(sloped, cost, voters, partition=True):
    """(price, its slope, the root at which its partition could change, whether all pay the price) for
    ``voters`` paying ``cost``; (None, None, root, False) if they cannot afford it, root being where
    they first could. When all pay the price, it is cost / len(voters) exactly, whatever the share.
    Without ``partition``, the root is only 0 when a supporter is on the edge (see _stable_rise)."""
    held = sloped.holding[voters]
    v, s = sloped.value[held], sloped.slope[held]
    order = np.argsort(v, kind="stable")
    v, s = v[order], s[order]
    if sloped.weights is None:
        w = None
        total, dtotal = float(v.sum()), float(s.sum())
    else:   # each entry counted as many times as it has voters
        w = sloped.weights[voters][order]
        total, dtotal = float((v * w).sum()), float((s * w).sum())
    slack = _CLOSE * cost + sloped.tol
    if total < cost - slack:
        return None, None, _roots([cost - total], [-dtotal], [cost]), False
    if total <= cost + slack:
        return None, None, 0.0, False      # on the edge of affordable: floating point cannot say more
    if w is None:
        spend = np.cumsum(v) - v
        left = np.arange(len(v), 0, -1)
    else:
        spend = np.cumsum(v * w) - v * w
        left = float(w.sum()) - np.cumsum(w) + w
    price = (cost - spend) / left
    fits = price <= v
    k = int(np.argmax(fits))
    if not fits[k]:
        return None, None, 0.0, False
    p = float(price[k])
    dp = -float(s[:k].sum() if w is None else (s[:k] * w[:k]).sum()) / float(left[k])
    scale = np.abs(v) + abs(p) + sloped.tol / _CLOSE
    if not partition:
        # Only whether a supporter is on the edge of paying all they have: then the slope is in doubt.
        return p, dp, (0.0 if np.any(np.abs(v - p) <= _CLOSE * scale) else math.inf), k == 0
    root = min(_roots(p - v[:k], dp - s[:k], scale[:k]) if k else math.inf,
               _roots(v[k:] - p, s[k:] - dp, scale[k:]))
    return p, dp, root, k == 0


def _stable_rise(costs, supporters, utility, share, order, n_voters, enough=0.0, twins=None, weights=None):
    """How far every starting share can rise above ``share`` with the run keeping every decision it made.

    Replays the purchases ``order`` with wallets affine in the share. For each round and every
    project still in play: the winner's partition into supporters who pay all they have and those
    who pay the price; each other project's rho staying no lower than the winner's; a project
    that cannot be afforded staying so. Returns the nearest root (a float,
    a lower bound) or 0 when floating point cannot be sure of any rise. ``enough``: stop as
    soon as the rise found is no more than this (one step: the caller needs no more).

    Another project's own partition may change without harm: with the wallets affine in the share
    (which the winners' partitions guarantee), sum(min(wallet, p)) is concave in (share, p), so
    the price that makes it the cost is convex in the share and never falls below its tangent.
    Its rho staying above the winner's along that tangent is enough. ``twins``:
    project -> a key shared by projects with the same cost and the same supporters, whose rhos
    are equal at every share, so that their tie (settled by the fixed tie order) never changes.
    ``weights``: voters per entry, as for _equal_shares_once.
    """
    twins = twins or {}
    per = (lambda p: 1.0) if utility == "cost" else (lambda p: float(costs[p]))
    sloped = _Sloped(share, n_voters, weights)
    live = [p for p in supporters if costs[p] > 0]
    nearest = math.inf
    for winner in list(order) + [None]:
        keys, still = {}, []
        for p in live:
            price, dprice, root, flat = _affine_price(sloped, float(costs[p]), supporters[p], p == winner)
            nearest = min(nearest, root)
            if price is not None:
                keys[p] = (price, dprice, price / float(costs[p]) * per(p), dprice / float(costs[p]) * per(p), flat)
                still.append(p)
            # else: unaffordable now, and so for ever in this run; its root is counted
        if nearest <= enough or winner is None:
            return nearest
        if winner not in keys:
            return 0.0   # floating point lost the winner: no jump
        _, _, key_w, dkey_w, flat_w = keys[winner]
        others = [p for p in still if p != winner]
        twin = twins.get(winner)
        # Twins tie for ever; and two projects whose supporters all pay the price have rhos that do
        # not depend on the share (cost / supporters, per unit of utility), so neither can overtake.
        rivals = [p for p in others if (twin is None or twins.get(p) != twin) and not (flat_w and keys[p][4])]
        if rivals:
            g0 = np.array([keys[p][2] - key_w for p in rivals])
            g1 = np.array([keys[p][3] - dkey_w for p in rivals])
            scale = np.array([abs(keys[p][2]) + abs(key_w) for p in rivals])
            nearest = min(nearest, _roots(g0, g1, scale))
            if nearest <= enough:
                return nearest
        if not sloped.pay(supporters[winner], keys[winner][0], keys[winner][1]):
            return 0.0
        live = others
    return nearest


def _equal_shares_batch(costs, supporters, tie, shares, n_voters, utility="cost", weights=None):
    """Runs of MES at several starting shares at once, in floating point; None for a run it cannot settle.

    The runs go round by round in step, each with its own wallets (a row of a matrix), so one
    numpy operation prices a project for every run. A run in which any decision is too close
    for floating point (a near tie between projects, a supporter on the edge of paying all they
    have, a project on the edge of affordable) is given up, and the caller runs it exactly. A near
    tie is settled here only between projects every supporter of which pays the same price: their
    rhos are then exactly cost / supporters per unit of utility, compared as fractions. ``weights``:
    voters per entry, as for _equal_shares_once.
    """
    per = (lambda p: 1.0) if utility == "cost" else (lambda p: float(costs[p]))
    size = _sizes(supporters, weights)
    k_runs = len(shares)
    start = np.array([float(x) for x in shares])
    wallets = np.repeat(start[:, None], n_voters, axis=1)
    tol = _CLOSE * max(float(start.max()), 1.0)
    down = np.arange(n_voters, 0, -1, dtype=float)
    everyone = np.arange(k_runs)
    # Each project's lower bound on its key in every run, one row per project (a matrix, so that the
    # projects are ordered and dropped with one operation a round rather than one per project).
    projects = [p for p in supporters if costs[p] > 0]
    bound = np.empty((len(projects), k_runs))
    for i, p in enumerate(projects):
        bound[i] = float(per(p)) / size[p]
        bound[i, start * size[p] < float(costs[p]) * (1 - _CLOSE)] = math.inf   # clearly unaffordable
    live = np.ones(len(projects), dtype=bool)   # projects not yet out of every run
    unsure = np.zeros(k_runs, dtype=bool)
    alive = np.ones(k_runs, dtype=bool)
    chosen = [[] for _ in range(k_runs)]
    while alive.any() and live.any():
        best = np.full(k_runs, math.inf)
        # A project is skipped where its bound is above best x (1 + _CLOSE) in every run still alive:
        # ``above`` is that threshold, -inf in the runs no longer alive.
        above = np.where(alive, math.inf, -math.inf)
        keys, flat = {}, {}
        least = np.where(alive, bound, math.inf).min(axis=1)
        highest = math.inf   # the highest threshold over the runs alive
        for i in np.flatnonzero(live)[np.argsort(least[live], kind="stable")].tolist():
            if least[i] > highest:
                break   # this project's bounds, and so those of every one after it, are above all thresholds
            # Skipped, not a stop: the order is by the least bound over the runs, not each run's own.
            if (bound[i] > above).all():
                continue
            p = projects[i]
            cost = float(costs[p])
            group = supporters[p]
            v = wallets.take(group, axis=1)
            if weights is None:
                v.sort(axis=1)
                spend = v.cumsum(axis=1)
                total = spend[:, -1].copy()
                spend -= v
                left = down[n_voters - len(group):]
            else:   # each entry counted as many times as it has voters
                order = v.argsort(axis=1)
                v = np.take_along_axis(v, order, axis=1)
                w = weights[group][order]
                held = v * w
                total = held.sum(axis=1)
                left = float(size[p]) - w.cumsum(axis=1) + w
                spend = held.cumsum(axis=1) - held
            slack = _CLOSE * np.maximum(total, cost) + tol
            unaffordable = total < cost - slack
            edge = ~unaffordable & (total <= cost + slack)
            price = (cost - spend) / left
            fits = price <= v
            at = fits.argmax(axis=1)
            flat_at = at + everyone * len(group)      # each run's entry ``at``, in the flattened matrix
            p_at, v_at = price.take(flat_at), v.take(flat_at)
            before = at > 0
            prev = np.abs(price.take(flat_at - 1) - v.take(flat_at - 1)) <= tol   # unused where not before
            doubt = edge | (~unaffordable & (~fits.take(flat_at) | (v_at - p_at <= tol) | (before & prev)))
            gone = ~np.isfinite(bound[i])
            unsure |= doubt & alive & ~gone
            key = np.where(unaffordable | doubt | gone, math.inf, p_at / cost * per(p))
            bound[i] = np.where(unaffordable | gone, math.inf, key * (1 - _CLOSE))
            keys[p] = key
            flat[p] = at == 0
            best = np.minimum(best, key)
            above = np.where(alive, best * (1 + _CLOSE), -math.inf)
            highest = float(above.max())
        live &= np.isfinite(bound).any(axis=1)
        alive &= ~unsure & np.isfinite(best)
        if not keys or not alive.any():
            break
        names = list(keys)
        table = np.array([keys[p] for p in names])
        near = (table <= best * (1 + _CLOSE)) & np.isfinite(table)
        winners = table.argmin(axis=0)
        for r in np.flatnonzero(alive & (near.sum(axis=0) > 1)).tolist():
            tied = [names[i] for i in np.flatnonzero(near[:, r]).tolist()]
            if all(flat[p][r] for p in tied):
                from fractions import Fraction
                exact = {p: Fraction(costs[p] if utility == "approvals" else 1) / size[p] for p in tied}
                lowest = min(exact.values())
                winners[r] = names.index(min((p for p in tied if exact[p] == lowest), key=tie))
            else:
                unsure[r] = True   # two projects too close to call: settle it exactly
        alive &= ~unsure
        for i in sorted(set(winners[alive].tolist())):   # not np.unique: it imports numpy.ma (~10 ms)
            runs = np.flatnonzero(alive & (winners == i))
            p = names[i]
            group = supporters[p]
            price = (table[i, runs] * float(costs[p]) / per(p))[:, None]
            block = np.ix_(runs, group)
            held = wallets[block]
            edge = (np.abs(held - price) <= tol).any(axis=1)
            wallets[block] = np.where(held < price, 0.0, held - price)
            bound[projects.index(p), runs] = math.inf
            for r in runs.tolist():
                chosen[r].append(p)
            unsure[runs[edge]] = True
        alive &= ~unsure
    return [None if unsure[r] else chosen[r] for r in range(k_runs)]


def _pure_once(costs, members, counts, sizes, share, utility):
    """One run of MES in floating point and plain Python; None as soon as a decision is too close to call.

    For small elections (a few tens of projects, up to a couple of thousand distinct ballots),
    where importing numpy alone takes longer than counting. ``members``: per project, the distinct
    ballots that approve it; ``counts``: each distinct ballot's voters; ``sizes``: each project's
    supporters. Decided as _equal_shares_once decides in floating point, with the same margins,
    and given up (None: the caller runs it exactly) wherever that one would turn to exact
    arithmetic: a project on the edge of affordable, a supporter on the edge of paying all they
    have, two projects whose rhos are within _CLOSE of each other. So an outcome it gives is the
    exact run's.
    """
    s = float(share)
    tol = _CLOSE * max(s, 1.0)
    wallet = [s] * len(counts)
    held = wallet.__getitem__
    per = {p: 1.0 if utility == "cost" else float(costs[p]) for p in members}
    bound = {p: per[p] / sizes[p] for p in members if costs[p] > 0 and share * sizes[p] >= costs[p]}
    chosen = []
    while bound:
        best, near = None, []
        for p in sorted(bound, key=bound.get):
            if best is not None and bound[p] > best * (1 + _CLOSE):
                break
            cost, group = float(costs[p]), members[p]
            total = 0.0
            for g in group:
                total += wallet[g] * counts[g]
            slack = _CLOSE * (cost if cost > total else total) + tol
            if total < cost - slack:
                del bound[p]   # unaffordable now, so for ever: budgets only fall
                continue
            if total <= cost + slack:
                return None
            paid, left, price, close = 0.0, sizes[p], None, False
            for g in sorted(group, key=held):   # the poorest first: they pay all they have
                amount = wallet[g]
                q = (cost - paid) / left
                if q <= amount:
                    if amount - q <= tol or close:
                        return None
                    price = q
                    break
                close = abs(q - amount) <= tol
                paid += amount * counts[g]
                left -= counts[g]
            if price is None:
                return None
            key = price / cost * per[p]
            bound[p] = key * (1 - _CLOSE)
            near.append((key, p, price))
            if best is None or key < best:
                best = key
        if best is None:
            break
        near = [entry for entry in near if entry[0] <= best * (1 + _CLOSE)]
        if len(near) > 1:
            return None
        _, winner, price = near[0]
        for g in members[winner]:
            amount = wallet[g]
            if abs(amount - price) <= tol:
                return None
            wallet[g] = amount - price if amount > price else 0.0
        chosen.append(winner)
        del bound[winner]
    return chosen


def _distinct(ballots):
    """The distinct ballots, first seen first, each with its number of voters (a Counter); None where
    the first few thousand ballots show that few repeat, so that counting them all would not pay
    (making a frozenset of each of 100,000 ballots takes a noticeable part of a second)."""
    if len(ballots) > 2 * _PURE_BALLOTS:
        seen = len(set(map(frozenset, islice(ballots, _PURE_BALLOTS))))
        if 2 * seen > _PURE_BALLOTS:
            return None
    return Counter(map(frozenset, ballots))


def _run(costs, ballots, budget, utility, tie, increment, stepwise, distinct=None):
    """MES once or completed by add1; returns (outcome in order, share used, start, how it stopped, beyond).

    Voters with the same ballot hold the same amount throughout a run (they pay the same every
    time), so each distinct ballot is one entry with a weight, the number of its voters, when
    that at least halves the entries: in real files there are often far fewer distinct ballots
    than voters (Gdynia 2024: 787 for 17,660; Wieliczka 2023: 1,190 for 6,586).
    """
    n = len(ballots)
    counts = list(distinct.values()) if distinct is not None else None
    # One entry per distinct ballot where they are weighed or counted in plain Python, else per voter.
    by_ballot = counts is not None and (2 * len(counts) <= n or (not stepwise and len(counts) <= _PURE_BALLOTS))
    members = {p: [] for p in costs}
    for entry, key in enumerate(distinct if by_ballot else ballots):
        for p in key:
            members[p].append(entry)
    members = {p: group for p, group in members.items() if group}
    free = sorted((p for p in members if costs[p] == 0), key=tie) if utility == "approvals" else []
    candidates = [p for p in members if costs[p] > 0]
    # Small elections are counted in plain Python (see _pure_once) for their first _PURE_RUNS steps.
    pure = by_ballot and not stepwise and len(candidates) <= _PURE_PROJECTS and len(counts) <= _PURE_BALLOTS
    sizes = {p: sum(counts[g] for g in group) for p, group in members.items()} if pure else None
    supporters = m = weights = twins = None
    batching = uniform = False

    def entries():
        """The supporters as numpy arrays for the exact runs, batches and replays, built when first needed."""
        nonlocal supporters, m, weights, twins, batching, uniform
        if not by_ballot:
            m, weights, supporters = n, None, members
        elif 2 * len(counts) > n:
            # Few ballots repeat (Amsterdam 166: 328 for 426 voters): weighing them would cost more
            # than it saves, so each voter is their own entry.
            m, weights, supporters = n, None, {p: [] for p in costs}
            for i, ballot in enumerate(ballots):
                for p in ballot:
                    supporters[p].append(i)
        else:
            m, weights, supporters = len(counts), counts, members
        supporters = {p: np.array(group, dtype=np.int64) for p, group in supporters.items() if group}
        if weights is not None:
            weights = np.array(weights, dtype=float)
        alike = {}
        for p in candidates:
            alike.setdefault((costs[p], supporters[p].tobytes()), []).append(p)
        twins = {p: i for i, group in enumerate(alike.values()) if len(group) > 1 for p in group}
        batching = not stepwise and m <= _BATCH_VOTERS
        # Where batches are worked out, a replay is tried only after a batch in which every step gave the
        # same purchases: where they change every few steps (Amsterdam 166: 60 changes in 274 steps), a
        # replay would find no jump worth its cost.
        uniform = not batching
    # Fraction when every amount is whole (gmpy2 is then not even imported), else mpq as the amounts are.
    from fractions import Fraction
    exact_type = Fraction if type(budget) is int and all(type(c) is int for c in costs.values()) else mpq
    start = share = exact_type(budget) / n
    previous, previous_share = free, None
    runs, wait, misses = 0, 0, 0   # a replay that finds no jump is not tried again for 4**(misses + 1) runs
    ahead, size = {}, 16           # outcomes worked out in a batch for the shares coming next (16 first:
    #                                measured faster than 4 or 8 on the shipped files)
    if not pure:
        entries()
    streak = 0   # steps in a row with the same purchases
    screened = not pure   # whether the rest of add1 has been tried in floating point (see below)
    while True:
        runs += 1
        bought = ahead.pop(share, None)
        if bought is None and pure:
            bought = _pure_once(costs, members, counts, sizes, share, utility)
        if bought is None:
            if supporters is None:
                entries()
            bought = _equal_shares_once(costs, supporters, tie, share, m, utility, weights)
        outcome = free + bought
        streak = streak + 1 if outcome == previous else 1
        if pure and streak >= _PURE_STREAK:
            # The purchases hold from step to step: a replay may find a long jump (see _stable_rise),
            # which plain Python does not look for.
            pure = False
        if runs >= _PURE_RUNS:
            pure = False
        spent = sum(costs[p] for p in outcome)
        if spent > budget:
            return previous, (previous_share if previous_share is not None else start), start, "over_budget", \
                outcome
        if increment is None:
            return outcome, share, start, "single_run", None
        chosen = set(outcome)
        if not any(spent + costs[p] <= budget for p in candidates if p not in chosen):
            return outcome, share, start, "nothing_else_fits", None
        if not pure and not screened:
            # Where plain Python would hand over to numpy, the rest of add1 is first tried in floating point
            # from this share on, each interval of shares that gives the same run decided by two runs
            # (rules/scored.py, with a supporter's utility the cost, or 1), which needs no numpy; where a
            # run cannot be decided so, the count goes on below from this share, as it would have.
            screened = True
            utilities = {p: costs[p] if utility == "cost" else 1 for p in candidates}
            screen = Election(costs, {p: [(g, utilities[p]) for g in members[p]] for p in candidates}, counts,
                              candidates, tie)
            done = screen.add1(costs, budget, float(share), float(increment), free)
            if done is not None:
                kept, k, stopped, beyond = done
                return kept, share + k * increment, start, stopped, beyond
            entries()
        steps = 1
        if not stepwise and not pure and runs >= wait and uniform:
            # Where batches make steps cheap, a jump of fewer than _WORTH steps is not worth a replay;
            # without them (many voters), any jump is. A rise up to ``enough`` may be cut short (the
            # replay stops there) and is not jumped.
            enough = (_WORTH if batching else 1) * float(increment) * (1 + 2 * _MARGIN)
            rise = _stable_rise(costs, supporters, utility, share, outcome[len(free):], m, enough=enough,
                                twins=twins, weights=weights)
            if rise > enough:
                steps = max(1, math.ceil(rise * (1 - _MARGIN) / float(increment)))
            misses = 0 if steps > 1 else min(misses + 1, 6)
            wait = runs + (4 ** (misses + 1) if misses else 0)
        previous = outcome
        previous_share = share + (steps - 1) * increment   # the same outcome holds up to here
        share += steps * increment
        if steps > 1:
            ahead = {}
        elif batching and not pure and share not in ahead:
            # No room to jump: work out the next few steps together, in floating point; any the
            # batch cannot settle are run exactly when their turn comes.
            shares = [share + j * increment for j in range(size)]
            batch = _equal_shares_batch(costs, supporters, tie, shares, m, utility, weights)
            ahead = {x: o for x, o in zip(shares, batch) if o is not None}
            uniform = all(o == bought for o in batch)
            size = min(2 * size, _BATCH_MAX)


def _trace_equal_shares(costs, supporters, approvals, share, n_voters, order):
    """Each project's figures in the run that gave the outcome, replayed along its purchases ``order``.

    A project's turn is the step at which it was bought or, if it never was, the first step at
    which its supporters no longer had its cost between them (from then on they only lose money).
    Also what its supporters had paid towards the projects bought before that step.
    """
    share = mpq(share)   # the run's share may be a Fraction; the trace's figures are worked in mpq
    wallets = _Wallets(share, n_voters)
    live = {p for p in supporters if costs[p] > 0}
    money = {p: share * len(supporters[p]) for p in live}
    paid = {p: {} for p in live}
    figures = {}

    def drop_unaffordable(step):
        for p in sorted(live, key=str):
            if money[p] < costs[p]:
                figures[p] = {"step": step, "money": amount(money[p]), "funded": False,
                              "reason": "could_not_afford"}
                live.discard(p)

    for step, winner in enumerate(order, start=1):
        drop_unaffordable(step)
        rho = wallets.rho(costs[winner], supporters[winner])
        figures[winner] = {"step": step, "money": amount(money[winner]), "funded": True, "reason": "bought",
                           "each_paid_at_most": amount(rho * costs[winner])}
        live.discard(winner)
        wallets.pay(supporters[winner], rho * costs[winner])
        for p in live:
            left = wallets.total(supporters[p])
            if left != money[p]:
                paid[p][winner] = amount(money[p] - left)
                money[p] = left
    drop_unaffordable(len(order) + 1)
    for p in costs:
        entry = figures.get(p)
        if entry is None:   # nobody chose it, or it costs nothing (and so is never bought)
            entry = figures[p] = {"step": None, "money": None, "funded": False,
                                  "reason": "no_votes" if approvals[p] == 0 else "no_cost"}
        entry.update(votes=approvals[p], cost=amount(costs[p]), paid_before=paid.get(p, {}))
    return figures


def equal_shares(costs, ballots, budget, increment=1, trace=None, utility="cost", completion="add1",
                 ties="approvals", unvoted=False, stepwise=False):
    """The Method of Equal Shares (see the module notes), completed by ``completion``.

    ``increment``: the add1 step (one currency unit); ``None`` runs the method once (as
    ``completion="none"``). ``unvoted``: whether a utilitarian greedy completion may also fund
    projects nobody chose (pabutools' does). ``stepwise``: step add1 one unit at a time, as the
    reference does (for tests; the outcome is the same). ``trace``, a dict, is filled with the
    shares each voter started with, how the completion ended, and each project's figures in the
    run that gave the outcome.
    """
    from commissioning.panels.rules.greedy import utilitarian_greedy
    if utility not in UTILITIES:
        raise AllocationError(f"Unknown utility {utility!r}: use one of {', '.join(UTILITIES)}")
    if completion not in COMPLETIONS:
        raise AllocationError(f"Unknown completion {completion!r}: use one of {', '.join(COMPLETIONS)}")
    if completion in ("none", "utilitarian_greedy"):
        increment = None
    # The distinct ballots with their voters, counted in C rather than voter by voter in Python (Gdynia
    # 2024 has 17,660 voters and 787 distinct ballots); the approvals follow from them.
    distinct = _distinct(ballots)
    if distinct is None:
        approvals = approval_counts(costs, ballots)
    else:
        approvals = {p: 0 for p in costs}
        for ballot, count in distinct.items():
            for p in ballot:
                approvals[p] += count
    tie = order_key(approvals, ties)
    if not ballots:
        kept, share, start, stopped, beyond = [], None, None, None, None
    else:
        kept, share, start, stopped, beyond = _run(costs, ballots, budget, utility, tie, increment, stepwise,
                                                   distinct)
    added = []
    if completion in ("add1u", "utilitarian_greedy"):
        added = utilitarian_greedy(costs, ballots, budget, kept, utility, ties, unvoted)[len(kept):]
    if trace is not None:
        if not ballots:
            trace.update(share=None, completion=None, order=[],
                         projects={p: {"step": None, "votes": 0, "cost": amount(c), "money": None,
                                       "funded": False, "reason": "no_votes", "paid_before": {}}
                                   for p, c in costs.items()})
            return sorted(added, key=str)
        supporters = {p: [] for p in costs}
        for i, ballot in enumerate(ballots):
            for p in ballot:
                supporters[p].append(i)
        supporters = {p: np.array(s, dtype=np.int64) for p, s in supporters.items() if s}
        figures = _trace_equal_shares(costs, supporters, approvals, share, len(ballots),
                                      [p for p in kept if costs[p] > 0])
        for p in kept:
            if costs[p] == 0:   # approval utilities: selected before anything was bought
                figures[p].update(funded=True, reason="free")
        for p in added:
            figures[p].update(funded=True, reason="completion")
        # ``beyond``: what one more raise of the shares would have bought, had it not cost too much.
        trace.update(
            share={"start": amount(start), "used": amount(share), "increment": increment,
                   "raises": int((share - start) / increment) if increment else 0},
            completion={"kind": completion, "utility": utility, "stopped": stopped, "added": list(added),
                        "next_would_add": sorted(set(beyond) - set(kept), key=str) if beyond is not None else [],
                        "next_would_drop": sorted(set(kept) - set(beyond), key=str) if beyond is not None else [],
                        "next_would_cost": amount(sum(costs[p] for p in beyond)) if beyond is not None else None},
            order=[p for p in kept if costs[p] > 0])
        trace["projects"] = figures
    return sorted(list(kept) + added, key=str)


# Equal shares for cumulative and ordinal ballots. A voter's utility for a project is the points
# they gave it (pabutools Additive_Cardinal_Sat) or its Borda score on their ranking (pabutools
# Additive_Borda_Sat: the last ranked scores 0, so its voter does not pay towards it). Supporters
# pay in proportion to their utility: each pays rho x utility, or all they have if less, and the
# project bought next is the one with the least rho, the price per point. Voters with the same
# ballot are kept as one, with a multiplicity, since they always hold the same money.

def _scored_groups(costs, scored):
    """(multiplicities, {project: [(voter group, utility)]} for utilities above 0) over distinct ballots."""
    seen = {}
    for ballot, voters in distinct(scored):   # equal ballots share a dict: each is keyed once
        key = tuple(sorted(((str(p), u) for p, u in ballot.items() if u > 0)))
        entry = seen.get(key)
        if entry is None:
            seen[key] = [ballot, voters]
        else:
            entry[1] += voters
    multiplicity, groups = [], {p: [] for p in costs}
    for g, (ballot, count) in enumerate(seen.values()):
        multiplicity.append(count)
        for p, u in ballot.items():
            if u > 0:
                groups[p].append((g, u))
    return multiplicity, {p: g for p, g in groups.items() if g}


def _scored_rho(cost, members, wallet, multiplicity):
    """The least rho at which the supporters, each paying min(money, rho x utility), pay ``cost``; None if
    they cannot. Worked as pabutools does: the poorest per unit of utility pay all they have first."""
    if sum((wallet[g] * multiplicity[g] for g, _ in members), mpq(0)) < cost:
        return None
    paid, points = mpq(0), sum(u * multiplicity[g] for g, u in members)
    for g, u in sorted(members, key=lambda m: wallet[m[0]] / m[1]):
        rho = (cost - paid) / points
        if rho * u <= wallet[g]:
            return rho
        paid += wallet[g] * multiplicity[g]
        points -= u * multiplicity[g]
    return None


def _scored_once(costs, groups, multiplicity, tie, share, candidates, screen=None, within=None):
    """One run with every voter starting with ``share``; the projects bought, in order.

    A project's rho never falls as others are bought, so the last one computed is a lower bound:
    projects are visited in order of it, and a round stops looking once the bound passes the best.

    With ``screen`` (a rules/scored.py Election) the run is made in floating point at ``share``, a
    float: (the projects bought in order, their rhos), or scored.UNSURE where floats cannot decide;
    with ``within`` too, (order, rhos) of the run at a lower share, it is the run at ``share`` made to
    buy that order, and says whether every share in between gives the same run (scored.py's notes).
    """
    if screen is not None:
        return screen.run(share) if within is None else screen.holds(share, *within)
    wallet = [share] * len(multiplicity)
    lower = {p: mpq(costs[p]) / sum(u * multiplicity[g] for g, u in groups[p]) for p in candidates}
    live, chosen = set(candidates), []
    while live:
        best, tied = None, []
        for p in sorted(live, key=lambda p: (lower[p], str(p))):
            if best is not None and lower[p] > best:
                break
            rho = _scored_rho(costs[p], groups[p], wallet, multiplicity)
            if rho is None:
                live.discard(p)   # unaffordable now, so for ever: money only falls
                continue
            lower[p] = rho
            if best is None or rho < best:
                best, tied = rho, [p]
            elif rho == best:
                tied.append(p)
        if not tied:
            break
        winner = min(tied, key=tie)
        chosen.append(winner)
        live.discard(winner)
        for g, u in groups[winner]:
            pay = best * u
            wallet[g] = wallet[g] - pay if wallet[g] > pay else mpq(0)
    return chosen


def _scored_stable_rise(costs, groups, multiplicity, tie, share, order, candidates):
    """How far every share can rise above ``share`` with the run making the same decisions; None if without end.

    Exact (no floating point). Replays the purchases ``order`` with each wallet an affine function
    of the share, value and slope, as long as each purchase splits its supporters the same way
    (who pays all they have, who pays rho x utility), which makes each rho affine too. The run
    keeps its decisions while, round by round, each winner's split holds, every other project
    still affordable has a rho no lower than the winner's, and every project that was not stays
    so. Another project's rho is convex in the share (sum(min(wallet, rho x utility)) is concave
    in both), so its tangent, taken with its split now, bounds it from below: that tangent staying
    above the winner's rho is enough (equal only for projects the tie order puts after the winner).
    Returns the least rise at which any of these could first fail; 0 when one is on its edge.
    """
    value = [share] * len(multiplicity)
    slope = [mpq(1)] * len(multiplicity)
    nearest = None
    zero = mpq(0)

    def bound(level, rate):
        """Record where level + rate x t first reaches 0 (level >= 0 now and falling)."""
        nonlocal nearest
        if rate < 0:
            t = level / -rate
            if nearest is None or t < nearest:
                nearest = t

    def priced(p):
        """(rho, its slope, [(group, utility, poor)]) with the split now, or None if unaffordable."""
        members = groups[p]
        cost = costs[p]
        paid, points, poor = zero, sum(u * multiplicity[g] for g, u in members), set()
        for g, u in sorted(members, key=lambda m: value[m[0]] / m[1]):
            rho = (cost - paid) / points
            if rho * u <= value[g]:
                dpaid = sum((slope[h] * multiplicity[h] for h in poor), zero)
                return rho, -dpaid / points, poor
            paid += value[g] * multiplicity[g]
            points -= u * multiplicity[g]
            poor.add(g)
        return None

    live = [p for p in candidates]
    for winner in list(order) + [None]:
        best = priced(winner) if winner is not None else None
        for p in live:
            if p == winner:
                continue
            money = sum((value[g] * multiplicity[g] for g, _ in groups[p]), zero)
            if money < costs[p]:
                bound(costs[p] - money, -sum((slope[g] * multiplicity[g] for g, _ in groups[p]), zero))
                continue
            if best is None:
                return zero    # affordable with nothing left to buy: the replay has lost its way
            other = priced(p)
            gap, rate = other[0] - best[0], other[1] - best[1]
            if gap < 0 or (gap == 0 and tie(p) < tie(winner)):
                return zero
            bound(gap, rate)
        if winner is None:
            break
        rho, drho, poor = best
        for g, u in groups[winner]:
            level, rate = value[g] - rho * u, slope[g] - drho * u
            if g in poor:   # pays all: must stay unable to pay rho x utility
                bound(-level, -rate)
                value[g], slope[g] = zero, zero
            else:
                bound(level, rate)
                value[g], slope[g] = level, rate
        live = [p for p in live if p != winner]
        if nearest is not None and nearest == 0:
            return zero
    return nearest


def scored_equal_shares(costs, scored, supporters, budget, increment=1, trace=None, completion="add1",
                        ties="approvals", unvoted=False, utility="points", stepwise=False, scores=None):
    """Equal shares for cumulative and ordinal ballots (see the notes above), completed by ``completion``.

    ``scored``: per voter {project: points or Borda score}; ``supporters``: per project how many
    voters gave it points or ranked it (the "approvals" tie order counts them). Completions as
    for approval ballots: "add1" raises every share a unit at a time as pabutools'
    ``voter_budget_increment=1``; "add1u" and "utilitarian_greedy" then add projects by score
    per unit of cost with what is left. A project that costs nothing and has a score above 0
    is selected first, as in pabutools. Every outcome is the exact one: runs are decided in floating
    point with margins (rules/scored.py), and exactly wherever a margin is not met. Add1 skips the
    shares at which the run provably gives the same outcome: the interval two floating-point runs
    vouch for (scored.py's notes), or, after an exact run, ``_scored_stable_rise``; ``stepwise``
    steps one unit at a time, exactly, as the reference does (for tests). ``utility``: "points" or
    "borda", for the trace; ``scores``: each project's total score, when the caller has it.
    """
    from commissioning.panels.rules.greedy import score_utilitarian_greedy
    if completion not in COMPLETIONS:
        raise AllocationError(f"Unknown completion {completion!r}: use one of {', '.join(COMPLETIONS)}")
    if completion in ("none", "utilitarian_greedy"):
        increment = None
    tie = order_key(supporters, ties)
    if scores is None:
        scores = score_totals(costs, scored)
    n = len(scored)
    kept, share, start, stopped, beyond, prices = [], None, None, None, None, {}
    if n:
        multiplicity, groups = _scored_groups(costs, scored)
        free = sorted((p for p in groups if costs[p] == 0), key=tie)
        candidates = [p for p in groups if costs[p] > 0]
        # Shares as start + k x increment: floats for the screened runs, exact only where those cannot decide
        # (and for the trace), so that a count decided in floats never imports gmpy2.
        screen = None if stepwise else Election(costs, groups, multiplicity, candidates, tie)
        start_f, step_f = float(budget) / n, float(increment or 0)
        exact_start = None
        k, previous, previous_k, guess = 0, free, None, 1
        pause_until, paused = 0, 0   # no interval looked for before this step, after this many misses
        runs, wait, misses = 0, 0, 0   # after a replay that finds little room, wait 2, 4, ... runs
        while True:
            runs += 1
            screened = UNSURE
            if screen is not None:
                share_f = start_f + k * step_f
                screened = _scored_once(costs, groups, multiplicity, tie, share_f, candidates, screen=screen)
            if screened is UNSURE:
                if exact_start is None:
                    exact_start = mpq(budget) / n
                share = exact_start + k * increment if k else exact_start
                bought = _scored_once(costs, groups, multiplicity, tie, share, candidates)
            else:
                bought = screened[0]
            outcome = free + bought
            spent = sum(costs[p] for p in outcome)
            if spent > budget:
                kept, k, stopped, beyond = previous, (previous_k if previous_k is not None else 0), \
                    "over_budget", outcome
                break
            chosen = set(outcome)
            if increment is None or not any(spent + costs[p] <= budget for p in candidates if p not in chosen):
                kept, stopped = outcome, "single_run" if increment is None else "nothing_else_fits"
                break
            steps = 1
            if screened is not UNSURE:
                if k >= pause_until:
                    # The shares after this one that give the same run: doubling from the last interval's
                    # length (in real files they are often alike), then halving the gap.
                    good = screen.stretch(share_f, step_f, screened, guess, probe=lambda at, *run: _scored_once(
                        costs, groups, multiplicity, tie, at, candidates, screen=screen, within=run))
                    steps = good + 1
                    guess = max(good, 1)
                    pause_until, paused = pause(k, good, paused)
            elif not stepwise and runs >= wait:
                rise = _scored_stable_rise(costs, groups, multiplicity, tie, share, bought, candidates)
                if rise is not None and rise > 0:
                    steps = max(1, math.ceil(rise / increment))
                # A replay costs a few runs: one that skips fewer than 8 steps counts as a miss.
                misses = 0 if steps >= 8 else min(misses + 1, 8)
                wait = runs + (2 ** misses if misses else 0)
            previous, previous_k = outcome, k + steps - 1
            k += steps
        start = mpq(budget) / n if trace is not None else None
        share = start + k * increment if trace is not None and k else start
    added = []
    if completion in ("add1u", "utilitarian_greedy"):
        added = score_utilitarian_greedy(costs, scores, supporters, budget, kept, ties, unvoted)[len(kept):]
    if trace is not None:
        _trace_scored(trace, costs, scored, scores, supporters, kept, added, share, start, stopped, beyond,
                      increment, completion, utility)
    return sorted(list(kept) + added, key=str)


def _trace_scored(trace, costs, scored, scores, supporters, kept, added, share, start, stopped, beyond,
                  increment, completion, utility):
    """The figures of the run that gave the outcome, in the shape of the approval trace, with scores."""
    def base(p):
        return {"votes": supporters[p], "score": str(scores[p]), "cost": amount(costs[p])}

    if not scored:
        trace.update(share=None, completion=None, order=[],
                     projects={p: {"step": None, "money": None, "funded": False, "reason": "no_votes",
                                   "paid_before": {}, **base(p)} for p in costs})
        return
    multiplicity, groups = _scored_groups(costs, scored)
    order = [p for p in kept if costs[p] > 0]
    wallet = [share] * len(multiplicity)
    live = {p for p in groups if costs[p] > 0}

    def money_of(p):
        return sum((wallet[g] * multiplicity[g] for g, _ in groups[p]), mpq(0))

    money = {p: money_of(p) for p in live}
    paid = {p: {} for p in live}
    figures = {}

    def drop_unaffordable(step):
        for p in sorted(live, key=str):
            if money[p] < costs[p]:
                figures[p] = {"step": step, "money": amount(money[p]), "funded": False, "reason": "could_not_afford"}
                live.discard(p)

    for step, winner in enumerate(order, start=1):
        drop_unaffordable(step)
        rho = _scored_rho(costs[winner], groups[winner], wallet, multiplicity)
        most = mpq(0)
        for g, u in groups[winner]:
            pay = min(wallet[g], rho * u)
            most = max(most, pay)
            wallet[g] -= pay
        figures[winner] = {"step": step, "money": amount(money[winner]), "funded": True, "reason": "bought",
                           "each_paid_at_most": amount(most), "price_per_point": amount(rho)}
        live.discard(winner)
        for p in live:
            left = money_of(p)
            if left != money[p]:
                paid[p][winner] = amount(money[p] - left)
                money[p] = left
    drop_unaffordable(len(order) + 1)
    for p in costs:
        entry = figures.get(p)
        if entry is None:
            reason = "no_votes" if supporters[p] == 0 else "no_score" if scores[p] == 0 else "no_cost"
            entry = figures[p] = {"step": None, "money": None, "funded": False, "reason": reason}
        entry.update(paid_before=paid.get(p, {}), **base(p))
    for p in kept:
        if costs[p] == 0:
            figures[p].update(funded=True, reason="free")
    for p in added:
        figures[p].update(funded=True, reason="completion")
    trace.update(
        share={"start": amount(start), "used": amount(share), "increment": increment,
               "raises": int((share - start) / increment) if increment else 0},
        completion={"kind": completion, "utility": utility, "stopped": stopped, "added": list(added),
                    "next_would_add": sorted(set(beyond) - set(kept), key=str) if beyond is not None else [],
                    "next_would_drop": sorted(set(kept) - set(beyond), key=str) if beyond is not None else [],
                    "next_would_cost": amount(sum(costs[p] for p in beyond)) if beyond is not None else None},
        order=order, projects=figures)
