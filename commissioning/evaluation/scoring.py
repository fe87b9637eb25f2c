"""The scoring arithmetic, kept pure so that the task, the page and the benchmark share it.

Quality criteria score ``score / scale_max x weight``; price scores by the specification's
formula; the total is the sum; bids are ranked by total, and equal totals share a rank and
are reported as ties rather than broken silently.
"""
from fractions import Fraction


def price_points(formula, weight, price, lowest):
    if not price or not lowest:
        return Fraction(0)
    if formula == "proportional_difference":
        return max(Fraction(0), 1 - Fraction(price - lowest, lowest)) * weight
    return Fraction(lowest, price) * weight


def score_bids(criteria, bids, quality):
    """``bids``: [(bid_id, organisation, price_pence)]; ``quality``: {(bid_id, criterion): score}.

    Returns {"bids": [...ranked rows...], "ties": [[bid ids]], "missing": [(bid_id, criterion)]}.
    Points are rounded to 2 decimal places only for display; ranking uses exact fractions.
    """
    parents = {c.get("parent") for c in criteria if c.get("parent")}
    leaves = [c for c in criteria if c["name"] not in parents]
    prices = [p for _b, _o, p in bids if p]
    lowest = min(prices) if prices else None
    rows, missing = [], []
    for bid_id, organisation, price in bids:
        total = Fraction(0)
        lines = []
        for c in leaves:
            if c["kind"] == "price":
                points = price_points(c.get("price_formula"), c["weight"], price, lowest)
                lines.append({"criterion": c["name"], "weight": c["weight"], "score": None,
                              "points": round(float(points), 2)})
            else:
                score = quality.get((bid_id, c["name"]))
                if score is None:
                    missing.append((bid_id, c["name"]))
                    score = 0
                points = Fraction(score) / c.get("scale_max", 5) * c["weight"]
                lines.append({"criterion": c["name"], "weight": c["weight"], "score": float(score),
                              "points": round(float(points), 2)})
            total += points
        rows.append({"bid_id": bid_id, "organisation": organisation, "price_pence": price, "lines": lines,
                     "exact_total": total, "total": round(float(total), 2)})
    rows.sort(key=lambda r: (-r["exact_total"], r["bid_id"]))
    ties, rank = [], 0
    for i, row in enumerate(rows):
        if i == 0 or row["exact_total"] != rows[i - 1]["exact_total"]:
            rank = i + 1
        else:
            if not ties or rows[i - 1]["bid_id"] not in ties[-1]:
                ties.append([rows[i - 1]["bid_id"]])
            ties[-1].append(row["bid_id"])
        row["rank"] = rank
    for row in rows:
        del row["exact_total"]
    return {"bids": rows, "ties": ties, "missing": missing}


def score_by_lot(criteria, bids, quality, lots):
    """Bids compete only within their lot: price is relative to the lowest in the lot, ranks restart.

    ``lots``: {bid_id: lot name ("" for an opportunity without lots)}. Rows carry their lot.
    """
    groups = {}
    for bid in bids:
        groups.setdefault(lots.get(bid[0], ""), []).append(bid)
    merged = {"bids": [], "ties": [], "missing": []}
    for lot in sorted(groups):
        result = score_bids(criteria, groups[lot], quality)
        for row in result["bids"]:
            row["lot"] = lot
        for key in merged:
            merged[key].extend(result[key])
    return merged
