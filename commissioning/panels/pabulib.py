"""Reading and writing pabulib ``.pb`` files (META, PROJECTS and VOTES sections, ';' separated).

csv, decimal and fractions are imported where first needed: a file of whole amounts without
quoted fields needs none of them, and `pb allocate`'s start-up is part of what it is measured on.
"""
import re

from commissioning.panels.allocation import AllocationError


class PbFormatError(AllocationError):
    """A bad file; the message names the line."""


def parse_amount(text):
    """A decimal amount ("15000", "15000.50", "1e3") exactly: an int when whole, else a Fraction; None if not a number."""
    if type(text) is str:
        plain = text.strip()
        if plain.isascii() and plain.isdigit():   # the usual case, read as Decimal would read it
            return int(plain)
    from decimal import Decimal, InvalidOperation
    from fractions import Fraction
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite():
        return None
    exact = Fraction(value)
    return int(exact) if exact.denominator == 1 else exact


# pabulib's vote types, as the engine's ballot kinds ("choose-1" ballots are approval ballots of one).
VOTE_TYPES = {"approval": "approval", "choose-1": "approval", "cumulative": "cumulative", "ordinal": "ordinal"}

# META keys in the order pabulib-checker expects them (pabulib.org/format); others go into ``comment``.
META_ORDER = ("description", "country", "unit", "district", "subunit", "instance", "num_projects", "num_votes",
              "budget", "vote_type", "rule", "date_begin", "date_end", "min_length", "max_length", "min_sum_cost",
              "max_sum_cost", "min_points", "max_points", "min_sum_points", "max_sum_points", "default_score",
              "min_project_cost", "max_project_cost", "min_project_score_threshold", "neighborhoods",
              "subdistricts", "categories", "edition", "language", "currency", "fully_funded", "experimental",
              "comment", "acknowledgments")


def pabulib_rule_name(rule, completion=None, compare=None):
    """Our rule as pabulib names it in META ``rule``; "unknown" where pabulib has no name for it.

    greedy -> "greedy"; equal-shares with add1 (the default) -> "equalshares/add1", with no
    completion -> "equalshares", and "-comparison" after either when greedy's outcome was
    compared. add1u, utilitarian_greedy and phragmen have no pabulib name.
    """
    if rule == "greedy":
        return "greedy"
    if rule == "equal-shares":
        name = {None: "equalshares/add1", "add1": "equalshares/add1", "none": "equalshares"}.get(completion)
        if name is None:
            return "unknown"
        return name + ("-comparison" if compare == "greedy" else "")
    return "unknown"


def _whole(text, what, number):
    try:
        value = int(text)
    except ValueError:
        raise PbFormatError(f"line {number}: {what} {text!r} is not a whole number") from None
    return value


