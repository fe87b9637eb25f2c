"""What every rule shares: exact money, the tie order, approval counts and the error type.

decimal and fractions are imported where first needed: whole amounts need neither, and their
imports are a noticeable part of the start-up of `pb allocate` on a small file.
"""


class AllocationError(ValueError):
    pass


# How ties between projects are broken. Each is a sort key: the smaller key goes first.
#   "approvals" (the default, as since the first version): more approvals first, then the
#       lower project id compared as text ("10" before "9").
#   "id": the lower project id as text only (pabutools' default, lexicographic by name).
TIES = ("approvals", "id")


def order_key(approvals, ties="approvals"):
    if ties == "approvals":
        return lambda p: (-approvals[p], str(p))
    if ties == "id":
        return lambda p: str(p)
    raise AllocationError(f"Unknown tie-break {ties!r}: use one of {', '.join(TIES)}")


def approval_counts(projects, ballots):
    counts = {p: 0 for p in projects}
    for ballot in ballots:
        for p in ballot:
            counts[p] += 1
    return counts


def exact(value):
    """Money as an exact number: int stays int; Fraction, Decimal and mpq become mpq. Floats are refused."""
    if isinstance(value, bool):
        raise AllocationError("an amount cannot be true or false")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise AllocationError(f"amount {value!r} is a float: give it as an int, Decimal or Fraction")
    from decimal import Decimal
    if isinstance(value, Decimal):
        from fractions import Fraction
        value = Fraction(value)
    from gmpy2 import mpq   # here: importing gmpy2 costs ~20 ms of start-up, and whole amounts never need it
    q = mpq(value)
    return int(q) if q.denominator == 1 else q


def amount(value):
    """An exact amount as JSON-safe text: "2500", or "4000/3" when it is not whole."""
    return str(value)


def plain(value):
    """An exact amount for JSON: an int when whole, else its decimal text ("15000.5") or a fraction ("4000/3")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    from gmpy2 import mpq
    q = mpq(value)
    if q.denominator == 1:
        return int(q)
    d = int(q.denominator)
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # a terminating decimal
        from decimal import Decimal
        return str(Decimal(int(q.numerator)) / Decimal(int(q.denominator)))
    return str(q)


# Ballot kinds. "approval": an iterable of project ids (a choose-1 ballot is an approval ballot of
# one). "cumulative": {project id: points}, each a whole number above 0. "ordinal": a list of
# project ids, most preferred first, none twice.
KINDS = ("approval", "cumulative", "ordinal")


def borda(ranking):
    """Each ranked project's Borda score, as pabutools' ``Additive_Borda_Sat`` defines it: the
    ballot's length less the project's position (0 for the first) less 1. So the last project
    on a ballot scores 0, and a ballot ranking one project gives it nothing."""
    n = len(ranking)
    return {p: n - i - 1 for i, p in enumerate(ranking)}


def read_ballots(kind, projects, ballots):
    """Cumulative or ordinal ballots as [{project: points or Borda score}], checked, in plain words.

    The dicts keep every project the voter gave points to or ranked, even at a score of 0 (a
    ranking's last), since that voter still counts as one of its supporters. Equal ballots are
    read once and share one dict (which nothing changes), so that the counts can take each
    distinct ballot once (see ``distinct``).
    """
    if kind not in KINDS:
        raise AllocationError(f"Unknown ballot kind {kind!r}: use one of {', '.join(KINDS)}")
    read, seen = [], {}
    for number, ballot in enumerate(ballots, start=1):
        # A repeat is known by its content: a ranking's projects in order, or points that are all ints
        # (True or 1.0 compare equal to 1 but are refused as points, so they are never taken as repeats).
        key = None
        if kind == "ordinal" and type(ballot) is list:
            key = tuple(ballot)
        elif kind == "cumulative" and type(ballot) is dict and all(type(u) is int for u in ballot.values()):
            key = tuple(ballot.items())
        if key is not None:
            try:
                known = seen.get(key)
            except TypeError:    # an unhashable id or points: checked below, never as a repeat
                known = key = None
            if known is not None:
                read.append(known)
                continue
        if kind == "cumulative":
            if not hasattr(ballot, "items"):
                raise AllocationError(f"ballot {number} is not a list of points per project")
            for p, points in ballot.items():
                if p not in projects:
                    raise AllocationError(f"ballot {number} gives points to {p}, which is not on the ballot")
                if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
                    raise AllocationError(f"ballot {number} gives {p} {points!r} points: points must be whole "
                                          "numbers above 0")
            read.append(dict(ballot))
        else:
            if isinstance(ballot, (set, frozenset, dict, str)):
                raise AllocationError(f"ballot {number} is not a ranking: give its projects in order, first choice "
                                      "first")
            ranking = list(ballot)
            for p in ranking:
                if p not in projects:
                    raise AllocationError(f"ballot {number} ranks {p}, which is not on the ballot")
            if len(set(ranking)) != len(ranking):
                twice = next(p for i, p in enumerate(ranking) if p in ranking[:i])
                raise AllocationError(f"ballot {number} ranks {twice} more than once")
            read.append(borda(ranking))
        if key is not None:
            seen[key] = read[-1]
    return read


def distinct(scored):
    """[(ballot, how many voters cast it)] over the ballots ``read_ballots`` gave, each shared dict once."""
    seen = {}
    for ballot in scored:
        entry = seen.get(id(ballot))
        if entry is None:
            seen[id(ballot)] = [ballot, 1]
        else:
            entry[1] += 1
    return list(seen.values())


def supporter_counts(projects, scored):
    """How many voters gave each project points or ranked it (its "votes")."""
    counts = {p: 0 for p in projects}
    for ballot, voters in distinct(scored):
        for p in ballot:
            counts[p] += voters
    return counts


def tallies(projects, scored):
    """(``supporter_counts``, ``score_totals``) in one pass."""
    counts, totals = {p: 0 for p in projects}, {p: 0 for p in projects}
    for ballot, voters in distinct(scored):
        for p, u in ballot.items():
            counts[p] += voters
            totals[p] += u * voters
    return counts, totals


def score_totals(projects, scored):
    """Each project's total points (cumulative) or total Borda score (ordinal)."""
    totals = {p: 0 for p in projects}
    for ballot, voters in distinct(scored):
        for p, u in ballot.items():
            totals[p] += u * voters
    return totals
