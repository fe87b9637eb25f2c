"""Exact Equal Shares (EES) for approval ballots, exact, with the ADD-OPT completion.

From Kraiczy, Robinson and Elkind, "Streamlining Equal Shares" (arXiv 2502.11797).

EES, like the Method of Equal Shares, gives every voter an equal share of the budget and buys
projects one at a time with their supporters' money. It differs in how a project is paid for:
in MES every supporter pays the same price or, if they have less, all they have left; in EES a
project is paid for by a set of its supporters who each pay exactly the same amount,
``cost / payers``, and supporters who cannot pay that much pay nothing. For each project the
payers are as many of its richest supporters as can each pay their equal part; the project
bought next is the one giving most utility per unit of money: ``payers x utility / cost``.

- ``utility="cost"``: a supporter's utility is the project's cost, so a project's score is the
  number of its payers.
- ``utility="approvals"``: utility 1 per approved project, so the score is ``payers / cost``.

A project that costs nothing and has a vote is bought before anything else, at no charge (as
the reference does, for both utilities); a project nobody chose is never bought. Ties between
equal scores go to the project first in the ``ties`` order (common.order_key).

Because a payer always pays ``cost / payers`` whatever the share is, raising every share by
``d`` while the run keeps its decisions raises every wallet by exactly ``d``: voters keep their
order and the only thing that changes is who can pay. That makes the next share at which the
run changes a matter of arithmetic, which ADD-OPT uses instead of trying shares one unit apart.
Here that rise is worked out from each round's own figures (what each supporter has paid so
far, and the score to beat); the paper finds it from the outcome's payments instead
(GreedyProjectChange). Both give the same rise for utility 1 per project (tested against the
reference); the payments test assumes that utility, and for cost utilities only the rounds
give the next change.

Completions (``completion``):

- ``"add-opt"`` (the default): run EES; find the smallest rise ``d > 0`` of every share at
  which the run would change (some decision of some round: a rival overtakes the project
  bought, the project bought gains payers, or, after the last round, some project becomes
  affordable); run again at that share; keep going while outcomes stay within the budget. It
  ends either when an outcome would cost more than the budget, returning the last outcome
  within it, or when no rise of the share, however large, can change the run any more (every
  project with a vote is bought, by all its supporters, in an order no rise can alter),
  returning that outcome.
- ``"add-opt-exhaustive"``: the same rises, but carried on past outcomes over the budget until
  no rise can change the run, returning the outcome within the budget that spends most (the
  first one found if several spend the same). This is what pabutools' repository head does
  (``ees_add_opt_completion``); spending is not monotone in the share, so it can find more.
- ``"none"``: one run at the real share.
"""
import numpy as np
from gmpy2 import mpq

from commissioning.panels.rules.common import AllocationError, amount, approval_counts, exact, order_key

COMPLETIONS = ("add-opt", "add-opt-exhaustive", "none")
UTILITIES = ("cost", "approvals")


_CLOSE = 1e-9   # relative gap below which floating point is not trusted to decide: exact arithmetic decides


