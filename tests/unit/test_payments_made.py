"""Payments made, recorded by commissioners, and published instead of the schedule (issue 16, seen 2).

Seen: every scheduled payment was listed as an OCDS transaction once its due date passed, even
conditional ones whose returns were not met; no payment made was recorded anywhere.
"""
import json
from datetime import date, timedelta

import pytest

from commissioning.contracts import operations as contract_ops
from commissioning.contracts.operations import PaymentError
from commissioning.contracts.util import payment_schedule
from commissioning.extensions import db
from commissioning.monitoring.operations import released_payments
from commissioning.opendata.operations import publish_releases
from tests.unit.test_monitoring import TODAY, _fill, active  # noqa: F401 (fixture)
from tests.unit.test_opendata import ocds_errors


@pytest.fixture
def signed(active):  # noqa: F811
    """``active`` agreements signed before they began, as real ones are (the fixture signs today)."""
    def factory(conditional=False):
        agreement, provider, monitor, commissioner = active(conditional=conditional)
        agreement.provider_signed_at = agreement.countersigned_at = agreement.countersigned_at.replace(
            year=agreement.start_date.year, month=agreement.start_date.month, day=agreement.start_date.day
        ) - timedelta(days=7)
        db.session.commit()
        return agreement, provider, monitor, commissioner
    return factory


def _schedule(agreement, today=TODAY):
    return payment_schedule(agreement, released_payments(agreement), today, 30)


def _first_due_payment(agreement):
    i, p = next((i, p) for i, p in enumerate(agreement.payments) if p["due"] <= TODAY.isoformat())
    return i, p, date.fromisoformat(p["due"])


def test_a_payment_cannot_be_recorded_untrue(signed):
    agreement, provider, monitor, commissioner = signed(conditional=False)
    i, scheduled, due = _first_due_payment(agreement)
    signed_on = agreement.countersigned_at.date()
    cases = [
        (dict(paid_on=TODAY + timedelta(days=1)), "paid_on", "cannot be in the future"),
        (dict(paid_on=signed_on - timedelta(days=1)), "paid_on", "cannot be before the agreement was signed"),
        (dict(reference="  "), "reference", "Enter the payment reference"),
        (dict(amount_pence=scheduled["amount_pence"] + 1), "amount", "of this scheduled payment is left to pay"),
        (dict(instalment=99), "instalment", "Choose a payment from the schedule"),
    ]
    for change, field, words in cases:
        args = {**dict(amount_pence=scheduled["amount_pence"], paid_on=TODAY, reference="BACS-1", instalment=i),
                **change}
        with pytest.raises(PaymentError, match=words) as caught:
            contract_ops.record_payment(agreement, commissioner, **args)
        assert caught.value.field == field
    contract_ops.record_payment(agreement, commissioner, scheduled["amount_pence"], TODAY, "BACS-1", i)
    with pytest.raises(PaymentError, match="already recorded"):
        contract_ops.record_payment(agreement, commissioner, 100, TODAY, "BACS-1", None)
    with pytest.raises(PaymentError, match="paid in full"):
        contract_ops.record_payment(agreement, commissioner, 100, TODAY, "BACS-2", i)


def test_a_conditional_payment_waits_for_its_return(signed):
    agreement, provider, monitor, commissioner = signed(conditional=True)
    i = next(i for i, ok in enumerate(released_payments(agreement)) if not ok)
    with pytest.raises(PaymentError, match="once the return for its period has been accepted"):
        contract_ops.record_payment(agreement, commissioner, 100, TODAY, "BACS-9", i)


def test_an_agreement_not_in_force_takes_no_payment(create_agreement, create_organisation, create_user,
                                                    give_documents):
    from commissioning.accounts.models import Role
    org = create_organisation()
    give_documents(org)
    agreement = create_agreement(org, create_user(Role.provider, organisation=org))
    with pytest.raises(PaymentError, match="once the agreement is signed by both parties"):
        contract_ops.record_payment(agreement, create_user(Role.commissioner), 100, TODAY, "X", None)


def test_scheduled_against_paid_and_the_days_to_pay(signed):
    agreement, provider, monitor, commissioner = signed(conditional=False)
    due_now = [(i, p) for i, p in enumerate(agreement.payments) if p["due"] <= TODAY.isoformat()]
    assert len(due_now) >= 2, "the test needs two payments already due"
    (first, p1), (second, p2) = due_now[0], due_now[1]
    due1 = date.fromisoformat(p1["due"])
    # The first paid in two parts, the last 40 days after it fell due: late. The second not paid at all.
    contract_ops.record_payment(agreement, commissioner, p1["amount_pence"] - 100, due1 + timedelta(days=5), "A1", first)
    contract_ops.record_payment(agreement, commissioner, 100, min(due1 + timedelta(days=40), TODAY), "A2", first)
    contract_ops.record_payment(agreement, commissioner, 5_000, TODAY, "EXTRA-1", None)
    db.session.commit()
    figures = _schedule(agreement)
    row1 = figures["rows"][first]
    assert row1["paid_pence"] == p1["amount_pence"] and row1["days_to_pay"] == min(40, (TODAY - due1).days)
    assert row1["status"] == ("Paid late" if row1["days_to_pay"] > 30 else "Paid")
    row2 = figures["rows"][second]
    late = TODAY > date.fromisoformat(p2["due"]) + timedelta(days=30)
    assert row2["status"] == ("Late: not paid" if late else "Due") and row2["paid_pence"] == 0
    assert [p.reference for p in figures["unscheduled"]] == ["EXTRA-1"]
    assert figures["paid_pence"] == p1["amount_pence"] + 5_000 and figures["settled"] == 1


