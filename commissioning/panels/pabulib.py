"""Reading and writing pabulib ``.pb`` files (META, PROJECTS and VOTES sections, ';' separated)."""
import csv
import io
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from commissioning.panels.allocation import AllocationError


class PbFormatError(AllocationError):
    """A bad file; the message names the line."""


def parse_amount(text):
    """A decimal amount ("15000", "15000.50", "1e3") exactly: an int when whole, else a Fraction; None if not a number."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite():
        return None
    exact = Fraction(value)
    return int(exact) if exact.denominator == 1 else exact


def parse_pb(text):
    """Return {"meta", "costs": {id: cost}, "names": {id: name}, "ballots": [set], "budget"} for an approval file.

    Costs and the budget are exact: ints when whole, Fractions when they have pence (never floats).
    """
    meta, projects, names, votes = {}, {}, {}, []
    section, header, vote_at, voter_at = None, None, None, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) <= 8 and line.upper() in ("META", "PROJECTS", "VOTES"):
            section, header = line.upper(), None
            continue
        if section is None:
            raise PbFormatError(f"line {number}: expected a META, PROJECTS or VOTES section first")
        if section == "VOTES" and header is not None and '"' not in line:
            # The bulk of a file: read only the vote column (the rest is voters' details).
            fields = line.split(";")
            chosen = {v.strip() for v in fields[vote_at].split(",")} if len(fields) > vote_at else set()
            chosen.discard("")
            if not chosen <= projects.keys():
                raise PbFormatError(f"line {number}: voter {fields[voter_at].strip()} votes for unknown project "
                                    f"{sorted(chosen - projects.keys())[0]}")
            votes.append(chosen)
            continue
        # Most lines hold no quotes: splitting them is several times faster than a csv reader per line.
        fields = line.split(";") if '"' not in line else next(csv.reader([line], delimiter=";"))
        if header is None:
            header = [f.strip().lower() for f in fields]
            if section == "META" and header[:2] != ["key", "value"]:
                raise PbFormatError(f"line {number}: the META section must start with 'key;value'")
            if section == "PROJECTS" and ("project_id" not in header or "cost" not in header):
                raise PbFormatError(f"line {number}: the PROJECTS section needs project_id and cost columns")
            if section == "VOTES" and ("voter_id" not in header or "vote" not in header):
                raise PbFormatError(f"line {number}: the VOTES section needs voter_id and vote columns")
            if section == "VOTES":
                vote_at, voter_at = header.index("vote"), header.index("voter_id")
            continue
        row = dict(zip(header, (f.strip() for f in fields)))
        if section == "META":
            meta[row["key"].lower()] = row.get("value", "")
        elif section == "PROJECTS":
            pid = row["project_id"]
            cost = parse_amount(row.get("cost", ""))
            if cost is None:
                raise PbFormatError(f"line {number}: project {pid} has a cost that is not a number")
            if cost < 0:
                raise PbFormatError(f"line {number}: project {pid} has a negative cost")
            if pid in projects:
                raise PbFormatError(f"line {number}: project {pid} is listed twice")
            projects[pid] = cost
            if row.get("name"):
                names[pid] = row["name"]
        else:
            chosen = {v.strip() for v in row.get("vote", "").split(",")}
            chosen.discard("")
            if not chosen <= projects.keys():
                unknown = sorted(chosen - projects.keys())
                raise PbFormatError(f"line {number}: voter {row['voter_id']} votes for unknown project "
                                    f"{unknown[0]}")
            votes.append(chosen)
    for name, present in (("META", meta), ("PROJECTS", projects)):
        if not present:
            raise PbFormatError(f"the {name} section is missing or empty")
    if "vote_type" in meta and meta["vote_type"].lower() != "approval":
        raise PbFormatError(f"vote_type is {meta['vote_type']!r}: only approval ballots are supported")
    budget = parse_amount(meta.get("budget", ""))
    if budget is None:
        raise PbFormatError("META must give the budget as a number")
    if budget < 0:
        raise PbFormatError("META gives a negative budget")
    return {"meta": meta, "costs": projects, "names": names, "ballots": votes, "budget": budget}


def write_pb(meta, costs, names, ballots):
    """A .pb text for an approval round: ``ballots`` is [(voter_id, [project ids])]."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in {**meta, "num_projects": len(costs), "num_votes": len(ballots), "vote_type": "approval"}.items():
        writer.writerow([key, _decimal(value) if key == "budget" else value])
    out.write("PROJECTS\n")
    writer.writerow(["project_id", "cost", "name"])
    for pid in sorted(costs, key=str):
        writer.writerow([pid, _decimal(costs[pid]), names.get(pid, pid)])
    out.write("VOTES\n")
    writer.writerow(["voter_id", "vote"])
    for voter_id, chosen in ballots:
        writer.writerow([voter_id, ",".join(str(p) for p in chosen)])
    return out.getvalue()


def _decimal(value):
    """An exact amount as the decimal text a .pb file holds (15000.5 for Fraction(30001, 2))."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        text = str(Decimal(value.numerator) / Decimal(value.denominator))
        if Fraction(Decimal(text)) != value:
            raise AllocationError(f"{value} has no exact decimal form")
        return text
    return value
