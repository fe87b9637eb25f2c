"""Agreements: drafting from an award, issue after standstill, PDFs, signing by hash, variations, register."""
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from commissioning.accounts.models import Role
from commissioning.contracts import operations as ops
from commissioning.contracts.models import AgreementKind, AgreementStatus, VariationStatus
from commissioning.contracts.operations import AgreementError
from commissioning.contracts.util import register, register_csv
from commissioning.core.enums import InvalidTransition
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import sha256_of
from commissioning.outbox.models import OutboxTask


@pytest.fixture
def provider(create_user, create_organisation, give_documents):
    org = create_organisation("Croxteth Youth Trust")
    give_documents(org)
    return create_user(Role.provider, organisation=org, name="Pat Provider")


def _pdf_text(document):
    data = db.session.get(StoredFile, document.file_id).data
    return data, "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_draft_from_an_award_has_parties_kpis_payments_and_returns(create_agreement, provider):
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider, amount_pence=40_000_01)
    assert agreement.kind is AgreementKind.grant_agreement and agreement.status is AgreementStatus.drafted
    assert [p["name"] for p in agreement.parties] == ["Test Borough Council", org.name]
    assert sum(p["amount_pence"] for p in agreement.payments) == 40_000_01 and len(agreement.payments) == 8
    assert agreement.kpis[0]["name"] == "Young people attending" and agreement.kpis[0]["trace"].startswith("need:")
    assert len(agreement.returns) == 8 and agreement.returns[0].due_on == (
        agreement.returns[0].period_end + timedelta(days=14))
    assert (agreement.end_date - agreement.start_date).days in range(725, 732)   # 24 months
    with pytest.raises(AgreementError, match="add up to £39,999.01, not the value £40,000.01"):
        ops.update_draft(agreement, None, payments=[{**agreement.payments[0], "amount_pence": 39_999_01}])
    with pytest.raises(AgreementError, match="end date must be after"):
        ops.update_draft(agreement, None, end_date=agreement.start_date)
    with pytest.raises(AgreementError, match="target"):
        ops.update_draft(agreement, None, kpis=[{**agreement.kpis[0], "target": " "}])


def test_a_new_monitoring_frequency_replaces_the_returns_without_overlaps(create_agreement, provider):
    """A quarter's due date is also a month's: the quarterly period must not survive under it."""
    agreement = create_agreement(provider.memberships[0].organisation, provider)
    assert len(agreement.returns) == 8                                   # quarterly over 24 months
    ops.update_draft(agreement, None, monitoring_frequency="monthly")
    db.session.commit()
    dues = sorted(agreement.returns, key=lambda d: d.due_on)
    assert len(dues) == 24
    assert all((d.period_end - d.period_start).days in range(27, 31) for d in dues)
    assert all(later.period_start == earlier.period_end + timedelta(days=1) for earlier, later in zip(dues, dues[1:]))
    ops.update_draft(agreement, None, monitoring_frequency="quarterly")
    db.session.commit()
    assert len(agreement.returns) == 8 and all(
        (d.period_end - d.period_start).days > 85 for d in agreement.returns)


def test_pooled_budgets_name_the_joint_commissioners(create_agreement, provider, create_pot, create_organisation):
    from commissioning.funding.models import ContributionKind, PotKind
    from commissioning.funding.operations import add_contribution
    pooled = create_pot(kind=PotKind.pooled_budget, amount_pence=0)
    add_contribution(pooled, create_organisation("Merseyside Police Test"), ContributionKind.cash, "Cash", 90_000_00)
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider, pot_id=pooled.id)
    # A grant round's agreement: its partners fund it jointly (a contract says "Joint commissioner").
    assert {"name": "Merseyside Police Test", "role": "Joint funder (pooled budget)", "party": "joint"} in agreement.parties


def test_a_contract_cannot_be_issued_before_its_standstill_ends(create_agreement, provider, create_user):
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider, route="light_touch", max_value_pence=700_000_00,
                                 amount_pence=650_000_00)
    assert agreement.kind is AgreementKind.contract and agreement.standstill_end > date.today()
    with pytest.raises(AgreementError, match="standstill period runs until"):
        ops.issue(agreement, create_user(Role.commissioner), "Test Borough Council")
    document = ops.issue(agreement, create_user(Role.commissioner), "Test Borough Council",
                         today=agreement.standstill_end + timedelta(days=1))
    assert agreement.status is AgreementStatus.issued and document.version == 1


