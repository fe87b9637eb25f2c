"""Dates the GOV.UK way: every page, as every role, shows dates as "31 December 2026", never as
the ISO "2026-12-31" that the database and the code use. Walks the pages of the access table over
its records, which carry dates of every kind (deadlines, payments, returns, evidence, rounds)."""
import re
from html.parser import HTMLParser

import pytest

from tests.unit.test_access import ACCESS, ROLES, objects, urls  # noqa: F401 - the fixture

ISO_DATE = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")
# Pages for developers and machines, where ISO dates are what the reader wants.
MACHINE_PAGES = {"api_pages.reference", "opendata.index"}


class _Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles; <code> is for machines."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "textarea"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_check_sees_an_iso_date_and_not_attributes():
    assert ISO_DATE.search(visible_text("<td>2026-12-31</td>"))
    assert not ISO_DATE.search(visible_text('<time datetime="2026-12-31">31 December 2026</time>'))


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_an_iso_date(role, app, objects, login):  # noqa: F811 - the fixture
    client = app.test_client() if role == "anonymous" else login(objects["users"][role])
    found = []
    for endpoint, (builder, table) in ACCESS.items():
        if endpoint in MACHINE_PAGES or table[role] != 200:
            continue
        for url in urls(builder, objects):
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                response.close()
                continue
            text = visible_text(response.get_data(as_text=True))
            for match in ISO_DATE.finditer(text):
                found.append(f"{endpoint} {url}: …{text[max(0, match.start() - 40):match.end() + 10]!r}")
    assert found == []
