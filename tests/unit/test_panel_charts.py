"""The picture beside each "why": the money that could pay for a project against what it cost.

Seen: the results said in words how much the people who chose a project had left, but there was
no picture of it, as the equalshares.net result pages give; the issue asks for an accessible SVG
chart with a table, on the public results page and the member's page.
"""
import re
from html.parser import HTMLParser

from commissioning.panels.charts import money_chart
from commissioning.panels.models import AllocationRule
from tests.unit.test_panel_explanations import SEEN_BALLOTS, SEEN_COSTS, counted_round  # noqa: F401 (fixture)


class _Tables(HTMLParser):
    """Rows of the tables with class app-money-table, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self._in, self._row, self._cell = [], 0, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "app-money-table" in (dict(attrs).get("class") or ""):
            self._in += 1
        elif self._in and tag == "tr":
            self._row = []
        elif self._in and tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table" and self._in:
            self._in -= 1
        elif self._in and tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif self._in and tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _table(page):
    parser = _Tables()
    parser.feed(page)
    return parser.rows


def test_the_chart_holds_the_rules_own_figures_in_its_order(counted_round):  # noqa: F811
    rnd, projects = counted_round(SEEN_COSTS, SEEN_BALLOTS, 10_000)
    chart = money_chart(rnd)
    rows = {r["title"]: r for r in chart["rows"]}
    # Equal shares raised to £12,007 / 9 each: 6 chose the skate park (£8,004.66 between them),
    # then the 4 for the youth club had £12,028 / 9 left (£1,336.44), the 3 for the art trip £4,002.33.
    assert (rows["Skate park"]["had"], rows["Skate park"]["cost"], rows["Skate park"]["funded"]) == (800_466, 600_000, True)
    assert (rows["Youth club"]["had"], rows["Youth club"]["cost"], rows["Youth club"]["funded"]) == (133_644, 500_000, False)
    assert (rows["Art trip"]["had"], rows["Art trip"]["cost"], rows["Art trip"]["funded"]) == (400_233, 400_000, True)
    assert [r["step"] for r in chart["rows"]] == sorted(r["step"] for r in chart["rows"])
    assert chart["had_label"] == "What the people who chose it had left"
    # Bars to one scale: the longest is the largest figure, and each is in proportion to it.
    widest = max(max(r["had_w"], r["cost_w"]) for r in chart["rows"])
    for r in chart["rows"]:
        assert abs(r["had_w"] / widest - r["had"] / 800_466) < 0.01
        assert abs(r["cost_w"] / widest - r["cost"] / 800_466) < 0.01
        assert (r["had_w"] >= r["cost_w"]) == r["funded"]


def test_the_results_page_draws_it_as_an_accessible_svg_with_the_same_figures_in_a_table(counted_round, client):  # noqa: F811
    rnd, projects = counted_round(SEEN_COSTS, SEEN_BALLOTS, 10_000)
    page = client.get(f"/panels/rounds/{rnd.id}/results").get_data(as_text=True)
    svg = re.search(r'<svg role="img" aria-labelledby="round-money-title round-money-desc"[^>]*>(.*?)</svg>', page, re.S)
    assert svg, "the results page has no labelled chart"
    assert '<title id="round-money-title">' in svg.group(1) and '<desc id="round-money-desc">' in svg.group(1)
    assert svg.group(1).count('class="app-money-chart__row"') == 3
    assert "Youth club: not funded" in svg.group(1) and "Had £1,336.44" in svg.group(1)
    rows = _table(page)
    assert ["Youth club", "£1,336.44", "£5,000", "Not funded"] in rows
    assert ["Skate park", "£8,004.66", "£6,000", "Funded"] in rows
    assert ["Art trip", "£4,002.33", "£4,000", "Funded"] in rows


def test_a_projects_page_draws_only_that_project(counted_round, client):  # noqa: F811
    rnd, projects = counted_round(SEEN_COSTS, SEEN_BALLOTS, 10_000)
    page = client.get(f"/panels/rounds/{rnd.id}/results/{projects['Youth club'].code}").get_data(as_text=True)
    assert 'aria-labelledby="project-money-title project-money-desc"' in page
    rows = _table(page)
    assert rows[1:] == [["Youth club", "£1,336.44", "£5,000", "Not funded"]]


def test_the_members_page_shows_the_picture_too(counted_round, client):  # noqa: F811
    rnd, projects = counted_round(SEEN_COSTS, SEEN_BALLOTS, 10_000)
    client.post("/join", data={"code": rnd.reader_code})
    mine = client.get("/panels/me").get_data(as_text=True)
    assert f'aria-labelledby="money-{rnd.id}-title money-{rnd.id}-desc"' in mine
    assert ["Youth club", "£1,336.44", "£5,000", "Not funded"] in _table(mine)


def test_greedy_draws_the_money_left_and_unchosen_projects_only_their_cost(counted_round):  # noqa: F811
    costs = {"Big": 8_000, "Small": 3_000, "Middle": 4_000, "Quiet": 1_000}
    ballots = [{"Big", "Middle"}, {"Big", "Middle"}, {"Big"}, {"Small"}, {"Middle"}]
    rnd, projects = counted_round(costs, ballots, 12_000, rule=AllocationRule.greedy)
    chart = money_chart(rnd)
    rows = {r["title"]: r for r in chart["rows"]}
    assert chart["had_label"] == "Money left when its turn came"
    assert (rows["Big"]["had"], rows["Middle"]["had"], rows["Small"]["had"]) == (1_200_000, 400_000, 0)
    assert rows["Quiet"]["had"] is None and rows["Quiet"]["note"] == "Nobody chose it"
    assert chart["rows"][-1]["title"] == "Quiet"   # never weighed: after the ones the rule went through
