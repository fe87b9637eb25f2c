"""Allocation rules for approval ballots, exact and independent of the web application.

``allocate(rule, costs, ballots, budget, ...)`` is the one entry point; the rules themselves live
in ``commissioning/panels/rules/``. Money is exact: ints (pounds, or pence), or Decimal and
Fraction for amounts with pence; never floats.

Rules (``rule``):

- ``greedy``: projects by approvals, each taken if it still fits the remaining budget.
- ``equal-shares``: the Method of Equal Shares, with ``utility`` "cost" (the default) or
  "approvals", completed by ``completion`` "add1" (the default), "add1u", "utilitarian_greedy"
  or "none" (see rules/mes.py).
- ``phragmen``: sequential Phragmén (see rules/phragmen.py).

Options for every rule:

- ``ties``: "approvals" (the default: more approvals first, then the lower project id compared
  as text) or "id" (the lower project id as text only).
- ``min_share``: a minimum share of voters, in percent (an int, Decimal or Fraction): a project
  approved by fewer than that share of the ballots is not eligible; the rule runs as if it had
  not been on the ballot.
- ``unvoted``: whether greedy steps may fund projects nobody chose when money is left over
  (pabutools does; by default they are never funded).
- ``compare``: "greedy" adds the comparison step (Świecie 2024): the rule's outcome is set
  against greedy's on the same ballots; each voter's satisfaction with an outcome is the total
  cost of the projects they approved in it (with ``utility="approvals"``: how many), and greedy's
  outcome is taken if and only if more voters are more satisfied with it than with the rule's,
  strictly; voters satisfied equally count for neither, and a tie keeps the rule's outcome. This
  is pabutools' ``popularity_comparison`` over [the rule, greedy], keeping the rule's outcome when
  both are returned.

Asked for a trace (``allocate(..., trace=True)``; greedy and equal shares), each rule also returns
its own figures for every project, from which an explanation is written (never from a canned
phrase): the step at which its turn came, the money that could pay for it then, its cost,
whether it was funded and a reason code. Amounts are exact, written as strings ("2500" or
"4000/3", in the units of the costs). The trace is worked out after the outcome, so counting
without one costs nothing extra.

Reason codes: ``fitted`` and ``did_not_fit`` (greedy: the money left when its turn came);
``bought`` and ``could_not_afford`` (equal shares: its supporters' money left between them);
``no_votes``; ``no_cost`` (equal shares with cost utilities buys nothing that costs nothing);
``free`` (approval utilities: a project that costs nothing and has a vote, selected first);
``completion`` (funded by the utilitarian greedy completion with what was left).
"""
from commissioning.panels.rules.common import (  # noqa: F401 (the engine's names, kept where callers find them)
    TIES, AllocationError, amount as _amount, approval_counts, exact, order_key)
from commissioning.panels.rules.greedy import greedy, utilitarian_greedy
from commissioning.panels.rules.mes import (  # noqa: F401
    _CLOSE, COMPLETIONS, EXACT, UTILITIES, _Wallets, equal_shares)
from commissioning.panels.rules.phragmen import sequential_phragmen


def _order_key(approvals):
    return order_key(approvals, "approvals")


RULES = {"greedy": greedy, "equal-shares": equal_shares, "phragmen": sequential_phragmen}


def eligible(costs, ballots, min_share):
    """Costs and ballots without the projects approved by fewer than ``min_share`` percent of ballots."""
    if not min_share:
        return costs, ballots
    share = exact(min_share)
    if share < 0 or share > 100:
        raise AllocationError(f"min_share {min_share} is not a percentage between 0 and 100")
    approvals = approval_counts(costs, ballots)
    kept = {p: c for p, c in costs.items() if approvals[p] * 100 >= share * len(ballots)}
    return kept, [{p for p in b if p in kept} for b in ballots]


def _satisfaction(costs, ballots, outcome, utility):
    chosen = set(outcome)
    if utility == "cost":
        return [sum(costs[p] for p in b if p in chosen) for b in ballots]
    return [sum(1 for p in b if p in chosen) for b in ballots]


def allocate(rule, costs, ballots, budget, trace=False, *, completion=None, utility="cost", ties="approvals",
             min_share=None, compare=None, unvoted=False):
    """The outcome; with ``trace``, also the rule's own figures for every project (see the module notes)."""
    if rule not in RULES:
        raise AllocationError(f"Unknown rule {rule!r}: use {', '.join(RULES)}")
    if ties not in TIES:
        raise AllocationError(f"Unknown tie-break {ties!r}: use one of {', '.join(TIES)}")
    if compare not in (None, "greedy"):
        raise AllocationError(f"Unknown comparison {compare!r}: use greedy")
    if completion is not None and rule != "equal-shares":
        raise AllocationError("A completion is chosen only for equal-shares")
    all_costs = costs
    costs = {p: exact(c) for p, c in costs.items()}
    budget = exact(budget)
    if budget < 0 or any(c < 0 for c in costs.values()):
        raise AllocationError("Costs and the budget cannot be negative")
    costs, ballots = eligible(costs, [set(b) for b in ballots], min_share)
    figures = {} if trace else None
    if rule == "greedy":
        selected = greedy(costs, ballots, budget, trace=figures, ties=ties, unvoted=unvoted)
        if trace:
            figures = {"projects": figures,
                       "order": [p for p, f in sorted(figures.items(), key=lambda i: i[1]["step"] or 0)
                                 if f["funded"]]}
    elif rule == "equal-shares":
        selected = equal_shares(costs, ballots, budget, trace=figures, utility=utility,
                                completion=completion or "add1", ties=ties, unvoted=unvoted)
    else:
        selected = sequential_phragmen(costs, ballots, budget, ties=ties, unvoted=unvoted)
        figures = None
    compared = None
    if compare == "greedy":
        other = greedy(costs, ballots, budget, ties=ties, unvoted=unvoted)
        ours, theirs = _satisfaction(costs, ballots, selected, utility), _satisfaction(costs, ballots, other, utility)
        prefer_rule = sum(1 for a, b in zip(ours, theirs) if a > b)
        prefer_greedy = sum(1 for a, b in zip(ours, theirs) if b > a)
        compared = {"against": "greedy", "prefer_rule": prefer_rule, "prefer_greedy": prefer_greedy,
                    "taken": "greedy" if prefer_greedy > prefer_rule else rule}
        if prefer_greedy > prefer_rule:
            selected = other
    result = {"rule": rule, "selected": sorted(selected, key=str), "cost": sum(all_costs[p] for p in selected)}
    if compared is not None:
        result["comparison"] = compared
    if trace:
        result["trace"] = {"rule": rule, "budget": _amount(budget), "voters": len(ballots), **(figures or {})}
        if compared is not None:
            result["trace"]["comparison"] = compared
    return result
