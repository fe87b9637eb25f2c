"""The browser tier checks the page only through Playwright's waiting `expect()` (issue 14, item 7).

`assert "£4,000 left" in total.inner_text()` reads the page once, at whatever moment the line
runs; on a busy machine that can be before the next page has loaded or its script has run, and the
test then fails (or passes) by timing. `expect(total).to_contain_text("£4,000 left")` keeps
retrying until the check holds or the timeout passes.

This test reads the browser tests' sources with `ast` and fails on an `assert` that reads the page
at once: a locator or page read (`inner_text()`, `count()`, `is_visible()`, ...) inside the
`assert`, a page's `.url` inside it, or a name assigned from such a read. A value that must be read
to be used later (a token shown once, a joining code) is allowed when the same locator was waited
for with `expect(...)` earlier in the test: `expect(loc).to_have_value(...)`, then
`loc.input_value()`.
"""
import ast
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"

#: Reads that answer at once instead of waiting; each has a waiting `expect()` counterpart.
READS = {"inner_text", "text_content", "inner_html", "input_value", "get_attribute", "count",
         "is_visible", "is_hidden", "is_checked", "is_enabled", "is_disabled", "is_editable",
         "all_inner_texts", "all_text_contents", "evaluate"}
#: How many arguments the Locator form of a read takes; more means the Page form (with a selector).
LOCATOR_ARGS = {"get_attribute": 1}


def _read(node):
    """Is this a call that reads the page at once? (`"a,b".count(",")` is not: a Locator's has no argument.)"""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in READS):
        return False
    if node.func.attr == "count":
        return not node.args and not node.keywords
    return True


def _same(a, b):
    return ast.dump(a, include_attributes=False) == ast.dump(b, include_attributes=False)


def _expected_after(node, waited):
    """Was the locator this read is on waited for with expect() on an earlier line?"""
    if len(node.args) > LOCATOR_ARGS.get(node.func.attr, 0):
        return False                   # page.inner_text("main"): a selector read, never waited for
    receiver = node.func.value
    return any(line < node.lineno and _same(receiver, target) for line, target in waited)


def _pages(function):
    """Names in this function that hold a Page: a `page`/`*_page` parameter, or `x = ....new_page()`."""
    names = {a.arg for a in function.args.args + function.args.kwonlyargs
             if a.arg == "page" or a.arg.endswith("_page")}
    for node in ast.walk(function):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "new_page"):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _url_waited(nodes, page, line):
    """Did `page.wait_for_url(...)` run on an earlier line of this function?"""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "wait_for_url"
               and isinstance(n.func.value, ast.Name) and n.func.value.id == page and n.lineno < line
               for n in nodes)


