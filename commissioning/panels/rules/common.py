"""What every rule shares: exact money, the tie order, approval counts and the error type."""
from decimal import Decimal
from fractions import Fraction

from gmpy2 import mpq


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
    if isinstance(value, Decimal):
        value = Fraction(value)
    q = mpq(value)
    return int(q) if q.denominator == 1 else q


def amount(value):
    """An exact amount as JSON-safe text: "2500", or "4000/3" when it is not whole."""
    return str(value)


def plain(value):
    """An exact amount for JSON: an int when whole, else its decimal text ("15000.5") or a fraction ("4000/3")."""
    q = mpq(value)
    if q.denominator == 1:
        return int(q)
    d = int(q.denominator)
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # a terminating decimal
        return str(Decimal(int(q.numerator)) / Decimal(int(q.denominator)))
    return str(q)