def test_the_worker_renders_a_real_document_once(create_agreement, provider, create_user):
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider)
    document = ops.issue(agreement, create_user(Role.commissioner), "Test Borough Council")
    queued = db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == ops.RENDER_TASK)).all()
    assert any(t.kwargs == {"document_id": document.id} for t in queued)
    assert document.file_id is None                              # "being prepared" until the worker runs
    ops.render_document(document.id)
    files = db.session.scalar(db.select(db.func.count(StoredFile.id)))
    ops.render_document(document.id)                             # idempotent: no second file
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == files
    data, text = _pdf_text(document)
    assert sha256_of(data) == document.sha256 and document.pages >= 4
    for expected in ("Test Borough Council", org.name, "£40,000", "Young people attending", "Schedule 3: payments",
                     "Schedule 4: monitoring returns", "Safeguarding", "Data protection", "Page 1 of"):
        assert expected in text, expected
    assert document.template_version.startswith("pdf/agreement.html@2+clauses:")


def test_a_render_killed_half_way_stores_nothing_and_the_retry_completes(
        create_agreement, provider, create_user, monkeypatch):
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider)
    document = ops.issue(agreement, create_user(Role.commissioner), "Test Borough Council")
    db.session.commit()

    def killed(*_args, **_kwargs):
        raise SystemExit("worker killed")
    monkeypatch.setattr("commissioning.contracts.operations.store_file", killed)
    from workers.tasks.contracts import render_agreement_document
    with pytest.raises(SystemExit):
        render_agreement_document(document.id)
    db.session.expire_all()
    assert document.file_id is None
    monkeypatch.undo()
    render_agreement_document(document.id)
    db.session.expire_all()
    assert document.file_id is not None and document.sha256


def test_signing_records_the_hash_seen_and_refuses_a_changed_document(
        create_agreement, provider, create_user, create_organisation):
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider)
    commissioner = create_user(Role.commissioner)
    first = ops.issue(agreement, commissioner, "Test Borough Council")
    with pytest.raises(AgreementError, match="being prepared"):
        ops.sign(agreement, provider, "Pat Provider", "Chair", "x" * 64)
    ops.render_document(first.id)
    stranger = create_user(Role.provider, organisation=create_organisation())
    with pytest.raises(AgreementError, match="Only someone from the provider"):
        ops.sign(agreement, stranger, "Someone", "Chair", first.sha256)
    with pytest.raises(AgreementError, match="changed since you opened it"):
        ops.sign(agreement, provider, "Pat Provider", "Chair", "0" * 64)
    with pytest.raises(AgreementError, match="not signed yet"):
        ops.countersign(agreement, commissioner)
    ops.sign(agreement, provider, "Pat Provider", "Chair", first.sha256)
    assert agreement.status is AgreementStatus.signed and agreement.provider_signed_sha256 == first.sha256
    ops.countersign(agreement, commissioner)
    assert agreement.status is AgreementStatus.active and agreement.countersigned_by_id == commissioner.id


def test_a_signed_copy_must_be_a_pdf(create_agreement, provider, create_user):
    org = provider.memberships[0].organisation
    agreement = create_agreement(org, provider)
    ops.render_document(ops.issue(agreement, create_user(Role.commissioner), "Test Borough Council").id)
    sha = agreement.document.sha256
    with pytest.raises(AgreementError, match="as a PDF"):
        ops.upload_signed_copy(agreement, provider, "Pat", "Chair", ("signed.txt", "text/plain", b"hi"), sha)
    with pytest.raises(AgreementError, match="changed since you opened it"):
        ops.upload_signed_copy(agreement, provider, "Pat", "Chair", ("s.pdf", "application/pdf", b"%PDF-1.4 x"), "0")
    ops.upload_signed_copy(agreement, provider, "Pat", "Chair", ("signed.pdf", "application/pdf", b"%PDF-1.4 x"), sha)
    assert agreement.status is AgreementStatus.signed and agreement.signed_copy_file_id
    assert agreement.provider_signed_sha256 == sha


def _active(create_agreement, provider, commissioner):
    agreement = create_agreement(provider.memberships[0].organisation, provider)
    document = ops.issue(agreement, commissioner, "Test Borough Council")
    ops.render_document(document.id)
    ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
    ops.countersign(agreement, commissioner)
    return agreement


