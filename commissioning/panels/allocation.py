"""Allocation rules for approval, cumulative and ordinal ballots, exact and independent of the web application.

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

Ballot kinds (``kind``):

- ``approval`` (the default): each ballot an iterable of project ids; a choose-1 ballot is an
  approval ballot of one. Everything above applies.
- ``cumulative``: each ballot a dict {project id: points}, whole numbers above 0. A voter's
  utility for a project is its points (pabutools ``Additive_Cardinal_Sat``).
- ``ordinal``: each ballot a list of project ids, most preferred first, none twice. A voter's
  utility for a project is its Borda score on their ballot, as pabutools' ``Additive_Borda_Sat``:
  the ballot's length less the project's place (the first is place 0) less 1, so the last
  ranked scores 0 (and a ballot of one project gives it nothing).

For these two: ``greedy`` takes projects by total score (points, or Borda score), most first
(pabutools' greedy_utilitarian_welfare with a satisfaction of score x cost, so that score per
unit of cost is the score); ``equal-shares`` uses those utilities (pabutools'
method_of_equal_shares with the sat class above), each supporter paying in proportion to their
utility, with every completion (add1 steps one unit at a time; add1u and utilitarian_greedy add
projects by score per unit of cost, greedy_utilitarian_welfare with the same sat class);
``phragmen`` is for approval ballots only. ``utility`` is fixed by the kind: the default "cost"
is read as the kind's own ("points" and "borda" may be named), "approvals" is refused. A
project's supporters are the voters who gave it points or ranked it: they are its ``votes``, and
what ``min_share`` and the "approvals" tie order count. The comparison step measures each
voter's satisfaction by their utilities. The trace has the same shape, with each project's
``score`` (its total points or Borda score, as text); for equal shares, also each purchase's
``price_per_point`` (rho), and reason ``no_score`` for a project ranked by some but only last.

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
    KINDS, TIES, AllocationError, amount as _amount, approval_counts, borda, exact, order_key, read_ballots,
    score_totals, supporter_counts, tallies)
from commissioning.panels.rules.greedy import greedy, score_greedy, utilitarian_greedy
from commissioning.panels.rules.mes import (  # noqa: F401
    _CLOSE, COMPLETIONS, EXACT, UTILITIES, _Wallets, equal_shares, scored_equal_shares)
from commissioning.panels.rules.phragmen import sequential_phragmen


def _order_key(approvals):
    return order_key(approvals, "approvals")


def exact_equal_shares(costs, ballots, budget, **options):
    """Exact Equal Shares (rules/exact.py), imported when first asked for: no other rule needs it."""
    from commissioning.panels.rules.exact import exact_equal_shares as run
    return run(costs, ballots, budget, **options)


RULES = {"greedy": greedy, "equal-shares": equal_shares, "phragmen": sequential_phragmen,
         "exact-equal-shares": exact_equal_shares}
#: The completions each rule takes (None: it takes none).
RULE_COMPLETIONS = {"equal-shares": COMPLETIONS, "exact-equal-shares": ("add-opt", "add-opt-exhaustive", "none")}


def _share(min_share):
    """A minimum share of voters as an exact percentage, or None when there is none."""
    if not min_share:
        return None
    share = exact(min_share)
    if share < 0 or share > 100:
        raise AllocationError(f"min_share {min_share} is not a percentage between 0 and 100")
    return share


def eligible(costs, ballots, min_share):
    """Costs and ballots without the projects approved by fewer than ``min_share`` percent of ballots."""
    share = _share(min_share)
    if share is None:
        return costs, ballots
    approvals = approval_counts(costs, ballots)
    kept = {p: c for p, c in costs.items() if approvals[p] * 100 >= share * len(ballots)}
    return kept, [{p for p in b if p in kept} for b in ballots]


def _satisfaction(costs, ballots, outcome, utility):
    chosen = set(outcome)
    if utility == "cost":
        return [sum(costs[p] for p in b if p in chosen) for b in ballots]
    return [sum(1 for p in b if p in chosen) for b in ballots]


# The utility of each ballot kind, by the name allocate() accepts and the trace gives.
KIND_UTILITIES = {"cumulative": "points", "ordinal": "borda"}
RULES_FOR_KIND = {"approval": tuple(RULES), "cumulative": ("greedy", "equal-shares"),
                  "ordinal": ("greedy", "equal-shares")}


def allocate(rule, costs, ballots, budget, trace=False, *, kind="approval", completion=None, utility="cost",
             ties="approvals", min_share=None, compare=None, unvoted=False):
    """The outcome; with ``trace``, also the rule's own figures for every project (see the module notes)."""
    if kind != "approval":
        return _allocate_scored(rule, costs, ballots, budget, trace, kind=kind, completion=completion,
                                utility=utility, ties=ties, min_share=min_share, compare=compare, unvoted=unvoted)
    if rule not in RULES:
        raise AllocationError(f"Unknown rule {rule!r}: use {', '.join(RULES)}")
    if ties not in TIES:
        raise AllocationError(f"Unknown tie-break {ties!r}: use one of {', '.join(TIES)}")
    if compare not in (None, "greedy"):
        raise AllocationError(f"Unknown comparison {compare!r}: use greedy")
    if completion is not None and completion not in RULE_COMPLETIONS.get(rule, ()):
        allowed = RULE_COMPLETIONS.get(rule)
        raise AllocationError(f"The {rule} rule takes the completions {', '.join(allowed)}" if allowed else
                              "A completion is chosen only for equal-shares and exact-equal-shares")
    if rule == "exact-equal-shares" and unvoted:
        raise AllocationError("Exact equal shares never funds projects nobody chose: leave out --unvoted")
    all_costs = costs
    costs = {p: exact(c) for p, c in costs.items()}
    budget = exact(budget)
    if budget < 0 or any(c < 0 for c in costs.values()):
        raise AllocationError("Costs and the budget cannot be negative")
    # Sets are read, never changed, by the rules: only other iterables are copied.
    costs, ballots = eligible(costs, [b if type(b) is set else set(b) for b in ballots], min_share)
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
    elif rule == "exact-equal-shares":
        selected = exact_equal_shares(costs, ballots, budget, utility=utility, ties=ties,
                                      completion=completion or "add-opt", trace=figures)
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


