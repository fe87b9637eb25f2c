"""`commissioning pb allocate`: a plain click command that imports neither Flask nor the app."""
import json

import click

from commissioning.entry import CHOICES

RULES = list(CHOICES["rule"])
COMPLETIONS = list(CHOICES["completion"])


@click.command("allocate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", type=click.Choice(RULES), required=True)
@click.option("--completion", type=click.Choice(COMPLETIONS),
              help="equal-shares: add1 (default), add1u (add1 then utilitarian greedy), "
                   "utilitarian_greedy (one run, then greedy) or none; exact-equal-shares: add-opt (default: the "
                   "last outcome within the budget as shares rise), add-opt-exhaustive (the one spending most) or none")
@click.option("--utility", type=click.Choice(CHOICES["utility"]), default="cost", show_default=True,
              help="equal-shares on approval ballots: a supporter's utility is the project's cost, or 1 per "
                   "approved project (cumulative and ordinal ballots use points and Borda scores)")
@click.option("--min-share", "min_share", metavar="PERCENT",
              help="Projects approved by fewer than this percent of voters are not eligible "
                   "(default: the file's min_approval_percent, if any)")
@click.option("--ties", type=click.Choice(CHOICES["ties"]), default="approvals", show_default=True,
              help="Ties: more approvals then the lower id as text, or the lower id as text only")
@click.option("--compare", type=click.Choice(CHOICES["compare"]),
              help="Take greedy's outcome instead if more voters prefer it (the Świecie comparison step)")
@click.option("--unvoted/--no-unvoted", default=False, show_default=True,
              help="Let greedy steps fund projects nobody chose when money is left (as pabutools does)")
def pb_allocate(path, rule, completion, utility, min_share, ties, compare, unvoted):
    """Print the outcome of a .pb file as JSON (approval, choose-1, cumulative or ordinal ballots, as the
    file's vote_type says), without loading the web application."""
    from commissioning.panels.allocation import AllocationError
    from commissioning.panels.pabulib import allocate_file
    try:
        result = allocate_file(path, rule, completion=completion, utility=utility, min_share=min_share, ties=ties,
                               compare=compare, unvoted=unvoted)
    except (AllocationError, UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(json.dumps(result))