def test_a_variation_has_its_own_approval_document_and_signatures(create_agreement, provider, create_user):
    commissioner = create_user(Role.commissioner)
    agreement = _active(create_agreement, provider, commissioner)
    with pytest.raises(AgreementError, match="Say why"):
        ops.propose_variation(agreement, commissioner, " ", value_pence=45_000_00)
    with pytest.raises(AgreementError, match="Change at least one thing"):
        ops.propose_variation(agreement, commissioner, "No change", value_pence=agreement.value_pence)
    payments = [dict(p) for p in agreement.payments]
    payments[-1]["amount_pence"] += 5_000_00
    new_end = agreement.end_date + timedelta(days=90)
    variation = ops.propose_variation(agreement, commissioner, "More sessions in the summer",
                                      value_pence=45_000_00, payments=payments, end_date=new_end)
    assert set(variation.changes) == {"value_pence", "payments", "end_date"}
    with pytest.raises(AgreementError, match="in progress"):
        ops.propose_variation(agreement, commissioner, "Another", value_pence=50_000_00)
    document = ops.approve_variation(variation, commissioner, "Test Borough Council")
    ops.render_document(document.id)
    assert document.version == 2 and variation.document_version == 2
    _data, text = _pdf_text(document)
    assert "£45,000" in text and "Variation 1: More sessions in the summer" in text
    assert agreement.value_pence == 40_000_00          # not in force until both have signed
    with pytest.raises(AgreementError, match="changed since"):
        ops.sign_variation(variation, provider, "Pat Provider", "Chair", agreement.documents[0].sha256)
    ops.sign_variation(variation, provider, "Pat Provider", "Chair", document.sha256)
    ops.countersign_variation(variation, commissioner)
    assert variation.status is VariationStatus.agreed
    assert agreement.value_pence == 45_000_00 and agreement.end_date == new_end
    assert sum(p["amount_pence"] for p in agreement.payments) == 45_000_00
    assert agreement.returns[-1].period_end == new_end


def test_ending_early_needs_a_reason(create_agreement, provider, create_user):
    commissioner = create_user(Role.commissioner)
    agreement = _active(create_agreement, provider, commissioner)
    with pytest.raises(AgreementError, match="Say why"):
        ops.end(agreement, commissioner, "", early=True)
    with pytest.raises(AgreementError, match="terminate it early"):
        ops.end(agreement, commissioner, "", early=False)
    variation = ops.propose_variation(agreement, commissioner, "More", value_pence=agreement.value_pence + 100,
                                      payments=[*agreement.payments[:-1], {**agreement.payments[-1], "amount_pence":
                                                                          agreement.payments[-1]["amount_pence"] + 100}])
    ops.end(agreement, commissioner, "The provider closed", early=True)
    assert agreement.status is AgreementStatus.terminated and variation.status is VariationStatus.withdrawn
    with pytest.raises(AgreementError, match="no longer active"):
        ops.approve_variation(variation, commissioner, "Test Borough Council")
    with pytest.raises(InvalidTransition):
        ops.end(agreement, commissioner, "again", early=False)


def test_each_sees_only_their_agreements_and_the_csv_is_safe(
        create_agreement, provider, create_user, create_organisation, give_documents, login, client):
    org = provider.memberships[0].organisation
    mine = create_agreement(org, provider)
    formula = create_organisation("=HYPERLINK(1) Ltd")
    give_documents(formula)
    other_provider = create_user(Role.provider, organisation=formula)
    theirs = create_agreement(other_provider.memberships[0].organisation, other_provider)
    monitor = create_user(Role.contract_monitor)
    theirs.monitor_id = monitor.id
    db.session.commit()
    assert register(provider) == []                      # a draft is the council's until it is issued
    login(provider)
    assert client.get(f"/contracts/{mine.id}").status_code == 403
    client.post("/logout")
    ops.issue(mine, create_user(Role.commissioner), "Test Borough Council")
    db.session.commit()
    assert [a.id for a, _due in register(provider)] == [mine.id]
    assert [a.id for a, _due in register(monitor)] == [theirs.id]
    csv_text = register_csv(register(create_user(Role.commissioner)))
    assert "'=HYPERLINK(1) Ltd" in csv_text
    login(provider)
    assert client.get(f"/contracts/{mine.id}").status_code == 200
    assert client.get(f"/contracts/{theirs.id}").status_code == 403
    assert client.get(f"/contracts/{theirs.id}/documents/1.pdf").status_code == 403
    assert client.post(f"/contracts/{theirs.id}/sign", data={"name": "x", "role": "y", "sha256": "z"}).status_code == 403
    assert client.post(f"/contracts/{mine.id}/issue").status_code == 403     # providers cannot issue
    assert client.get("/contracts").get_data(as_text=True).count("/contracts/") >= 1


