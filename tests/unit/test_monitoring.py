"""Returns, RAG, review, conditional payments, reminders exactly once, the sweep's index, access."""
from datetime import date, timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.contracts import operations as contract_ops
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.monitoring import operations as ops
from commissioning.monitoring.models import Decision, Rag, Reminder, ReminderPreference, ReturnStatus
from commissioning.monitoring.operations import MonitoringError

TODAY = utcnow().astimezone(LONDON).date()


@pytest.fixture
def active(create_agreement, create_user, create_organisation, give_documents):
    """An active grant agreement that started six months ago, with its provider, monitor and commissioner."""
    def factory(conditional=True):
        org = create_organisation()
        give_documents(org)
        provider = create_user(Role.provider, organisation=org, name="Pat Provider")
        monitor, commissioner = create_user(Role.contract_monitor), create_user(Role.commissioner)
        agreement = create_agreement(org, provider)
        start = TODAY - timedelta(days=180)
        end = contract_ops.add_months(start, 24) - timedelta(days=1)
        payments = contract_ops.payment_plan(agreement.value_pence, start, end, "quarterly_in_arrears"
                                             if conditional else "quarterly_in_advance")
        contract_ops.update_draft(agreement, commissioner, start_date=start, end_date=end, payments=payments)
        agreement.monitor_id, agreement.created_by_id = monitor.id, commissioner.id
        document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
        contract_ops.render_document(document.id)
        contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
        contract_ops.countersign(agreement, commissioner)
        db.session.commit()
        return agreement, provider, monitor, commissioner
    return factory


def _first_due(agreement):
    return sorted(agreement.returns, key=lambda d: d.due_on)[0]


def _fill(ret, provider, **overrides):
    form = {"kpi-0": "130", "spend": "2500", "age-1": "60", "age-2": "70", "feedback_responses": "20",
            "feedback_positive": "15", "achievements": "All sessions ran.", "issues": "None"}
    form.update(overrides)
    ops.save_return(ret, provider, form)


def test_bad_figures_get_clear_errors_naming_the_field(active):
    agreement, provider, _m, _c = active()
    ret = ops.return_for(_first_due(agreement))
    for overrides, field, words in [({"kpi-0": "lots"}, "kpi-0", "must be a number"),
                                    ({"age-1": "-3"}, "age-1", "cannot be negative"),
                                    ({"age-1": "2.5"}, "age-1", "whole number"),
                                    ({"spend": "999999999"}, "spend", "more than the agreement’s value"),
                                    ({"feedback_positive": "30"}, "feedback_positive", "More young people"),
                                    ({"kpi-0": "nan"}, "kpi-0", "must be a number")]:
        with pytest.raises(MonitoringError, match=words) as caught:
            _fill(ret, provider, **overrides)
        assert caught.value.field == field


def test_a_return_is_submitted_only_once_its_period_has_ended(active, login):
    agreement, provider, _m, _c = active()
    future = [d for d in sorted(agreement.returns, key=lambda d: d.due_on) if d.period_end >= TODAY][0]
    ret = ops.return_for(future)
    _fill(ret, provider)
    with pytest.raises(MonitoringError, match="submit it from"):
        ops.submit_return(ret, provider)
    assert ret.status is ReturnStatus.draft
    page = login(provider).get(f"/returns/{future.id}").get_data(as_text=True)
    assert "you can submit the return from the day after" in page and "Submit the return" not in page


def test_a_submitted_return_is_locked_until_sent_back(active):
    agreement, provider, monitor, _c = active()
    ret = ops.return_for(_first_due(agreement))
    _fill(ret, provider, **{"kpi-0": ""})
    with pytest.raises(MonitoringError, match="Enter the actual"):
        ops.submit_return(ret, provider)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    with pytest.raises(MonitoringError, match="locked"):
        _fill(ret, provider)
    with pytest.raises(MonitoringError, match="Say what needs changing"):
        ops.send_back(ret, monitor, " ")
    ops.send_back(ret, monitor, "Split reach by ward")
    assert ret.status is ReturnStatus.returned
    _fill(ret, provider, **{"kpi-0": "90"})
    ops.submit_return(ret, provider)
    assert ret.status is ReturnStatus.submitted and ret.suggested_rag is Rag.red


