"""The `commissioning` console script.

`pb allocate` is dispatched before Flask is imported: it needs only the allocation engine, and
its start-up time is part of what it is measured on. A plain call (a file and options the
command knows, each with a valid value) is read here without click, whose import alone costs
about as much as counting a small election; anything else (--help, a mistake to explain, an
error while counting) goes to the click command, which gives the usual messages. Everything
else goes to the Flask CLI.
"""
import os
import sys

# `pb allocate`'s options with a fixed set of values (the click command takes its choices from here).
CHOICES = {
    "rule": ("greedy", "equal-shares", "phragmen", "exact-equal-shares"),
    "completion": ("add1", "add1u", "utilitarian_greedy", "none", "add-opt", "add-opt-exhaustive"),
    "utility": ("cost", "approvals"),
    "ties": ("approvals", "id"),
    "compare": ("greedy",),
}
_FREE = ("min-share",)   # an option whose value is checked by the engine


def _plain_allocate(args):
    """``pb allocate``'s arguments as keywords for ``allocate_file``, or None if click must read them."""
    path, options, i = None, {}, 0
    while i < len(args):
        arg = args[i]
        if arg in ("--unvoted", "--no-unvoted"):
            options["unvoted"] = arg == "--unvoted"
        elif arg.startswith("--") and len(arg) > 2:
            name, sep, value = arg[2:].partition("=")
            if name not in CHOICES and name not in _FREE:
                return None
            if not sep:
                i += 1
                if i == len(args):
                    return None
                value = args[i]
            if name in CHOICES and value not in CHOICES[name]:
                return None
            options[name.replace("-", "_")] = value
        elif arg.startswith("-") or path is not None:
            return None
        else:
            path = arg
        i += 1
    if path is None or "rule" not in options or not os.path.exists(path) or os.path.isdir(path):
        return None
    return path, options


def main():
    if sys.argv[1:3] == ["pb", "allocate"]:
        # The count uses no linear algebra: numpy's OpenBLAS need not start a thread per core when imported
        # (it costs ~70 ms of processor time, which a busy machine feels).
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        plain = _plain_allocate(sys.argv[3:])
        if plain is not None:
            import json

            from commissioning.panels.allocation import AllocationError
            from commissioning.panels.pabulib import allocate_file
            path, options = plain
            try:
                result = allocate_file(path, options.pop("rule"), **options)
            except (AllocationError, UnicodeDecodeError, ValueError):
                result = None   # click says what went wrong, in its words
            if result is not None:
                sys.stdout.write(json.dumps(result) + "\n")
                sys.stdout.flush()
                os._exit(0)   # nothing is left to clean up: the interpreter's teardown costs ~3 ms
        from commissioning.panels.pbcli import pb_allocate
        return pb_allocate.main(sys.argv[3:], prog_name="commissioning pb allocate")
    from commissioning.cli import cli
    return cli()
