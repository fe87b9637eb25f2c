import csv
import io
from decimal import Decimal

import pytest

from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.indicators.models import Indicator, Polarity, Rag, rag_for

D = Decimal


@pytest.mark.parametrize("actual, target, polarity, tolerance, expected", [
    (D("11.06"), D("11.1"), Polarity.lower_is_better, D("0.1"), Rag.green),
    (D("12.06"), D("12.02"), Polarity.lower_is_better, D("0.1"), Rag.amber),
    (D("12.2"), D("12.02"), Polarity.lower_is_better, D("0.1"), Rag.red),
    (D("88"), D("85"), Polarity.higher_is_better, D("3"), Rag.green),
    (D("85"), D("85"), Polarity.higher_is_better, D("3"), Rag.green),
    (D("82"), D("85"), Polarity.higher_is_better, D("3"), Rag.amber),
    (D("81.9"), D("85"), Polarity.higher_is_better, D("3"), Rag.red),
    (D("12"), D("-4"), Polarity.lower_is_better, D("2"), Rag.red),
    (None, D("5"), Polarity.lower_is_better, D("1"), None),
])
def test_rag_respects_polarity_and_tolerance(actual, target, polarity, tolerance, expected):
    assert rag_for(actual, target, polarity, tolerance) is expected


def test_latest_rag_uses_the_latest_year_with_actual_and_target(create_indicator):
    ind = create_indicator(tolerance="0.1", years={2005: ("12.12", "12.12"), 2006: ("12.02", "12.06"),
                                                   2007: ("11.1", "11.06"), 2008: ("10.5", None)})
    assert ind.latest.year == 2007 and ind.rag is Rag.green


def test_public_indicator_page_has_an_accessible_chart_and_table(client, create_indicator):
    ind = create_indicator(name="NEET 16 to 18", years={2005: ("12.12", "12.12"), 2006: ("12.02", "12.06")})
    html = client.get(f"/indicators/{ind.id}").get_data(as_text=True)
    assert '<svg role="img"' in html and "<title id=\"chart-title\">" in html and "<desc" in html
    assert "2006/07" in html and "12.06" in html and "polyline" in html
    assert "2004/05 (baseline)" in html and "Baseline 13 in 2004/05" in html  # counted as its years are
    assert "Update the figures" not in html


def test_csv_download_has_baseline_and_years(client, create_indicator):
    ind = create_indicator(name="Sport two hours", polarity=Polarity.higher_is_better,
                           years={2005: ("50", "55"), 2006: ("75", "86")})
    response = client.get(f"/indicators/{ind.id}.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["kind"] == "baseline" and rows[0]["actual"] == "13"
    assert [(r["year"], r["target"], r["actual"], r["rag"]) for r in rows[1:]] == [
        ("2005", "50", "55", "green"), ("2006", "75", "86", "green")]


def test_commissioner_adds_an_indicator_and_a_year(login, create_user, create_need):
    client = login(create_user(Role.commissioner))
    need = create_need()
    response = client.post("/indicators/new", data={
        "name": "Under-18 conceptions", "unit": "per 1,000", "polarity": "lower_is_better",
        "baseline_year": "1998", "baseline_value": "57.9", "tolerance": "2", "needs": [str(need.id)]})
    assert response.status_code == 302
    ind = db.session.scalars(db.select(Indicator).where(Indicator.name == "Under-18 conceptions")).one()
    assert ind.needs == [need]
    assert client.post(f"/indicators/{ind.id}/years", data={"year": "2007", "target": "37.7", "actual": "39"}).status_code == 302
    assert ind.rag is Rag.amber
    bad = client.post(f"/indicators/{ind.id}/years", data={"year": "20x7", "target": "abc"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    assert client.post(f"/indicators/{ind.id}/years", data={"year": "2007"}).status_code == 302
    db.session.expire_all()
    assert ind.years == []


def test_indicator_list_uses_constant_queries(client, create_indicator, count_queries):
    def queries_with(n):
        for _ in range(n):
            create_indicator()
        with count_queries() as count:
            client.get("/indicators")
        return count()
    assert queries_with(2) == queries_with(20)