def test_rag_from_actual_against_target_with_tolerance_and_polarity():
    from types import SimpleNamespace
    kpis = [{"name": "Reach", "target": "100"}, {"name": "Waiting days", "target": "10", "polarity": "lower"}]
    agreement = SimpleNamespace(kpis=kpis)
    for reach, waiting, expected in [(100, 10, Rag.green), (95, 10, Rag.amber), (80, 10, Rag.red),
                                     (120, 11, Rag.amber), (120, 20, Rag.red), (120, 5, Rag.green)]:
        rags, worst = ops.suggest(agreement, {"Reach": reach, "Waiting days": waiting})
        assert worst is expected, (reach, waiting)


def test_accepting_needs_a_reason_to_override_and_releases_conditional_payments(active):
    agreement, provider, monitor, _c = active()
    due = _first_due(agreement)
    ret = ops.return_for(due)
    assert ops.released_payments(agreement)[0] is False      # in arrears, after the first return
    _fill(ret, provider, **{"kpi-0": "115"})                  # target 120: amber
    ops.submit_return(ret, provider)
    assert ret.suggested_rag is Rag.amber
    with pytest.raises(MonitoringError, match="give a reason"):
        ops.accept_return(ret, monitor, Rag.green, "", [])
    with pytest.raises(MonitoringError, match="cannot be before the period"):
        ops.accept_return(ret, monitor, Rag.amber, "", [("Fix", "Pat", due.period_start - timedelta(days=1))])
    ops.accept_return(ret, monitor, Rag.green, "Holiday dip only", [("Plan venues", "Pat", TODAY)])
    assert ret.status is ReturnStatus.accepted and ret.overall_rag is Rag.green and len(ret.actions) == 1
    assert ops.released_payments(agreement)[0] is True


def test_reminders_are_created_once_per_step_and_person(active):
    agreement, provider, monitor, commissioner = active()
    due = _first_due(agreement)
    sent = lambda: db.session.scalar(db.select(db.func.count(OutgoingEmail.id)).where(  # noqa: E731
        OutgoingEmail.kind == "reminder_return"))
    before = sent()
    assert ops.sweep_reminders(due.due_on - timedelta(days=3)) == 1            # provider only
    assert ops.sweep_reminders(due.due_on - timedelta(days=3)) == 0            # again: nothing new
    assert ops.sweep_reminders(due.due_on + timedelta(days=7)) == 2            # escalated to the monitor
    assert ops.sweep_reminders(due.due_on + timedelta(days=14)) == 3           # and the commissioner
    assert sent() - before == 6
    keys = {r.key for r in db.session.scalars(db.select(Reminder).where(Reminder.kind == "return"))}
    assert f"return:{due.id}:14:{commissioner.id}" in keys and f"return:{due.id}:-3:{provider.id}" in keys
    ret = ops.return_for(due)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    assert ops.sweep_reminders(due.due_on + timedelta(days=14)) == 0           # submitted: no more


def test_a_digest_replaces_immediate_mail(active, login, client):
    agreement, provider, _m, _c = active()
    db.session.add(ReminderPreference(user_id=provider.id, kind="return", digest=True))
    due = _first_due(agreement)
    ops.sweep_reminders(due.due_on)
    assert not db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == provider.email,
                                                                 OutgoingEmail.kind == "reminder_return")).all()
    assert ops.send_digests() == 1 and ops.send_digests() == 0
    digest = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == provider.email,
                                                               OutgoingEmail.kind == "reminder_digest")).one()
    assert "is due today" in digest.body
    db.session.commit()
    login(provider)
    page = client.get("/notifications").get_data(as_text=True)
    assert "is due today" in page and "in your daily digest" in page


