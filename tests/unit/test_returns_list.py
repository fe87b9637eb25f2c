"""The list of monitoring returns across agreements (issue 17, "lists that grow"): before it, a monitor or a
commissioner saw returns only inside each agreement's page.

Each person sees the returns of the agreements they may see (the contracts' own can_view rule, as a
query); the list is searched, filtered by status (overdue and due soon among them), rating and kind,
sorted and paged with its filters kept; it costs the same queries for 5 returns as for 50, and a bad
query string is the page with an error on its field.
"""
import itertools
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.contracts import operations as contract_ops
from commissioning.contracts.models import Agreement, AgreementKind, ReturnDue
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db
from commissioning.main.tasks import tasks_for
from commissioning.monitoring.models import MonitoringReturn, Rag, ReturnStatus

TODAY = utcnow().astimezone(LONDON).date()
PASSWORD = "a-long-test-password"
_seq = itertools.count(1)


def signed_in(app, user):
    """A client of its own signed in as ``user``, so one test can compare what several people see."""
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def due_ids(html):
    """The returns a list page links to, in order."""
    return [int(i) for i in re.findall(r'<a class="govuk-link" href="/returns/(\d+)">', html)]


def page(client, query=""):
    response = client.get(f"/returns{query}")
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


def dues(agreement, *offsets):
    """Replace ``agreement``'s returns by ones due ``offsets`` days from today, in that order."""
    db.session.execute(db.delete(ReturnDue).where(ReturnDue.agreement_id == agreement.id))
    made = []
    for days in offsets:
        due_on = TODAY + timedelta(days=days)
        row = ReturnDue(agreement_id=agreement.id, period_start=due_on - timedelta(days=120),
                        period_end=due_on - timedelta(days=30), due_on=due_on)
        db.session.add(row)
        made.append(row)
    db.session.flush()
    db.session.expire(agreement, ["returns"])
    return made


def started(due, status, rag=None):
    db.session.add(MonitoringReturn(due_id=due.id, agreement_id=due.agreement_id, status=status, overall_rag=rag,
                                    accepted_at=utcnow() if status is ReturnStatus.accepted else None))
    db.session.flush()


def _clone(obj, **overrides):
    values = {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs if c.key != "id"}
    values.update(overrides)
    copy = type(obj)(**values)
    db.session.add(copy)
    db.session.flush()
    return copy


def copy_agreement(agreement, provider_name=None, **fields):
    """An agreement like ``agreement`` for a new organisation, written straight to the database (the award
    flow behind each would take seconds), with no returns of its own."""
    k = next(_seq)
    org = _clone(agreement.organisation, name=provider_name or f"Copy organisation {k}")
    bid = _clone(agreement.awarded_bid.bid, organisation_id=org.id)
    awarded = _clone(agreement.awarded_bid, bid_id=bid.id)
    return _clone(agreement, awarded_bid_id=awarded.id, organisation_id=org.id,
                  reference=f"{agreement.reference[:3]}-8{k:03d}", **fields)


@pytest.fixture
def world(create_agreement, create_user, create_organisation, give_documents):
    """Two providers' issued agreements, each with its own monitor, and a drafted one for the first provider."""
    commissioner = create_user(Role.commissioner)
    people = {"commissioner": commissioner, "admin": create_user(Role.admin),
              "evaluator": create_user(Role.evaluator)}
    made = {}
    for n, name in ((1, "Croxteth Youth Trust"), (2, "Speke Arts Collective")):
        org = create_organisation(name)
        give_documents(org)
        provider = create_user(Role.provider, organisation=org)
        monitor = create_user(Role.contract_monitor)
        agreement = create_agreement(org, provider)
        agreement.monitor_id = monitor.id
        contract_ops.issue(agreement, commissioner, "Test Borough Council")
        people[f"provider{n}"], people[f"monitor{n}"] = provider, monitor
        made[n] = agreement
    drafted = create_agreement(made[1].organisation, people["provider1"])
    db.session.commit()
    rows = {"a1": dues(made[1], -20, 10), "a2": dues(made[2], -5, 60), "drafted": dues(drafted, 40)}
    db.session.commit()
    return people, made, drafted, rows


def ids(rows):
    return {row.id for row in rows}