def parse_pb(text):
    """Return {"meta", "kind", "costs": {id: cost}, "names": {id: name}, "ballots", "budget"} for a .pb file.

    ``kind`` is "approval" (pabulib vote_type approval or choose-1), "cumulative" or "ordinal";
    ballots are in the engine's shapes: a set of ids, {id: points} from the ``points`` column
    (projects given 0 points are left out), or a list of ids in the order of the ``vote`` column.
    META's min_length and max_length (projects per ballot) and min_sum_points and max_sum_points
    (cumulative) are checked where given. Costs and the budget are exact: ints when whole,
    Fractions when they have pence (never floats). Keys kept in a numbered ``comment`` by
    ``write_pb`` ("#1: min_approval_percent: 10") are read back into meta.
    """
    meta, projects, names, votes = {}, {}, {}, []
    section, header, vote_at, voter_at, points_at = None, None, None, None, None
    kind, limits, choose_one = "approval", {}, False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) <= 8 and line.upper() in ("META", "PROJECTS", "VOTES"):
            section, header = line.upper(), None
            continue
        if section is None:
            raise PbFormatError(f"line {number}: expected a META, PROJECTS or VOTES section first")
        if section == "VOTES" and header is not None and '"' not in line and kind == "approval":
            # The bulk of a file: read only the vote column (the rest is voters' details).
            fields = line.split(";", last + 1)
            text = fields[vote_at] if len(fields) > vote_at else ""
            known = read.get(text)
            if known is not None:   # the same vote as an earlier voter's: already checked
                votes.append(set(known))
                continue
            chosen = {v.strip() for v in text.split(",")}
            chosen.discard("")
            if not chosen <= projects.keys():
                raise PbFormatError(f"line {number}: voter {fields[voter_at].strip()} votes for unknown project "
                                    f"{sorted(chosen - projects.keys())[0]}")
            if choose_one and len(chosen) > 1:
                raise PbFormatError(f"line {number}: voter {fields[voter_at].strip()} chose {len(chosen)} projects, "
                                    "but a choose-1 ballot takes one")
            if limits:
                _check_length(limits, len(chosen), fields[voter_at].strip(), number)
            votes.append(chosen)
            read[text] = chosen
            continue
        # Most lines hold no quotes: splitting them is several times faster than a csv reader per line.
        fields = line.split(";") if '"' not in line else _quoted(line)
        if header is None:
            header = [f.strip().lower() for f in fields]
            if section == "META" and header[:2] != ["key", "value"]:
                raise PbFormatError(f"line {number}: the META section must start with 'key;value'")
            if section == "PROJECTS" and ("project_id" not in header or "cost" not in header):
                raise PbFormatError(f"line {number}: the PROJECTS section needs project_id and cost columns")
            if section == "VOTES":
                if "voter_id" not in header or "vote" not in header:
                    raise PbFormatError(f"line {number}: the VOTES section needs voter_id and vote columns")
                kind, limits = _kind_and_limits(meta)
                choose_one = meta.get("vote_type", "").strip().lower() == "choose-1"
                if kind == "cumulative" and "points" not in header:
                    raise PbFormatError(f"line {number}: a cumulative file's VOTES section needs a points column")
                vote_at, voter_at = header.index("vote"), header.index("voter_id")
                last = max(vote_at, voter_at)   # the columns after these are not read
                read = {}                       # votes checked, by their text (many repeat)
                points_at = header.index("points") if kind == "cumulative" else None
            continue
        if section == "VOTES":
            # A vote (and its points) as an earlier voter's: already checked, read again as a copy.
            key = (fields[vote_at] if len(fields) > vote_at else None,
                   fields[points_at] if points_at is not None and len(fields) > points_at else None)
            known = read.get(key)
            if known is not None:
                votes.append(known.copy())
                continue
            voter = fields[voter_at].strip() if len(fields) > voter_at else "?"
            ranked = [v.strip() for v in fields[vote_at].split(",")] if len(fields) > vote_at else []
            ranked = [v for v in ranked if v]
            unknown = [p for p in ranked if p not in projects]
            if unknown:
                raise PbFormatError(f"line {number}: voter {voter} votes for unknown project {unknown[0]}")
            if len(set(ranked)) != len(ranked):
                twice = next(p for i, p in enumerate(ranked) if p in ranked[:i])
                raise PbFormatError(f"line {number}: voter {voter} lists project {twice} more than once")
            if choose_one and len(ranked) > 1:
                raise PbFormatError(f"line {number}: voter {voter} chose {len(ranked)} projects, but a choose-1 "
                                    "ballot takes one")
            _check_length(limits, len(ranked), voter, number)
            if kind == "cumulative":
                given = [v.strip() for v in fields[points_at].split(",")] if len(fields) > points_at else []
                given = [v for v in given if v]
                if len(given) != len(ranked):
                    raise PbFormatError(f"line {number}: voter {voter} votes for {len(ranked)} projects but gives "
                                        f"{len(given)} points")
                points = [_whole(v, "points", number) for v in given]
                if any(x < 0 for x in points):
                    raise PbFormatError(f"line {number}: voter {voter} gives negative points")
                _check_points(limits, sum(points), voter, number)
                votes.append({p: x for p, x in zip(ranked, points) if x > 0})
            elif kind == "ordinal":
                votes.append(ranked)
            else:
                votes.append(set(ranked))
            read[key] = votes[-1]
            continue
        row = dict(zip(header, (f.strip() for f in fields)))
        if section == "META":
            meta[row["key"].lower()] = row.get("value", "")
        else:
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
    for name, present in (("META", meta), ("PROJECTS", projects)):
        if not present:
            raise PbFormatError(f"the {name} section is missing or empty")
    kind, _ = _kind_and_limits(meta)
    for key, value in _comment_keys(meta.get("comment", "")).items():
        meta.setdefault(key, value)
    budget = parse_amount(meta.get("budget", ""))
    if budget is None:
        raise PbFormatError("META must give the budget as a number")
    if budget < 0:
        raise PbFormatError("META gives a negative budget")
    return {"meta": meta, "kind": kind, "costs": projects, "names": names, "ballots": votes, "budget": budget}