def test_other_reminders_documents_contracts_and_actions(active):
    agreement, provider, monitor, _c = active()
    ret = ops.return_for(_first_due(agreement))
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    ops.accept_return(ret, monitor, ret.suggested_rag, "", [("Plan venues", "Pat", TODAY - timedelta(days=2))])
    agreement.end_date = TODAY + timedelta(days=60)
    ops.sweep_reminders(TODAY)
    kinds = {r.kind for r in db.session.scalars(db.select(Reminder))}
    assert {"contract_end", "action_overdue"} <= kinds


def test_the_sweep_with_nothing_due_reads_an_index_not_the_table(active):
    """100,000 scheduled returns, none in the reminder window: the plan is an index range scan."""
    from sqlalchemy.dialects import postgresql
    agreement, _p, _m, _c = active()
    db.session.execute(db.text(
        "INSERT INTO agreement_returns (agreement_id, period_start, period_end, due_on) "
        "SELECT :id, d, d, d FROM (SELECT DATE '1700-01-01' + g AS d FROM generate_series(1, 100000) g) s"),
        {"id": agreement.id})
    db.session.execute(db.text("ANALYZE agreement_returns"))
    query = ops.due_returns_query(date(2200, 1, 1))     # a window with nothing in it
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(row[0] for row in db.session.execute(db.text("EXPLAIN " + sql)))
    assert "ix_agreement_returns_due_on" in plan, plan
    assert "Seq Scan on agreement_returns" not in plan, plan
    assert db.session.execute(query).all() == []


def test_reviewing_records_a_decision_and_recommission_starts_a_specification(active):
    agreement, _p, _m, commissioner = active()
    with pytest.raises(MonitoringError, match="Give the reasons"):
        ops.record_decision(agreement, commissioner, Decision.extend, "")
    row = ops.record_decision(agreement, commissioner, Decision.recommission, "Good results; widen to two wards")
    from commissioning.specifications.models import Specification
    spec = db.session.get(Specification, row.specification_id)
    assert spec.title.endswith("(recommissioned)") and spec.needs


def test_access_to_returns(active, create_user, login, client):
    agreement, provider, monitor, _c = active()
    due = _first_due(agreement)
    other_agreement, other_provider, _om, _oc = active()
    login(other_provider)
    assert client.get(f"/returns/{due.id}").status_code == 403
    assert client.post(f"/returns/{due.id}", data={"kpi-0": "1"}).status_code == 403
    client.post("/logout")
    login(create_user(Role.contract_monitor))
    assert client.get(f"/returns/{due.id}").status_code == 403
    client.post("/logout")
    login(provider)
    assert client.get(f"/returns/{due.id}").status_code == 200
    bad = client.post(f"/returns/{due.id}", data={"kpi-0": "lots", "action": "save"})
    assert bad.status_code == 400 and 'href="#kpi-0"' in bad.get_data(as_text=True)
    assert client.post(f"/returns/{due.id}/accept", data={"overall": "green"}).status_code == 403


def test_reach_by_locality_and_group_and_an_attachment(active, login, client):
    import io
    agreement, provider, _m, _c = active()
    due = _first_due(agreement)
    locality = ops.reach_localities(agreement)[0]
    db.session.commit()
    login(provider)
    bad = client.post(f"/returns/{due.id}", data={f"loc-{locality.id}": "-1", "action": "save"})
    assert bad.status_code == 400 and f"The number in {locality.name} cannot be negative" in bad.get_data(as_text=True)
    refused = client.post(f"/returns/{due.id}", data={"action": "save", "attachment": (io.BytesIO(b"MZ\x90"), "x.exe")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    ok = client.post(f"/returns/{due.id}", data={f"loc-{locality.id}": "12", "group-neet": "3", "action": "save",
                                                 "attachment": (io.BytesIO(b"name,sessions\nA,3\n"), "register.csv")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    ret = ops.return_for(due)
    assert ret.reach["locality"] == {locality.name: 12} and list(ret.reach["group"].values()) == [3]
    download = client.get(f"/returns/{due.id}/attachment")
    assert download.status_code == 200 and b"sessions" in download.data