def test_signing_through_the_page(create_agreement, provider, create_user, login, client):
    commissioner = create_user(Role.commissioner)
    agreement = create_agreement(provider.memberships[0].organisation, provider)
    document = ops.issue(agreement, commissioner, "Test Borough Council")
    db.session.commit()
    login(provider)
    assert "being prepared" in client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert client.get(f"/contracts/{agreement.id}/document.json").json == {"status": "running"}
    ops.render_document(document.id)
    db.session.commit()
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert document.sha256 in page and "Accept and sign" in page
    stale = client.post(f"/contracts/{agreement.id}/sign", data={"name": "Pat", "role": "Chair", "sha256": "0" * 64})
    assert stale.status_code == 400 and "changed since you opened it" in stale.get_data(as_text=True)
    ok = client.post(f"/contracts/{agreement.id}/sign",
                     data={"name": "Pat Provider", "role": "Chair", "sha256": document.sha256})
    assert ok.status_code == 302 and agreement.status is AgreementStatus.signed


def test_refused_page_actions_show_the_reason_not_a_crash(create_agreement, provider, create_user, login, client):
    agreement = create_agreement(provider.memberships[0].organisation, provider, route="light_touch",
                                 max_value_pence=700_000_00, amount_pence=650_000_00)
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    login(commissioner)
    for action, words in (("issue", "standstill period runs until"), ("recall", "cannot become"),
                          ("countersign", "not signed yet")):
        response = client.post(f"/contracts/{agreement.id}/{action}")
        assert response.status_code == 400 and words in response.get_data(as_text=True), action
    assert client.get("/contracts?status=bogus&kind=nope").status_code == 200
    assert client.get("/contracts.csv?status=bogus").status_code == 200


def test_party_names_are_escaped_and_month_end_periods_do_not_drift(create_agreement, provider, login, client,
                                                                   create_user):
    agreement = create_agreement(provider.memberships[0].organisation, provider)
    agreement.parties = [*agreement.parties, {"name": 'Evil <b id="injected">X</b>', "role": "Partner"}]
    db.session.commit()
    login(create_user(Role.commissioner))
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert 'id="injected"' not in page and "&lt;b id=" in page
    spans = ops.periods(date(2026, 11, 30), date(2027, 11, 29), 3)
    assert [s.isoformat() for s, _e in spans] == ["2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30"]


def test_the_document_in_force_ignores_a_pending_or_withdrawn_variation(create_agreement, provider, create_user):
    commissioner = create_user(Role.commissioner)
    agreement = _active(create_agreement, provider, commissioner)
    payments = [*agreement.payments[:-1], {**agreement.payments[-1],
                                           "amount_pence": agreement.payments[-1]["amount_pence"] + 100}]
    variation = ops.propose_variation(agreement, commissioner, "Uplift", value_pence=agreement.value_pence + 100,
                                      payments=payments)
    ops.render_document(ops.approve_variation(variation, commissioner, "Test Borough Council").id)
    assert agreement.document.version == 1             # version 2 waits for both signatures
    ops.withdraw_variation(variation, commissioner)
    assert agreement.document.version == 1 and len(agreement.documents) == 2


def test_a_live_contract_can_get_a_new_monitor(create_agreement, provider, create_user, login, client):
    commissioner = create_user(Role.commissioner)
    agreement = _active(create_agreement, provider, commissioner)
    first, second = create_user(Role.contract_monitor), create_user(Role.contract_monitor)
    agreement.monitor_id = first.id
    db.session.commit()
    login(commissioner)
    assert client.post(f"/contracts/{agreement.id}/monitor", data={"monitor": "999999"}).status_code == 400
    assert client.post(f"/contracts/{agreement.id}/monitor", data={"monitor": str(second.id)}).status_code == 302
    assert agreement.monitor_id == second.id


def test_a_variation_replans_the_payments_not_yet_due(create_agreement, provider, create_user):
    commissioner = create_user(Role.commissioner)
    agreement = _active(create_agreement, provider, commissioner)
    today = agreement.start_date + timedelta(days=200)
    paid = [p for p in agreement.payments if date.fromisoformat(p["due"]) <= today]
    longer = agreement.end_date + timedelta(days=180)
    plan = ops.replan_payments(agreement, 50_000_00, longer, today=today)
    assert plan[:len(paid)] == paid and sum(p["amount_pence"] for p in plan) == 50_000_00
    assert max(p["due"] for p in plan) <= longer.isoformat() and len(plan) > len(agreement.payments)
    shorter = ops.replan_payments(agreement, 30_000_00, agreement.end_date - timedelta(days=200), today=today)
    assert sum(p["amount_pence"] for p in shorter) == 30_000_00
    ops.check_terms(30_000_00, agreement.start_date, agreement.end_date - timedelta(days=200), shorter,
                    agreement.kpis)