def _scored_eligible(kind, costs, scored, min_share):
    """As ``eligible`` for scored ballots: a ranking loses the projects left out and is scored again."""
    share = _share(min_share)
    if share is None:
        return costs, scored
    counts = supporter_counts(costs, scored)
    kept = {p: c for p, c in costs.items() if counts[p] * 100 >= share * len(scored)}
    if kind == "ordinal":   # the dicts hold the ranking's order
        return kept, [borda([p for p in b if p in kept]) for b in scored]
    return kept, [{p: u for p, u in b.items() if p in kept} for b in scored]


def _allocate_scored(rule, costs, ballots, budget, trace, *, kind, completion, utility, ties, min_share, compare,
                     unvoted):
    """allocate() for cumulative and ordinal ballots (see the module notes)."""
    if kind not in KINDS:
        raise AllocationError(f"Unknown ballot kind {kind!r}: use one of {', '.join(KINDS)}")
    if rule not in RULES:
        raise AllocationError(f"Unknown rule {rule!r}: use {', '.join(RULES)}")
    if rule not in RULES_FOR_KIND[kind]:
        raise AllocationError(f"The rule {rule} counts approval ballots only: for {kind} ballots use greedy or "
                              "equal-shares")
    own = KIND_UTILITIES[kind]
    if utility not in ("cost", own):
        raise AllocationError(f"With {kind} ballots each voter's utility is their "
                              f"{'points' if kind == 'cumulative' else 'Borda score'}, so utility {utility!r} "
                              "cannot be chosen")
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
    scored = read_ballots(kind, costs, ballots)
    costs, scored = _scored_eligible(kind, costs, scored, min_share)
    supporters, scores = tallies(costs, scored)
    figures = {} if trace else None
    if rule == "greedy":
        selected = score_greedy(costs, scores, supporters, budget, trace=figures, ties=ties, unvoted=unvoted)
        if trace:
            figures = {"projects": figures,
                       "order": [p for p, f in sorted(figures.items(), key=lambda i: i[1]["step"] or 0)
                                 if f["funded"]]}
    else:
        selected = scored_equal_shares(costs, scored, supporters, budget, trace=figures,
                                       completion=completion or "add1", ties=ties, unvoted=unvoted, utility=own,
                                       scores=scores)
    compared = None
    if compare == "greedy":
        other = score_greedy(costs, scores, supporters, budget, ties=ties, unvoted=unvoted)
        chosen, theirs = set(selected), set(other)
        ours_sat = [sum(u for p, u in b.items() if p in chosen) for b in scored]
        theirs_sat = [sum(u for p, u in b.items() if p in theirs) for b in scored]
        prefer_rule = sum(1 for a, b in zip(ours_sat, theirs_sat) if a > b)
        prefer_greedy = sum(1 for a, b in zip(ours_sat, theirs_sat) if b > a)
        compared = {"against": "greedy", "prefer_rule": prefer_rule, "prefer_greedy": prefer_greedy,
                    "taken": "greedy" if prefer_greedy > prefer_rule else rule}
        if prefer_greedy > prefer_rule:
            selected = other
    result = {"rule": rule, "selected": sorted(selected, key=str),
              "cost": sum(all_costs[p] for p in selected)}
    if compared is not None:
        result["comparison"] = compared
    if trace:
        result["trace"] = {"rule": rule, "kind": kind, "budget": _amount(budget), "voters": len(scored),
                           **(figures or {})}
        if compared is not None:
            result["trace"]["comparison"] = compared
    return result
