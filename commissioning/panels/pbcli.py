"""`commissioning pb allocate`: a plain click command that imports neither Flask nor the app."""
import json

import click


@click.command("allocate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", type=click.Choice(["greedy", "equal-shares"]), required=True)
def pb_allocate(path, rule):
    """Print the outcome of an approval .pb file as JSON, without loading the web application."""
    from commissioning.panels.allocation import AllocationError, allocate
    from commissioning.panels.pabulib import parse_pb
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = parse_pb(handle.read())
        costs, ballots = data["costs"], data["ballots"]
        threshold = int(data["meta"].get("min_approval_percent") or 0)
        if threshold:  # written by `pb export` for rounds with a minimum share of voters per project
            approvals = {p: sum(1 for b in ballots if p in b) for p in costs}
            costs = {p: c for p, c in costs.items() if approvals[p] * 100 >= threshold * len(ballots)}
            ballots = [{p for p in b if p in costs} for b in ballots]
        result = allocate(rule, costs, ballots, data["budget"])
    except (AllocationError, UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(json.dumps(result))