def _quoted(line):
    """The fields of a line with quotes in it, as the csv module reads them.

    A field wholly in quotes, its own quotes doubled and no ';' in it (a project's name, say), is
    unquoted here; any other use of quotes goes to the csv module (its import costs more than a
    small file takes to read).
    """
    fields = line.split(";")
    for i, field in enumerate(fields):
        if '"' in field:
            inner = field[1:-1]
            if len(field) < 2 or field[0] != '"' or field[-1] != '"' or '"' in inner.replace('""', ""):
                import csv
                return next(csv.reader([line], delimiter=";"))
            fields[i] = inner.replace('""', '"')
    return fields


def _kind_and_limits(meta):
    """The ballot kind META's vote_type gives, and the ballot limits it sets, checked to be whole numbers."""
    vote_type = meta.get("vote_type", "approval").strip().lower() or "approval"
    if vote_type not in VOTE_TYPES:
        raise PbFormatError(f"vote_type is {meta['vote_type']!r}: only approval, choose-1, cumulative and ordinal "
                            "ballots are supported")
    limits = {}
    for key in ("min_length", "max_length") + (("min_sum_points", "max_sum_points")
                                               if VOTE_TYPES[vote_type] == "cumulative" else ()):
        value = meta.get(key, "").strip()
        if value:
            number = parse_amount(value)
            if number is None or number != int(number):
                raise PbFormatError(f"META {key} is {value!r}, not a whole number")
            limits[key] = int(number)
    return VOTE_TYPES[vote_type], limits


def _check_length(limits, length, voter, number):
    if "min_length" in limits and length < limits["min_length"]:
        raise PbFormatError(f"line {number}: voter {voter} chose {length} projects, fewer than the "
                            f"{limits['min_length']} this vote asked for (min_length)")
    if "max_length" in limits and length > limits["max_length"]:
        raise PbFormatError(f"line {number}: voter {voter} chose {length} projects, more than the "
                            f"{limits['max_length']} this vote allowed (max_length)")


def _check_points(limits, total, voter, number):
    if "min_sum_points" in limits and total < limits["min_sum_points"]:
        raise PbFormatError(f"line {number}: voter {voter} gave {total} points in all, fewer than the "
                            f"{limits['min_sum_points']} this vote asked for (min_sum_points)")
    if "max_sum_points" in limits and total > limits["max_sum_points"]:
        raise PbFormatError(f"line {number}: voter {voter} gave {total} points in all, more than the "
                            f"{limits['max_sum_points']} this vote allowed (max_sum_points)")


def _comment_keys(comment):
    """``key: value`` pairs kept in a numbered META comment ("#1: min_approval_percent: 10; #2: ...")."""
    found = {}
    for part in re.split(r"#\d+:\s*", comment or ""):
        key, sep, value = part.strip().rstrip(";").partition(":")
        if sep and re.fullmatch(r"[a-z_]+", key.strip()):
            found[key.strip()] = value.strip()
    return found


