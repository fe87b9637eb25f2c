"""The picture beside each "why": for every project, the money that could pay for it when its turn
came against what it cost, drawn from the rule's own figures (the round's trace).

Equal shares: what the people who chose it had left between them; greedy: what was left of the
budget. A project the rule never weighed (no votes, too small a share, over the whole budget) has
only its cost. The geometry is plain data for templates/panels/_chart.html, which draws the SVG
and, beside it, the same figures as a table (the chart is the picture; the table is the record).
"""
from commissioning.core.money import format_pounds
from commissioning.panels.util import _pence, round_trace

WIDTH = 400   # narrow, so that on a phone the text shrinks little (the page scales the SVG to fit)
TITLE_H, BAR_H, BAR_GAP, ROW_GAP = 22, 18, 4, 18
ROW_H = TITLE_H + 2 * BAR_H + BAR_GAP + ROW_GAP
LABEL_W = 130   # room right of the longest bar for "Had £12,345"
TITLE_CHARS = 32  # then ": not funded"; the table has the whole name

NOT_WEIGHED = {
    "no_votes": "Nobody chose it",
    "below_threshold": "Too few people chose it",
    "over_budget": "Costs more than the whole budget",
    "no_cost": "Costs nothing",
}


def _had_label(rule):
    return "Money left when its turn came" if rule == "greedy" else "What the people who chose it had left"


def _short(title):
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"


def money_rows(rnd, trace=None, codes=None):
    """Each project's figures, in the order the rule weighed them (funded or not), then the rest."""
    trace = trace or round_trace(rnd)
    titles = {p.code: p.title for p in rnd.projects}
    rows = []
    for code, facts in trace["projects"].items():
        if codes is not None and code not in codes:
            continue
        had = facts.get("money")
        rows.append({
            "code": code, "title": titles.get(code, code), "funded": bool(facts["funded"]),
            "step": facts.get("step"), "votes": facts.get("votes", 0),
            "cost": _pence(facts["cost"]), "had": None if had is None else _pence(had),
            "note": NOT_WEIGHED.get(facts.get("reason")) if had is None else None,
        })
    rows.sort(key=lambda r: (r["step"] is None, r["step"] or 0, r["title"]))
    return rows


def money_chart(rnd, trace=None, codes=None):
    """The SVG's geometry and the table's rows; None when there is nothing to draw."""
    trace = trace or round_trace(rnd)
    rows = money_rows(rnd, trace, codes)
    if not rows:
        return None
    top = max([r["cost"] for r in rows] + [r["had"] or 0 for r in rows]) or 1
    span = WIDTH - LABEL_W
    drawn = []
    for i, row in enumerate(rows):
        y = i * ROW_H
        had_w = None if row["had"] is None else max(span * row["had"] / top, 2 if row["had"] else 0)
        drawn.append({
            **row,
            "title_y": y + TITLE_H - 6, "short": _short(row["title"]),
            "had_y": y + TITLE_H, "cost_y": y + TITLE_H + BAR_H + BAR_GAP,
            "had_w": round(had_w, 1) if had_w is not None else None,
            "cost_w": round(max(span * row["cost"] / top, 2 if row["cost"] else 0), 1),
            "had_text": None if row["had"] is None else f"Had {format_pounds(row['had'])}",
            "cost_text": f"Costs {format_pounds(row['cost'])}",
            "outcome": "Funded" if row["funded"] else "Not funded",
        })
    return {"width": WIDTH, "height": len(rows) * ROW_H, "bar_h": BAR_H, "rows": drawn,
            "had_label": _had_label(trace["rule"]), "rule": trace["rule"]}
