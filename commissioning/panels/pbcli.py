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
        result = allocate(rule, data["costs"], data["ballots"], data["budget"])
    except (AllocationError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(json.dumps(result))