def test_the_open_data_publishes_payments_made_with_payer_and_payee(signed, client, app, create_organisation):
    create_organisation(app.config["AUTHORITY_NAME"], local_authority_code="TST")   # the buyer, who pays
    agreement, provider, monitor, commissioner = signed(conditional=False)
    i, scheduled, due = _first_due_payment(agreement)
    publish_releases()
    db.session.commit()
    contract_ops.record_payment(agreement, commissioner, scheduled["amount_pence"], TODAY, "BACS-77", i)
    db.session.commit()
    assert publish_releases() >= 1   # a payment is a change: a new release
    db.session.commit()
    package = json.loads(client.get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert ocds_errors(package) == []
    release = [r for r in package["releases"] if r["ocid"].endswith(agreement.opportunity.reference)][-1]
    (transaction,) = release["contracts"][0]["implementation"]["transactions"]
    assert transaction["value"] == {"amount": scheduled["amount_pence"] / 100, "currency": "GBP"}
    assert transaction["date"].startswith(TODAY.isoformat())
    roles = {p["id"]: set(p["roles"]) for p in release["parties"]}
    assert "payee" in roles[transaction["payee"]["id"]]
    assert "payer" in roles[transaction["payer"]["id"]] and "buyer" in roles[transaction["payer"]["id"]]


def test_the_contract_page_shows_scheduled_against_paid_and_takes_a_payment(signed, client, login):
    agreement, provider, monitor, commissioner = signed(conditional=False)
    i, scheduled, due = _first_due_payment(agreement)
    login(commissioner)
    url = f"/contracts/{agreement.id}/payments"
    form = {"instalment": str(i), "amount": f"{scheduled['amount_pence'] / 100:.2f}", "reference": "BACS-5",
            "paid_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]}   # the three boxes share a name
    refused = client.post(url, data={**form, "paid_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year + 1)]})
    assert refused.status_code == 400 and "The date paid cannot be in the future" in refused.get_data(as_text=True)
    assert client.post(url, data=form).status_code == 302
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert "BACS-5" in page and "Scheduled payments and what was paid" in page
    client.post("/logout")
    login(provider)
    assert client.post(url, data={**form, "reference": "BACS-6"}).status_code == 403
    assert "BACS-5" in client.get(f"/contracts/{agreement.id}").get_data(as_text=True)   # the provider sees it paid


def test_reporting_periods_are_the_half_years_a_payments_compliance_notice_covers():
    from commissioning.contracts.util import reporting_periods
    assert reporting_periods(date(2026, 12, 3), 3) == [(date(2026, 10, 1), date(2027, 3, 31)),
                                                      (date(2026, 4, 1), date(2026, 9, 30)),
                                                      (date(2025, 10, 1), date(2026, 3, 31))]
    assert reporting_periods(date(2027, 2, 1), 1) == [(date(2026, 10, 1), date(2027, 3, 31))]
    assert reporting_periods(date(2026, 4, 1), 1) == [(date(2026, 4, 1), date(2026, 9, 30))]


def test_payments_compliance_counts_days_to_pay_across_contracts(signed, login):
    """Late payments feed the figure a payments compliance notice (UK8) reports."""
    from commissioning.contracts.util import payments_compliance
    agreement, _provider, _monitor, commissioner = signed(conditional=False)
    due_now = [(i, p) for i, p in enumerate(agreement.payments) if p["due"] <= TODAY.isoformat()]
    (first, p1), (second, p2) = due_now[0], due_now[1]
    due1, due2 = date.fromisoformat(p1["due"]), date.fromisoformat(p2["due"])
    contract_ops.record_payment(agreement, commissioner, p1["amount_pence"], due1 + timedelta(days=10), "C1", first)
    paid2 = min(due2 + timedelta(days=45), TODAY)
    contract_ops.record_payment(agreement, commissioner, p2["amount_pence"], paid2, "C2", second)
    db.session.commit()
    start, end = min(due1, due2) - timedelta(days=1), TODAY
    figures = payments_compliance(start, end, TODAY, 30)
    days2 = (paid2 - due2).days
    assert figures["settled"] == 2 and figures["average_days"] == round((10 + days2) / 2, 1)
    assert figures["within_terms"] == (100 if days2 <= 30 else 50)
    assert figures["days_31_to_60"] == (50 if 30 < days2 <= 60 else 0)
    # Nothing else fell due unpaid in the period beyond its terms, except any later instalments.
    later_unpaid = sum(1 for i, p in due_now[2:] if date.fromisoformat(p["due"]) + timedelta(days=30) < TODAY)
    assert figures["unpaid"] == later_unpaid and figures["due"] == len(due_now)
    page = login(commissioner).get("/contracts/payments-compliance").get_data(as_text=True)
    assert "Payments compliance" in page and "Days to pay, by period" in page
