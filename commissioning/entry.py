"""The `commissioning` console script.

`pb allocate` is dispatched before Flask is imported: it needs only the allocation engine, and
its start-up time is part of what it is measured on. Everything else goes to the Flask CLI.
"""
import sys


def main():
    if sys.argv[1:3] == ["pb", "allocate"]:
        from commissioning.panels.pbcli import pb_allocate
        return pb_allocate.main(sys.argv[3:], prog_name="commissioning pb allocate")
    from commissioning.cli import cli
    return cli()
