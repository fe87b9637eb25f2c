"""The ``commissioning`` command: Flask's CLI group plus the project's own commands."""
import os
import signal
import subprocess
import sys
import time

import click
from flask.cli import FlaskGroup, with_appcontext


def _create_app():
    from commissioning import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def cli():
    """Commission youth services and run grants."""


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load the demo organisations, people and records (safe to run again)."""
    from commissioning.demo import load_demo_data
    from commissioning.extensions import db
    created = load_demo_data()
    db.session.commit()
    click.echo(f"Demo data ready ({created} new records).")


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
    """Pabulib .pb files: allocate with the app's engine (export and import come with panels)."""


@pb_group.command("allocate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", type=click.Choice(["greedy", "equal-shares"]), required=True)
def pb_allocate(path, rule):
    """Print the outcome of an approval .pb file as JSON, without loading the web application."""
    import json

    from commissioning.panels.allocation import AllocationError, allocate
    from commissioning.panels.pabulib import parse_pb
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = parse_pb(handle.read())
        result = allocate(rule, data["costs"], data["ballots"], data["budget"])
    except (AllocationError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(json.dumps(result))


def register_commands(app):
    app.cli.add_command(demo_data_command)
    app.cli.add_command(serve_command)