def test_each_person_sees_the_returns_of_the_agreements_they_may_see(world, app, client):
    people, made, drafted, rows = world
    everything = ids(rows["a1"]) | ids(rows["a2"]) | ids(rows["drafted"])
    seen = {who: set(due_ids(page(signed_in(app, people[who])))) for who in
            ("commissioner", "admin", "monitor1", "monitor2", "provider1", "provider2")}
    assert seen["commissioner"] == everything and seen["admin"] == everything
    assert seen["monitor1"] == ids(rows["a1"])          # the agreements they monitor, nobody else's
    assert seen["monitor2"] == ids(rows["a2"])
    assert seen["provider1"] == ids(rows["a1"])         # their own, once issued: not the council's draft
    assert seen["provider2"] == ids(rows["a2"])         # never another organisation's
    html = page(signed_in(app, people["provider2"]))
    assert "Croxteth Youth Trust" not in html and made[1].reference not in html and "2 returns" in html
    assert signed_in(app, people["evaluator"]).get("/returns").status_code == 403
    response = client.get("/returns")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_row_shows_the_agreement_provider_period_due_date_status_and_rating(world, app):
    people, made, _drafted, rows = world
    overdue, soon = rows["a1"]
    started(soon, ReturnStatus.accepted, Rag.amber)
    db.session.commit()
    html = page(signed_in(app, people["monitor1"]), "?sort=due")
    assert made[1].reference in html and "Croxteth Youth Trust" in html
    assert (overdue.due_on.strftime("%-d %B %Y")) in html                      # "31 December 2026"
    assert overdue.period_start.strftime("%-d %b %Y") + " to " + overdue.period_end.strftime("%-d %b %Y") in html
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Accepted</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Amber</strong>' in html
    assert f'href="/returns/{overdue.id}"' in html and f'href="/contracts/{made[1].id}"' in html


@pytest.fixture
def statuses(world):
    """One return of the first agreement in each status the list can show, keyed by what it should say."""
    people, made, _drafted, _rows = world
    offsets = {"overdue": -20, "overdue_draft": -15, "sent_back": -10, "due_soon": 10, "due_soon_draft": 20,
               "not_due": 90, "draft_later": 100, "submitted": -40, "accepted": -70}
    made_rows = dict(zip(offsets, dues(made[1], *offsets.values())))
    started(made_rows["overdue_draft"], ReturnStatus.draft)
    started(made_rows["sent_back"], ReturnStatus.returned)
    started(made_rows["due_soon_draft"], ReturnStatus.draft)
    started(made_rows["draft_later"], ReturnStatus.draft)
    started(made_rows["submitted"], ReturnStatus.submitted)
    started(made_rows["accepted"], ReturnStatus.accepted, Rag.green)
    db.session.commit()
    return people, made_rows


@pytest.mark.parametrize("status, expected", [
    ("overdue", {"overdue", "overdue_draft", "sent_back"}),
    ("due_soon", {"due_soon", "due_soon_draft"}),
    ("not_due", {"not_due", "draft_later"}),
    ("draft", {"overdue_draft", "due_soon_draft", "draft_later"}),
    ("returned", {"sent_back"}),
    ("submitted", {"submitted"}),
    ("accepted", {"accepted"}),
])
def test_the_status_filter(statuses, app, status, expected):
    people, made_rows = statuses
    html = page(signed_in(app, people["monitor1"]), f"?status={status}")
    assert set(due_ids(html)) == {made_rows[k].id for k in expected}
    assert f"{len(expected)} return{'' if len(expected) == 1 else 's'}" in html


def test_a_sent_back_return_past_its_date_says_both(statuses, app):
    people, made_rows = statuses
    html = page(signed_in(app, people["monitor1"]), "?status=returned")
    assert re.search(r"govuk-tag--red\">Overdue</strong> <strong class=\"govuk-tag govuk-tag--yellow\">"
                     r"Sent back for changes</strong>", html)


def test_the_rating_and_kind_filters_and_the_search(world, app):
    people, made, drafted, rows = world
    started(rows["a1"][0], ReturnStatus.accepted, Rag.red)
    started(rows["a2"][0], ReturnStatus.accepted, Rag.green)
    made[2].kind = AgreementKind.contract
    db.session.commit()
    staff = signed_in(app, people["commissioner"])
    assert due_ids(page(staff, "?rag=red")) == [rows["a1"][0].id]
    assert due_ids(page(staff, "?rag=green")) == [rows["a2"][0].id]
    assert set(due_ids(page(staff, "?rag=none"))) == {rows["a1"][1].id, rows["a2"][1].id, rows["drafted"][0].id}
    assert set(due_ids(page(staff, "?kind=contract"))) == ids(rows["a2"])
    assert set(due_ids(page(staff, "?kind=grant_agreement"))) == ids(rows["a1"]) | ids(rows["drafted"])
    assert set(due_ids(page(staff, "?q=speke+arts"))) == ids(rows["a2"])                 # provider's name
    assert set(due_ids(page(staff, f"?q={made[1].reference.lower()}"))) == ids(rows["a1"])  # reference
    html = page(staff, "?q=nobody+is+called+this")
    assert due_ids(html) == [] and "0 returns" in html and "No returns match these filters" in html
    assert 'href="/returns">Clear the filters</a>' in html


