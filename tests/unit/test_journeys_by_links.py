"""Each role's journey starts from the dashboard (or the public home page) and reaches every step
by links and buttons alone (issue 17): a journey that types a deep URL proves nothing about whether
a person could find the page.

Reads the journey files of the browser tier with ``ast``: every ``.goto(...)`` must open an entry
point (the home page, sign-in, the dashboard), or a link that came from outside the service (a URL
held in a variable, such as a link read from a mail), never a typed path into the service. A
security probe types a URL on purpose (to show a page is refused): its line says so with a
``# typed on purpose: <why>`` comment.
"""
import ast
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"
JOURNEYS = sorted(BROWSER_TESTS.glob("test_*journeys.py"))
ENTRY_POINTS = {"", "/", "/login", "/dashboard"}


def _typed_path(arg):
    """The literal path a goto argument types, or None when it types none (a link held in a variable).

    ``f"{base}/needs/{need_id}"`` types "/needs/{}"; ``base + "/"`` types "/"; ``link`` types nothing.
    """
    if isinstance(arg, ast.JoinedStr):
        parts = arg.values
        if parts and isinstance(parts[0], ast.FormattedValue):
            parts = parts[1:]  # the server's address
        return "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in parts)
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
        right = _typed_path(arg.right)
        return right if right is not None else ""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def typed_gotos(source):
    found = []
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "goto" \
                and node.args:
            path = _typed_path(node.args[0])
            on_purpose = any("# typed on purpose: " in lines[n - 1]
                             for n in range(node.lineno, (node.end_lineno or node.lineno) + 1))
            if path is not None and path.split("?")[0] not in ENTRY_POINTS and not on_purpose:
                found.append((node.lineno, path))
    return found


def test_the_check_tells_typed_paths_from_entry_points_and_outside_links():
    source = ('page.goto(f"{base}/dashboard")\npage.goto(base + "/")\npage.goto(link)\n'
              'page.goto(f"{base}/needs/{need.id}")\npage.goto(live.url + "/opportunities")\n'
              'page.goto(f"{base}/bids/{rival}")  # typed on purpose: refused to an evaluator\n')
    assert typed_gotos(source) == [(4, "/needs/{}"), (5, "/opportunities")]


def test_there_are_journeys_to_check():
    assert len(JOURNEYS) >= 10


@pytest.mark.parametrize("path", JOURNEYS, ids=lambda p: p.name)
def test_journeys_move_by_links_alone(path):
    assert typed_gotos(path.read_text()) == [], (
        f"{path.name} types URLs a person would have to know: start from the dashboard and click")