class _Wallets:
    """What every voter has paid so far, as a row of a table of distinct exact totals (voters who
    have paid the same share a row), so a round's arithmetic runs once per distinct total, not per
    voter. A voter's money is the share less their row's total.

    Totals paid do not depend on the share, so the table and the voters' rows at the start of a
    round stay right when the share rises and the rounds before it do not change: the table only
    grows, and going back to a round is cutting it to its length then.
    Each total is also kept as a float, only to sort and to screen: every decision that floating
    point cannot make clearly is made on the exact amounts.
    """

    def __init__(self, n_voters):
        self.paid = [mpq(0)]
        self.approx = np.zeros(64)
        self.index = {mpq(0): 0}
        self.holding = np.zeros(n_voters, dtype=np.int64)
        self.share = self.share_f = None

    def at(self, share):
        self.share, self.share_f = share, float(share)

    def amount(self, row):
        return self.share - self.paid[row]

    def mark(self):
        return len(self.paid), self.holding.copy()

    def back_to(self, mark):
        size, holding = mark
        for value in self.paid[size:]:
            del self.index[value]
        del self.paid[size:]
        self.holding = holding.copy()

    def _row(self, value):
        row = self.index.get(value)
        if row is None:
            row = self.index[value] = len(self.paid)
            self.paid.append(value)
            if row == len(self.approx):
                self.approx = np.concatenate([self.approx, np.empty(len(self.approx))])
            self.approx[row] = float(value)
        return row

    def groups(self, voters):
        """(rows, how many of ``voters`` hold at least each row's amount, the totals paid as floats), richest
        first. Nothing here depends on the share."""
        counts = np.bincount(self.holding[voters], minlength=len(self.paid))
        rows = np.flatnonzero(counts)
        paid = self.approx[rows]
        order = np.argsort(paid, kind="stable")
        rows, paid = rows[order], paid[order]
        gaps = np.diff(paid)
        if len(gaps) and gaps.min() <= _CLOSE * max(1.0, self.share_f):
            # Two totals too close for floats to order: sort them exactly.
            rows = np.array(sorted(rows.tolist(), key=lambda r: self.paid[r]), dtype=np.int64)
            paid = self.approx[rows]
        return rows, np.cumsum(counts[rows]), paid

    def total(self, voters):
        counts = np.bincount(self.holding[voters], minlength=len(self.paid))
        return sum((self.amount(r) * int(counts[r]) for r in np.flatnonzero(counts).tolist()), mpq(0))

    def pay(self, voters, rows, price):
        """Each of ``voters``, who are on ``rows``, pays ``price``."""
        held = self.holding[voters]
        mapping = np.arange(len(self.paid), dtype=np.int64)
        for r in rows:
            mapping[r] = self._row(self.paid[r] + price)
        if len(mapping) < len(self.paid):
            mapping = np.concatenate([mapping, np.arange(len(mapping), len(self.paid), dtype=np.int64)])
        self.holding[voters] = mapping[held]


def _payers(wallets, cost, groups):
    """How many of the richest supporters can each pay ``cost / k`` (the largest such ``k``; 0 if none),
    and the rows of the amounts they hold (None if none)."""
    # Within a run of equal amounts the condition amount * k >= cost is easiest at the run's end,
    # so only the cumulative counts need checking.
    rows, cum, paid = groups
    values = wallets.share_f - paid
    spare = values * cum - float(cost)
    tol = _CLOSE * max(float(cost), wallets.share_f * float(cum[-1]), 1.0)
    for j in np.flatnonzero(spare >= -tol)[::-1].tolist():
        if spare[j] > tol or wallets.amount(rows[j]) * int(cum[j]) >= cost:
            return int(cum[j]), rows[:j + 1].tolist()
    return 0, None


def _rise_to(wallets, cost, groups, at_least):
    """The smallest rise of every wallet at which ``at_least`` supporters could each pay ``cost / k``
    for some ``k >= at_least``; None if there are not that many supporters."""
    rows, cum, paid = groups
    if cum[-1] < at_least:
        return None
    first = int(np.searchsorted(cum, at_least))   # counts only grow down the groups
    rise = float(cost) / cum[first:] - (wallets.share_f - paid[first:])
    least = float(rise.min())
    scale = max(abs(least), float(cost) / int(cum[first]), wallets.share_f, 1.0)
    near = np.flatnonzero(rise <= least + _CLOSE * scale) + first
    return min(mpq(cost, int(cum[j])) - wallets.amount(rows[j]) for j in near.tolist())


def _score(k, cost, utility):
    return k if utility == "cost" else mpq(k, cost)


def _needed(score_w, cost, utility, wins_tie):
    """The fewest payers a rival of cost ``cost`` needs to beat a round's winner scoring ``score_w``."""
    if utility == "cost":
        k = score_w if wins_tie else score_w + 1
    else:
        edge = score_w * cost   # k / cost against score_w
        k = int(edge) + 1 if (edge.denominator != 1 or not wins_tie) else int(edge)
    return max(k, 1)