def test_the_list_sorts_by_due_date_provider_and_status(world, app):
    people, made, drafted, rows = world
    (a1_late, a1_soon), (a2_late, a2_far), (d_far,) = rows["a1"], rows["a2"], rows["drafted"]
    started(a2_late, ReturnStatus.submitted)
    db.session.commit()
    staff = signed_in(app, people["commissioner"])
    by_due = [a1_late.id, a2_late.id, a1_soon.id, d_far.id, a2_far.id]
    assert due_ids(page(staff, "?sort=due")) == by_due
    assert due_ids(page(staff, "?sort=due_latest")) == by_due[::-1]
    # Croxteth (the first agreement and the draft) before Speke, each by due date.
    assert due_ids(page(staff, "?sort=provider")) == [a1_late.id, a1_soon.id, d_far.id, a2_late.id, a2_far.id]
    # Overdue, then waiting for review, then due soon, then not due yet.
    assert due_ids(page(staff, "?sort=status")) == [a1_late.id, a2_late.id, a1_soon.id, d_far.id, a2_far.id]
    assert due_ids(page(staff)) == due_ids(page(staff, "?sort=status"))                 # the default


def test_the_list_pages_and_keeps_its_filters(world, app):
    people, made, _drafted, _rows = world
    dues(made[1], *range(100, 125))
    db.session.commit()
    html = page(signed_in(app, people["monitor1"]), "?status=not_due&sort=due")
    assert len(due_ids(html)) == 20 and "25 returns" in html and "showing 1 to 20" in html
    assert re.search(r'href="/returns\?status=not_due&amp;sort=due&amp;page=2"', html)
    html = page(signed_in(app, people["monitor1"]), "?status=not_due&sort=due&page=2")
    assert len(due_ids(html)) == 5 and "showing 21 to 25" in html


@pytest.mark.parametrize("query, field", [
    ("status=bogus", "status"), ("rag=purple", "rag"), ("kind=nope", "kind"), ("q=" + "x" * 101, "q")])
def test_a_bad_value_is_an_error_on_its_field_not_a_500(world, app, query, field):
    people, *_rest = world
    html = page(signed_in(app, people["commissioner"]), f"?{query}")
    assert "There is a problem" in html and f'href="#{field}"' in html
    assert "Not a valid choice" not in html
    assert len(due_ids(html)) == 5                      # the list without the refused filter


def test_odd_pages_and_sorts_change_nothing(world, app):
    people, *_rest = world
    staff = signed_in(app, people["commissioner"])
    for query in ("?sort=sideways", "?page=-3", "?per_page=0", "?page=x"):
        html = page(staff, query)
        assert "There is a problem" not in html and len(due_ids(html)) == 5, query
    assert due_ids(page(staff, "?page=99")) == []


def test_someone_with_no_returns_is_told_what_will_appear_and_when(create_user, app):
    html = page(signed_in(app, create_user(Role.contract_monitor)))
    assert "0 returns" in html and "No returns yet" in html and "you are asked to monitor the agreement" in html
    html = page(signed_in(app, create_user(Role.provider)))
    assert "the agreement is issued to your organisation" in html


def test_the_list_costs_the_same_queries_for_5_or_50(world, app, count_queries):
    people, made, _drafted, _rows = world
    staff = signed_in(app, people["commissioner"])

    def grow_to(total):
        while db.session.scalar(db.select(db.func.count(ReturnDue.id))) < total:
            copy = copy_agreement(made[1])
            [row] = dues(copy, next(_seq))
            started(row, ReturnStatus.accepted, Rag.green)
        db.session.commit()
        with count_queries() as count:
            html = page(staff, "?per_page=100&sort=provider")
        assert len(due_ids(html)) == total
        return count()

    assert grow_to(5) == grow_to(50)
    assert db.session.scalar(db.select(db.func.count(Agreement.id))) >= 45


def test_several_returns_on_the_dashboard_lead_to_the_filtered_list(world, app):
    people, made, _drafted, rows = world
    for row in rows["a1"]:
        started(row, ReturnStatus.submitted)
    db.session.commit()
    tasks = {t.key: t for t in tasks_for(people["monitor1"])}
    assert tasks["returns_to_review"].count == 2 and tasks["returns_to_review"].url == "/returns?status=submitted"
    assert set(due_ids(page(signed_in(app, people["monitor1"]), "?status=submitted"))) == ids(rows["a1"])


def test_monitors_and_commissioners_reach_the_list_from_the_dashboard(world, app):
    people, *_rest = world
    for who in ("monitor1", "commissioner", "provider1"):
        html = signed_in(app, people[who]).get("/dashboard").get_data(as_text=True)
        assert re.search(r'href="/returns">(Your m|M)onitoring returns</a>', html), who
    menu = signed_in(app, people["monitor1"]).get("/dashboard").get_data(as_text=True)
    assert re.search(r'href="/returns"[^>]*>\s*Returns\s*</a>', menu)