def unwaited_reads(source, filename="<source>"):
    """[(file:line, what)] for each assert in ``source`` that reads the page at once."""
    found = []
    for function in ast.walk(ast.parse(source, filename)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nodes = sorted((n for n in ast.walk(function) if hasattr(n, "lineno")),
                       key=lambda n: (n.lineno, n.col_offset))
        waited = [(n.lineno, n.args[0]) for n in nodes
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "expect" and n.args]
        pages = _pages(function)
        tainted = {}
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                reads = [r for r in ast.walk(node.value) if _read(r) and not _expected_after(r, waited)]
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            if reads:
                                tainted[name.id] = reads[0]
                            else:
                                tainted.pop(name.id, None)
            elif isinstance(node, (ast.Assert, ast.If, ast.While)):
                # An `if` on the page's state is the same hazard as an assert: read too early, it
                # takes the wrong branch. A page's URL may be branched on once wait_for_url() has run.
                where, what = f"{filename}:{node.lineno}", "the assert" if isinstance(node, ast.Assert) else "the if"
                for inner in ast.walk(node.test):
                    if _read(inner):
                        found.append((where, f".{inner.func.attr}() inside {what}"))
                    elif (isinstance(inner, ast.Attribute) and inner.attr == "url"
                          and isinstance(inner.value, ast.Name) and inner.value.id in pages
                          and (isinstance(node, ast.Assert) or not _url_waited(nodes, inner.value.id, node.lineno))):
                        found.append((where, f"{inner.value.id}.url inside {what}"))
                    elif isinstance(inner, ast.Name) and inner.id in tainted:
                        found.append((where, f"{inner.id}, read with .{tainted[inner.id].func.attr}() "
                                             f"on line {tainted[inner.id].lineno}"))
    return list(dict.fromkeys(found))    # once per assert and reason


def test_no_browser_test_asserts_on_a_read_that_does_not_wait():
    files = sorted(BROWSER_TESTS.glob("*.py"))
    assert any(f.name.startswith("test_") for f in files), BROWSER_TESTS
    found = [hit for f in files for hit in unwaited_reads(f.read_text(encoding="utf-8"), f.name)]
    assert found == [], ("Use Playwright's expect() (to_contain_text, to_have_text, to_have_count, "
                         "to_be_visible, to_have_value, to_have_url, ...) instead of reading the page "
                         f"at once: {found}")


@pytest.mark.parametrize("source", [
    'def test(page):\n    assert "x" in page.inner_text("main")\n',
    'def test(page):\n    assert page.locator("main").text_content() == "x"\n',
    'def test(page):\n    assert page.locator("tbody tr").count() == 2\n',
    'def test(page):\n    assert page.get_by_role("heading").is_visible()\n',
    'def test(page):\n    assert page.get_by_label("Yes").is_checked()\n',
    'def test(page):\n    assert page.get_by_label("Name").input_value() == "x"\n',
    'def test(page):\n    assert page.locator("a").get_attribute("href") == "/"\n',
    'def test(page):\n    assert page.evaluate("document.activeElement.id") == "email"\n',
    'def test(page):\n    assert "/login" in page.url\n',
    # Branching on the page at once: the question looked for on the page being left.
    'def test(page):\n    page.get_by_role("link").click()\n'
    '    if page.get_by_role("button", name="Save").count():\n        pass\n',
    'def test(page):\n    if page.url.endswith("/links"):\n        pass\n',
    'def test(browser):\n    member = browser.new_context().new_page()\n    assert member.url.endswith("/me")\n',
    # Read into a name first, then asserted on: still at once.
    'def test(page):\n    main = page.inner_text("main")\n    assert "x" in main\n',
    'def test(page):\n    total = page.locator(".total")\n    text = total.inner_text().strip()\n    assert text\n',
    # An expect() on another locator does not make this one's read wait.
    'def test(page):\n    expect(page.locator("h1")).to_be_visible()\n'
    '    code = page.locator(".code").inner_text()\n    assert code\n',
    # Nor does an expect() that comes only after the read.
    'def test(page):\n    loc = page.locator(".code")\n    code = loc.inner_text()\n'
    '    expect(loc).to_be_visible()\n    assert code\n',
])
def test_the_check_catches_reads_that_do_not_wait(source):
    assert unwaited_reads(source)


@pytest.mark.parametrize("source", [
    'def test(page):\n    expect(page.locator("main")).to_contain_text("x")\n',
    # A value read once the same locator has been waited for.
    'def test(page):\n    token = page.get_by_label("Your token")\n    expect(token).to_have_value(re.compile("^c"))\n'
    '    plain = token.input_value()\n    assert plain.startswith("c")\n',
    'def test(page):\n    expect(page.locator(".code")).to_have_text(re.compile("^A"))\n'
    '    code = page.locator(".code").inner_text().strip()\n    assert re.fullmatch("A+", code)\n',
    # Not the page: str.count takes an argument; the server's URL is no page.
    'def test(page, live_server):\n    assert "a,b".count(",") == 1 and live_server.url.startswith("http")\n',
    # A name read at once but given another value before the assert.
    'def test(page):\n    main = page.inner_text("main")\n    main = "x"\n    assert main\n',
    # Branching on the URL once the page has been waited for.
    'def test(page):\n    page.wait_for_url(re.compile("/(links|vote)"))\n'
    '    if page.url.endswith("/links"):\n        pass\n',
])
def test_the_check_lets_waiting_checks_through(source):
    assert unwaited_reads(source) == []