class _Runs:
    """EES runs at rising shares, each started where it differs from the one before.

    A run is kept as its rounds: the project bought, who paid and what each paid, and the
    smallest rise of the share that would change that round's decision (``rises``; the last
    entry is for the round that found nothing affordable). Raised by less than every round's
    rise, the run repeats itself with every wallet higher by the rise; so after a rise ``r`` the
    rounds before the first one whose own rise was ``r`` are not searched again (the wallets as
    they were at that round's start are taken up again), their rises fall by ``r``, and the
    search starts there.
    """

    def __init__(self, costs, supporters, tie, n_voters, utility):
        self.costs, self.supporters, self.tie, self.n, self.utility = costs, supporters, tie, n_voters, utility
        self.free = sorted((p for p in supporters if costs[p] == 0), key=tie)
        self.paid = [p for p in supporters if costs[p] > 0]
        self.column = {p: j for j, p in enumerate(self.paid)}
        self.approves = np.zeros((n_voters, len(self.paid)), dtype=bool)   # voter x project
        for p, j in self.column.items():
            self.approves[supporters[p], j] = True
        self.rounds = []   # (project, payers, the rows they held, price) per purchase
        self.rises = []    # per round, the smallest rise that changes it (None: none does)
        self.wallets = _Wallets(n_voters)
        self.marks = [self.wallets.mark()]   # the wallets at the start of each round
        self.known = []    # per round, its projects' supporters grouped by what they had paid

    def bought(self):
        return self.free + [p for p, _, _, _ in self.rounds]

    def next_rise(self):
        """(the smallest rise that changes the run, the first round it changes), or (None, None)."""
        known = [(r, t) for t, r in enumerate(self.rises) if r is not None]
        if not known:
            return None, None
        rise = min(r for r, _ in known)
        return rise, min(t for r, t in known if r == rise)

    def run(self, share, start=0, record=None, next_change=True):
        """Run EES at ``share``, replaying the first ``start`` rounds as they were; returns the projects bought."""
        costs, supporters, tie, utility = self.costs, self.supporters, self.tie, self.utility
        wallets = self.wallets
        wallets.back_to(self.marks[start])
        wallets.at(share)
        live = [p for p in self.paid if p not in {w for w, _, _, _ in self.rounds[:start]}]
        del self.rounds[start:]
        del self.rises[start:]
        del self.marks[start + 1:]
        offset = len(self.free) + 1   # the step number of round 0
        if record is not None:
            for step, p in enumerate(self.free, start=1):
                record[p] = {"step": step, "money": amount(share * len(supporters[p])), "funded": True,
                             "reason": "free", "payers": len(supporters[p]), "each_paid": "0"}
        # Groups of supporters by what they have paid do not depend on the share: those worked out at
        # the start of a round are kept with it, for the next run that starts there.
        known = dict(self.known[start]) if start < len(self.known) else {}
        del self.known[start:]
        cache = {}
        while True:
            step = offset + len(self.rounds)
            for p in live:
                if p not in cache:
                    groups = known.get(p)
                    if groups is None:
                        groups = known[p] = wallets.groups(supporters[p])
                    cache[p] = _payers(wallets, costs[p], groups) + (groups,)
            self.known.append(known)
            feasible = [p for p in live if cache[p][0]]
            if record is not None:
                for p in live:
                    if not cache[p][0] and p not in record:
                        record[p] = {"step": step, "money": amount(wallets.total(supporters[p])),
                                     "funded": False, "reason": "could_not_afford"}
            if not feasible:
                rise = None
                if next_change:
                    rise = _least(_rise_to(wallets, costs[p], cache[p][2], 1) for p in live)
                self.rises.append(rise)
                return self.bought()
            top = max(_score(cache[p][0], costs[p], utility) for p in feasible)
            winner = min((p for p in feasible if _score(cache[p][0], costs[p], utility) == top), key=tie)
            k, rows, groups = cache[winner]
            rise = None
            if next_change:
                key_w = tie(winner)
                rise = _least([_rise_to(wallets, costs[winner], groups, k + 1)] + [
                    _rise_to(wallets, costs[p], cache[p][2], _needed(top, costs[p], utility, tie(p) < key_w))
                    for p in live if p != winner])
            self.rises.append(rise)
            price = mpq(costs[winner], k)
            if record is not None:
                record[winner] = {"step": step, "money": amount(wallets.total(supporters[winner])),
                                  "funded": True, "reason": "bought", "payers": k, "each_paid": amount(price)}
            group = supporters[winner]
            paying = np.zeros(len(wallets.paid), dtype=bool)
            paying[rows] = True
            payers = group[paying[wallets.holding[group]]]
            wallets.pay(payers, rows, price)
            self.rounds.append((winner, payers, rows, price))
            self.marks.append(wallets.mark())
            live.remove(winner)
            del cache[winner]
            touched = {self.paid[j] for j in np.flatnonzero(self.approves[payers].any(axis=0)).tolist()}
            for p in touched:
                cache.pop(p, None)
            known = {p: g for p, g in known.items() if p not in touched and p != winner}

    def raise_by(self, rise, start):
        """The rounds before ``start`` stay as they were after a rise of ``rise``: their own rises fall by it."""
        self.rises = [None if r is None else r - rise for r in self.rises[:start]] + self.rises[start:]