def write_pb(meta, costs, names, ballots, kind="approval", extra=None):
    """A .pb text: ``ballots`` is [(voter_id, ballot)], each in the engine's shape for ``kind``.

    Approval: an iterable of ids (written as given; vote_type "choose-1" if meta says so, else
    "approval"); cumulative: {id: points}, written most points first with a ``points`` column;
    ordinal: a list of ids, first choice first. META keys go in pabulib's order; ``rule`` may be
    ours ("equal-shares", with meta ``completion`` and ``compare`` if any) and is written by its
    pabulib name (``pabulib_rule_name``); ``date_begin`` and ``date_end`` are taken from meta (a
    date is written DD.MM.YYYY); cumulative files get ``max_sum_points`` from meta, or else the
    most any ballot gave; ``fully_funded`` 1 is added when the budget covers every project. Keys
    pabulib does not know (``min_approval_percent``) are kept in a numbered ``comment``, which
    ``parse_pb`` reads back. ``extra``: {project id: {"votes": n, "score": n, "selected": 0 or 1}},
    written as PROJECTS columns of those names (any project may leave one out: written empty).
    Written files pass pabulib-checker when the data allow (it also refuses, for instance,
    projects that cost nothing and empty ballots).
    """
    import csv
    import io
    if kind not in ("approval", "cumulative", "ordinal"):
        raise AllocationError(f"Unknown ballot kind {kind!r}: use approval, cumulative or ordinal")
    meta = dict(meta)
    completion, compare = meta.pop("completion", None), meta.pop("compare", None)
    if meta.get("rule") in ("greedy", "equal-shares", "phragmen"):
        meta["rule"] = pabulib_rule_name(meta["rule"], completion, compare)
    vote_type = "choose-1" if kind == "approval" and meta.get("vote_type") == "choose-1" else kind
    meta.update(num_projects=len(costs), num_votes=len(ballots), vote_type=vote_type)
    if kind == "cumulative" and not meta.get("max_sum_points"):
        meta["max_sum_points"] = max((sum(b.values()) for _, b in ballots), default=0)
    budget = meta.get("budget")
    if budget is not None and "fully_funded" not in meta and sum(costs.values()) <= budget:
        meta["fully_funded"] = 1
    for key in ("date_begin", "date_end"):
        if hasattr(meta.get(key), "strftime"):
            meta[key] = meta[key].strftime("%d.%m.%Y")
    unknown = [k for k in meta if k not in META_ORDER]
    if unknown:
        notes = [meta["comment"][4:]] if meta.get("comment", "").startswith("#1: ") else \
            ([meta["comment"]] if meta.get("comment") else [])
        notes += [f"{k}: {meta[k]}" for k in unknown]
        meta["comment"] = "; ".join(f"#{i}: {note}" for i, note in enumerate(notes, start=1))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key in META_ORDER:
        if key in meta and meta[key] is not None:
            writer.writerow([key, _decimal(meta[key]) if key == "budget" else meta[key]])
    extra = extra or {}
    given = {column for facts in extra.values() for column in facts}
    before = [c for c in ("votes", "score") if c in given]
    after = ["selected"] if "selected" in given else []
    out.write("PROJECTS\n")
    writer.writerow(["project_id", "cost", *before, "name", *after])
    for pid in sorted(costs, key=str):
        facts = extra.get(pid, {})
        writer.writerow([pid, _decimal(costs[pid]), *(facts.get(c, "") for c in before), names.get(pid, pid),
                         *(int(facts[c]) if c in facts else "" for c in after)])
    out.write("VOTES\n")
    if kind == "cumulative":
        writer.writerow(["voter_id", "vote", "points"])
        for voter_id, points in ballots:
            ranked = sorted(points, key=lambda p: -points[p])   # most points first (stable)
            writer.writerow([voter_id, ",".join(str(p) for p in ranked), ",".join(str(points[p]) for p in ranked)])
    else:
        writer.writerow(["voter_id", "vote"])
        for voter_id, chosen in ballots:
            writer.writerow([voter_id, ",".join(str(p) for p in chosen)])
    return out.getvalue()


def pabulib_counts(kind, projects, ballots):
    """{project: {"votes": n, "score": n}} as pabulib's PROJECTS columns count them, for ``write_pb``'s extra.

    ``votes``: the voters who chose it, gave it points or ranked it. ``score``: cumulative, its
    total points; ordinal, pabulib's positional points (on a ballot of k projects the first gets
    k, the last 1: the engine's Borda score, pabutools' definition, plus 1 for each voter who
    ranked it); approval ballots have no score column.
    """
    counts = {p: {"votes": 0, **({"score": 0} if kind != "approval" else {})} for p in projects}
    for ballot in ballots:
        if kind == "cumulative":
            for p, points in ballot.items():
                counts[p]["votes"] += 1
                counts[p]["score"] += points
        elif kind == "ordinal":
            for i, p in enumerate(ballot):
                counts[p]["votes"] += 1
                counts[p]["score"] += len(ballot) - i
        else:
            for p in ballot:
                counts[p]["votes"] += 1
    return counts


def _decimal(value):
    """An exact amount as the decimal text a .pb file holds (15000.5 for Fraction(30001, 2))."""
    from decimal import Decimal
    from fractions import Fraction
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        text = str(Decimal(value.numerator) / Decimal(value.denominator))
        if Fraction(Decimal(text)) != value:
            raise AllocationError(f"{value} has no exact decimal form")
        return text
    return value


def allocate_file(path, rule, *, completion=None, utility="cost", min_share=None, ties="approvals", compare=None,
                  unvoted=False):
    """What `commissioning pb allocate` prints for a .pb file: the outcome, its cost a plain JSON number.

    Raises AllocationError (PbFormatError for a bad file), UnicodeDecodeError or ValueError, which
    the command turns into its error message.
    """
    from commissioning.panels.allocation import allocate
    from commissioning.panels.rules.common import plain
    with open(path, encoding="utf-8-sig") as handle:
        data = parse_pb(handle.read())
    # A file written by `pb export` for a round with a minimum share of voters per project says so.
    share_text = min_share if min_share is not None else data["meta"].get("min_approval_percent") or "0"
    share = parse_amount(share_text)
    if share is None:
        raise AllocationError(f"the minimum share {share_text!r} is not a number")
    result = allocate(rule, data["costs"], data["ballots"], data["budget"], kind=data["kind"], completion=completion,
                      utility=utility, ties=ties, min_share=share, compare=compare, unvoted=unvoted)
    result["cost"] = plain(result["cost"])
    return result
