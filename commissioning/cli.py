"""The ``commissioning`` command: Flask's CLI group plus the project's own commands."""
import os
import signal
import subprocess
import sys
import time

import click
from flask.cli import FlaskGroup, with_appcontext

from commissioning.panels.pbcli import pb_allocate


def _create_app():
    from commissioning import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def cli():
    """Commission youth services and run grants."""


@click.command("demo-data")
@click.option("--scale", type=click.IntRange(min=0), default=0, show_default=True,
              help="Then multiply the demo's records to this many units (each about 5 needs, 10 opportunities, "
                   "101 bids, 20 agreements, 500 returns and 200 ballots); a second run tops up to it, never doubles")
@with_appcontext
def demo_data_command(scale):
    """Load the demo organisations, people and records (safe to run again)."""
    from commissioning.demo import load_demo_data
    from commissioning.extensions import db
    created = load_demo_data()
    db.session.commit()
    click.echo(f"Demo data ready ({created} new records).")
    if scale:
        from commissioning.demo_scale import scale_demo
        outcome = scale_demo(scale)
        db.session.commit()
        if not outcome["units_added"]:
            click.echo(f"Scaled demo data already has {outcome['units_before']} units (asked for {scale}): "
                       "nothing added.")
            return
        added = outcome["added"]
        made = ", ".join(f"{added.get(table, 0):,} {label}" for table, label in (
            ("needs", "needs"), ("opportunities", "opportunities"), ("bids", "bids"), ("agreements", "agreements"),
            ("monitoring_returns", "monitoring returns"), ("panel_ballots", "panel ballots")))
        click.echo(f"Scaled from {outcome['units_before']} to {scale} units in {outcome['seconds']:.1f} s: added "
                   f"{made} ({sum(added.values()):,} rows in all).")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host, port):
    """Run the web app, a Celery worker and beat together; Ctrl-C stops all three."""
    python = sys.executable
    env = dict(os.environ)
    commands = {
        "web": [python, "-m", "flask", "--app", "commissioning:create_app", "run",
                "--host", host, "--port", str(port)],
        "worker": [python, "-m", "celery", "-A", "workers.celery_app", "worker",
                   "--loglevel", "INFO", "--concurrency", "2"],
        "beat": [python, "-m", "celery", "-A", "workers.celery_app", "beat", "--loglevel", "INFO",
                 "--schedule", os.path.join("instance", "celerybeat-schedule")],
    }
    procs = {name: subprocess.Popen(cmd, env=env, start_new_session=True) for name, cmd in commands.items()}
    click.echo(f"Serving on http://{host}:{port} with a worker and beat. Press Ctrl-C to stop.")
    stopping = False

    def stop(*_args):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # each shuts its own children down

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    click.echo(f"{name} stopped (exit {proc.returncode}); stopping the others.", err=True)
                    stop()
                    break
            time.sleep(0.5)
    finally:
        stop()
        deadline = time.time() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    click.echo("Stopped.")


@cli.group("pb", cls=click.Group)  # plain click: these commands need no app (fast start-up)
def pb_group():
    """Pabulib .pb files: allocate with the app's engine, export a round, import one."""


pb_group.add_command(pb_allocate)


@pb_group.command("export")
@click.argument("round_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def pb_export(round_id, path):
    """Write a round (META, PROJECTS, anonymous VOTES in its kind of ballot) as a .pb file, in whole pounds."""
    from commissioning.extensions import db
    from commissioning.panels.models import Round
    from commissioning.panels.util import round_as_pb
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise click.ClickException(f"There is no round {round_id}")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(round_as_pb(rnd))
    click.echo(f"{rnd.reference} written to {path} ({len(rnd.projects)} projects).")


@pb_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--panel", "panel_id", type=int, help="Panel to hold the round (default: the first panel)")
@click.option("--pot", "pot_id", type=int, help="Pot the money comes from (default: the first pot)")
@click.option("--rule", type=click.Choice(["greedy", "equal-shares", "phragmen"]),
              help="Default: the file's rule, else equal-shares (phragmen: approval files only)")
@click.option("--count/--no-count", default=True, show_default=True, help="Count the votes straight away")
@with_appcontext
def pb_import(path, panel_id, pot_id, rule, count):
    """Load a .pb file (approval, choose-1, cumulative or ordinal; costs in pounds) as a closed round with
    anonymous ballots."""
    from commissioning.extensions import db
    from commissioning.funding.models import Pot
    from commissioning.panels.allocation import AllocationError
    from commissioning.panels.models import Panel
    from commissioning.panels.operations import count_round, import_round
    from commissioning.panels.pabulib import parse_pb
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = parse_pb(handle.read())
    except (AllocationError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    panel = db.session.get(Panel, panel_id) if panel_id else db.session.scalars(
        db.select(Panel).order_by(Panel.id)).first()
    pot = db.session.get(Pot, pot_id) if pot_id else db.session.scalars(db.select(Pot).order_by(Pot.id)).first()
    if panel is None or pot is None:
        raise click.ClickException("Set up a panel and a pot first (or name them with --panel and --pot)")
    from commissioning.panels.operations import PanelError
    try:
        rnd = import_round(panel, pot, data, rule=rule)
    except PanelError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    result = count_round(rnd.id) if count else None
    db.session.commit()
    click.echo(f"Imported {rnd.reference} into {panel.name}: {len(rnd.projects)} projects, "
               f"{len(data['ballots'])} ballots.")
    if result is not None:
        click.echo(f"Funded: {', '.join(result.selected) or 'none'} ({result.spent_pence // 100} of "
                   f"{data['budget']}).")


def register_commands(app):
    app.cli.add_command(demo_data_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(pb_group)