def _least(values):
    best = None
    for v in values:
        if v is not None and (best is None or v < best):
            best = v
    return best


def exact_equal_shares(costs, ballots, budget, *, utility="cost", ties="approvals", completion="add-opt",
                       trace=None):
    """Exact Equal Shares completed by ``completion`` (see the module notes); returns the projects funded, sorted.

    ``trace``, a dict, is filled so that a result can be explained (amounts as exact text, "8/5"):
    ``share``: ``start`` (budget / voters) and ``used`` (the share the outcome was found at);
    ``completion``: ``kind``, ``utility``, ``stopped`` (``over_budget``, ``nothing_can_change``,
    ``single_run`` or ``no_voters``), ``runs`` and ``spent``; ``order``: the projects in the order
    bought; ``projects``: per project, in the run at the used share, ``step`` (the round it was
    bought at or, if never, the first round at which no number of its supporters could each pay
    an equal part of it), ``money`` (what its supporters held between them at that round),
    ``cost``, ``votes``, ``funded``, ``reason`` (``bought``, ``free``, ``could_not_afford`` or
    ``no_votes``) and, if bought, ``payers`` and ``each_paid``.
    """
    if utility not in UTILITIES:
        raise AllocationError(f"Unknown utility {utility!r}: use one of {', '.join(UTILITIES)}")
    if completion not in COMPLETIONS:
        raise AllocationError(f"Unknown completion {completion!r}: use one of {', '.join(COMPLETIONS)}")
    costs = {p: exact(c) for p, c in costs.items()}
    budget = exact(budget)
    for p, c in costs.items():
        if c < 0:
            raise AllocationError(f"project {p} has a negative cost")
    for ballot in ballots:
        unknown = set(ballot) - costs.keys()
        if unknown:
            raise AllocationError(f"a ballot chooses {sorted(unknown, key=str)[0]}, which is not a project")
    approvals = approval_counts(costs, ballots)
    tie = order_key(approvals, ties)
    n = len(ballots)
    kept, share, start, stopped, runs = [], None, None, "no_voters", 0
    if n:
        members = {p: [] for p in costs}
        for i, ballot in enumerate(ballots):
            for p in set(ballot):
                members[p].append(i)
        supporters = {p: np.array(v, dtype=np.int64) for p, v in members.items() if v}
        start = share = mpq(budget) / n
        runs_of = _Runs(costs, supporters, tie, n, utility)
        bought, best, best_spent, best_share = runs_of.run(share, next_change=completion != "none"), None, None, None
        while True:
            runs += 1
            spent = sum((costs[p] for p in bought), 0)
            if completion == "none":
                kept, stopped = bought, "single_run"
                break
            # add-opt keeps the latest outcome within the budget; the exhaustive one the first that spends most.
            if spent <= budget and (completion == "add-opt" or best_spent is None or spent > best_spent):
                best, best_spent, best_share = bought, spent, share
            if spent > budget and completion == "add-opt":
                stopped = "over_budget"
                break
            rise, first = runs_of.next_rise()
            if rise is None:
                stopped = "nothing_can_change"
                break
            share += rise
            runs_of.raise_by(rise, first)
            bought = runs_of.run(share, first)
        if completion != "none":
            kept, share = best, best_share
    if trace is not None:
        figures = {}
        if n:
            _Runs(costs, supporters, tie, n, utility).run(share, record=figures, next_change=False)
        for p in costs:
            entry = figures.setdefault(p, {"step": None, "money": None, "funded": False, "reason": "no_votes"})
            entry.update(votes=approvals[p], cost=amount(costs[p]))
        trace.update(
            share={"start": amount(start) if start is not None else None,
                   "used": amount(share) if share is not None else None},
            completion={"kind": completion, "utility": utility, "stopped": stopped, "runs": runs,
                        "spent": amount(sum((costs[p] for p in kept), 0))},
            order=list(kept), projects=figures)
    return sorted(kept, key=str)
