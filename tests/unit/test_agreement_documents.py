"""Agreements without mistakes: each document is read back as text (pypdf) and checked.

Cross-references name the schedule that really holds what they talk about; each kind of
agreement uses its own party names everywhere (page, PDF, mail, clauses); KPI traces name
their indicator; after countersigning an executed copy with both signatures is made by the
worker; payment dates read the GOV.UK way.
"""
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from commissioning.accounts.models import Role
from commissioning.contracts import operations as ops
from commissioning.contracts.models import AgreementKind, Clause
from commissioning.contracts.operations import AgreementError
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import sha256_of
from commissioning.mail.models import OutgoingEmail
from commissioning.outbox.models import OutboxTask

AUTHORITY = "Test Borough Council"


@pytest.fixture
def provider(create_user, create_organisation, give_documents):
    org = create_organisation("Croxteth Youth Trust")
    give_documents(org)
    return create_user(Role.provider, organisation=org, name="Pat Provider")


@pytest.fixture
def commissioner(create_user):
    return create_user(Role.commissioner, name="Chris Commissioner")


@pytest.fixture
def make(create_agreement, provider):
    """An agreement of ``kind``: a grant round's (the default) or a light-touch procurement's contract."""
    def factory(kind=AgreementKind.grant_agreement, **spec):
        if kind is AgreementKind.contract:
            spec = {"route": "light_touch", "max_value_pence": 700_000_00, "amount_pence": 650_000_00, **spec}
        agreement = create_agreement(provider.memberships[0].organisation, provider, **spec)
        assert agreement.kind is kind
        return agreement
    return factory


def issued_text(agreement, commissioner):
    """Issue the agreement, render its PDF as the worker would, and read its text back."""
    today = agreement.standstill_end + timedelta(days=1) if agreement.standstill_end else None
    document = ops.issue(agreement, commissioner, AUTHORITY, today=today)
    ops.render_document(document.id)
    return document, pdf_text(db.session.get(StoredFile, document.file_id).data)


def pdf_text(data):
    """The PDF's words with line breaks and repeated spaces made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def schedules_in(text):
    """{number: heading} of the schedules as the document heads them."""
    return {int(n): title.strip().lower() for n, title in re.findall(r"Schedule (\d+): ([a-z ]+?)(?= [A-Z]|$)", text)}


#: What a sentence refers the reader to, and words the heading of that schedule must contain.
REFERENCES = [
    (r"(?:services|activity|Services|Activity)[^.]{0,60}? described in Schedule (\d+)", "services|activity"),
    (r"specification version named in Schedule (\d+)", "services|activity"),
    (r"amounts in Schedule (\d+)", "payments"),
    (r"each date in Schedule (\d+)", "monitoring returns"),
    (r"key performance indicators in Schedule (\d+)", "key performance indicators"),
    (r"\(Schedule (\d+)\)", None),   # the key terms table's own pointers, checked below
]


def clause_part(text):
    """The clauses, from their heading to the first schedule."""
    return text[text.index("Clauses"):text.index("Schedule 1:")]


@pytest.mark.parametrize("kind", list(AgreementKind))
def test_every_cross_reference_names_the_schedule_that_holds_it(kind, make, commissioner):
    agreement = make(kind)
    _document, text = issued_text(agreement, commissioner)
    schedules = schedules_in(text)
    assert len(schedules) == 4 and sorted(schedules) == [1, 2, 3, 4], schedules
    clauses = clause_part(text)
    mentioned = [int(n) for n in re.findall(r"Schedule (\d+)", clauses)]
    assert mentioned, "the clauses refer to the schedules"
    matched = []
    for pattern, words in REFERENCES[:-1]:
        for number in re.findall(pattern, clauses):
            assert re.search(words, schedules[int(number)]), (pattern, number, schedules)
            matched.append(int(number))
    # No reference the patterns do not explain (such as "the end date in Schedule 2", the KPIs).
    assert sorted(matched) == sorted(mentioned), clauses
    key_terms = text[text.index("Key terms"):text.index("Clauses")]
    spec_at = re.search(r"version \d+ \(Schedule (\d+)\)", key_terms).group(1)
    returns_at = re.search(r"returns \(Schedule (\d+)\)", key_terms).group(1)
    assert re.search("services|activity", schedules[int(spec_at)])
    assert schedules[int(returns_at)] == "monitoring returns"


def test_an_edited_clause_refers_by_key_and_typed_numbers_are_refused(make, commissioner, create_user):
    admin = create_user(Role.admin)
    ops.ensure_clauses()
    clause = db.session.scalars(db.select(Clause).where(Clause.key == "payment")).one()
    with pytest.raises(AgreementError, match=r"\{schedule:payments\}"):
        ops.update_clause(clause, "Payment", "We pay the amounts in Schedule 3 on time.", admin)
    with pytest.raises(AgreementError, match=r"no schedule called “fees”.*\{schedule:payments\}"):
        ops.update_clause(clause, "Payment", "We pay the amounts in {schedule:fees}.", admin)
    ops.update_clause(clause, "Payment", "{Council} will pay the amounts in {schedule:payments}; see also "
                      "{clause:monitoring}. {Provider} sends an invoice for each.", admin)
    db.session.commit()
    agreement = make()
    _document, text = issued_text(agreement, commissioner)
    schedules = schedules_in(text)
    number = int(re.search(r"will pay the amounts in Schedule (\d+)", text).group(1))
    assert schedules[number] == "payments"
    monitoring = re.search(r"(\d+)\. Monitoring and performance", text).group(1)
    assert f"see also clause {monitoring}." in text
    assert "The Funder will pay" in text and "The Grant Recipient sends an invoice" in text
    assert "{" not in clause_part(text)


GRANT_WORDS = (r"\bGrant Recipient\b", r"\bFunder\b")
CONTRACT_WORDS = (r"\bProvider\b", r"\bthe Council\b")


@pytest.mark.parametrize("kind", list(AgreementKind))
def test_each_kind_uses_its_own_party_names_in_the_pdf_the_page_and_the_mail(kind, make, commissioner, provider,
                                                                           login, client):
    agreement = make(kind)
    document, text = issued_text(agreement, commissioner)
    right, wrong = (GRANT_WORDS, CONTRACT_WORDS) if kind is AgreementKind.grant_agreement else (
        CONTRACT_WORDS, GRANT_WORDS)
    for word in right:
        assert re.search(word, text), word
    for word in (*wrong, r"\bAuthority\b", r"\bprovider\b"):
        assert not re.search(word, text), (word, re.search(f".{{60}}{word}.{{60}}", text))
    # The page, as the council and as the organisation that signs.
    db.session.commit()
    for person in (commissioner, provider):
        login(person)
        main = client.get(f"/contracts/{agreement.id}").get_data(as_text=True).split("<main", 1)[1]
        words = re.sub(r"<[^>]+>", " ", main)
        for word in right:
            assert re.search(word, words, re.I), (person, word)
        for word in (*wrong, r"\bAuthority\b"):
            assert not re.search(word, words, re.I if word != r"\bthe Council\b" else 0), (person, word)
        client.post("/logout")
    # The mail the organisation gets when it is issued.
    mail = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.kind == "agreement_issued")).first()
    name = "grant agreement" if kind is AgreementKind.grant_agreement else "contract"
    assert name in mail.body
    other = "contract" if kind is AgreementKind.grant_agreement else "grant"
    words = re.sub(r"https?://\S+", "", mail.body).lower().replace(agreement.title.lower(), "")
    assert other not in words


def test_a_kpi_traced_to_an_indicator_shows_the_indicators_name(make, commissioner, create_indicator, login,
                                                                client):
    indicator = create_indicator(name="Young people not in education, employment or training")
    agreement = make(kpis=[{"name": "NEET young people into training", "unit": "people", "target": "30",
                            "frequency": "quarterly", "indicator_id": indicator.id}])
    _document, text = issued_text(agreement, commissioner)
    assert "indicator:" not in text
    assert "Indicator: Young people not in education, employment or training" in text
    db.session.commit()
    login(commissioner)
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert f"indicator:{indicator.id}" not in page
    assert re.search(rf'Traced to indicator: <a class="govuk-link" href="/indicators/{indicator.id}">'
                     r"Young people not in education, employment or training</a>", page)


def test_payment_dates_read_the_govuk_way(make, commissioner, login, client):
    agreement = make()
    db.session.commit()
    login(commissioner)
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    first = agreement.payments[0]["due"]
    assert first not in page
    from datetime import date
    assert date.fromisoformat(first).strftime("%-d %B %Y") in page


def _countersigned(agreement, commissioner, provider):
    document, _text = issued_text(agreement, commissioner)
    ops.sign(agreement, provider, "Pat Provider", "Chair of Trustees", document.sha256)
    ops.countersign(agreement, commissioner)
    return document


@pytest.mark.parametrize("kind", list(AgreementKind))
def test_countersigning_makes_an_executed_copy_with_both_signatures(kind, make, commissioner, provider, login,
                                                                   client, create_user, create_organisation):
    agreement = make(kind)
    document = _countersigned(agreement, commissioner, provider)
    queued = db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == ops.EXECUTED_TASK)).all()
    assert [t.kwargs for t in queued] == [{"document_id": document.id}]
    db.session.commit()
    login(provider)
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert "executed copy" in page and "being made" in page
    assert client.get(f"/contracts/{agreement.id}/document.json").json == {"status": "running"}
    assert client.get(f"/contracts/{agreement.id}/documents/1/executed.pdf").status_code == 404

    from workers.tasks.contracts import render_executed_agreement
    render_executed_agreement(document.id)
    files = db.session.scalar(db.select(db.func.count(StoredFile.id)))
    render_executed_agreement(document.id)                        # idempotent: no second file
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == files
    assert client.get(f"/contracts/{agreement.id}/document.json").json == {"status": "done"}
    page = client.get(f"/contracts/{agreement.id}").get_data(as_text=True)
    assert f"/contracts/{agreement.id}/documents/1/executed.pdf" in page and document.executed_sha256 in page
    response = client.get(f"/contracts/{agreement.id}/documents/1/executed.pdf")
    assert response.status_code == 200 and sha256_of(response.data) == document.executed_sha256
    text = pdf_text(response.data)
    provider_term = "Grant Recipient" if kind is AgreementKind.grant_agreement else "Provider"
    council_term = "Funder" if kind is AgreementKind.grant_agreement else "Council"
    signed_on = agreement.provider_signed_at.strftime("%-d %B %Y")
    for expected in ("Executed copy", "Pat Provider", "Chair of Trustees", f"the {provider_term}",
                     "Chris Commissioner", f"Commissioner, {AUTHORITY}", f"the {council_term}", signed_on,
                     document.sha256, "Schedule 3: payments"):
        assert expected in text, expected
    assert not re.search(r"\bAuthority\b", text)
    # The parties and the council's staff can download it; nobody else.
    client.post("/logout")
    login(commissioner)
    assert client.get(f"/contracts/{agreement.id}/documents/1/executed.pdf").status_code == 200
    client.post("/logout")
    login(create_user(Role.provider, organisation=create_organisation()))
    assert client.get(f"/contracts/{agreement.id}/documents/1/executed.pdf").status_code == 403


def test_a_variation_gets_its_own_executed_copy(make, commissioner, provider):
    agreement = make()
    first = _countersigned(agreement, commissioner, provider)
    ops.render_executed(first.id)
    payments = [dict(p) for p in agreement.payments]
    payments[-1]["amount_pence"] += 5_000_00
    variation = ops.propose_variation(agreement, commissioner, "More summer sessions",
                                      value_pence=agreement.value_pence + 5_000_00, payments=payments)
    document = ops.approve_variation(variation, commissioner, AUTHORITY)
    ops.render_document(document.id)
    ops.sign_variation(variation, provider, "Pat Provider", "Chair of Trustees", document.sha256)
    assert document.executed_requested_at is None
    ops.countersign_variation(variation, commissioner)
    assert document.executed_requested_at is not None
    executed = ops.render_executed(document.id)
    text = pdf_text(db.session.get(StoredFile, executed.executed_file_id).data)
    assert "Variation 1: More summer sessions" in text and document.sha256 in text and "Pat Provider" in text
    assert first.executed_file_id and first.executed_file_id != document.executed_file_id


def test_the_clause_editor_explains_the_tokens_and_shows_a_refusal_on_the_field(login, create_user, client):
    ops.ensure_clauses()
    db.session.commit()
    clause = db.session.scalars(db.select(Clause).where(Clause.key == "payment")).one()
    login(create_user(Role.admin))
    page = client.get(f"/admin/clauses/{clause.id}").get_data(as_text=True)
    assert "<code>{schedule:payments}</code>" in page and "Schedule 3 (payments)" in page
    assert "the Grant Recipient" in page
    response = client.post(f"/admin/clauses/{clause.id}", data={"title": "Payment",
                                                              "body": "The Authority pays as Schedule 3 says."})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in text and "{schedule:payments}" in text
    db.session.expire_all()
    assert clause.version == 1


def test_the_draft_form_names_the_indicator_a_kpi_traces_to(make, commissioner, create_indicator, login, client):
    indicator = create_indicator(name="Under-18 conception rate")
    agreement = make(kpis=[{"name": "Young parents supported", "unit": "people", "target": "12",
                            "frequency": "quarterly", "indicator_id": indicator.id}])
    login(commissioner)
    page = client.get(f"/contracts/{agreement.id}/edit").get_data(as_text=True)
    assert "Traced to indicator: Under-18 conception rate" in page and f"indicator:{indicator.id}" not in page


def test_the_migration_turns_typed_references_into_tokens_edited_clauses_too():
    """0018 rewrites stored clauses: the defaults as installed become today's, an edited one is converted
    with the one meaning the old numbers had, and stored parties get their kind's roles."""
    import importlib.util
    from pathlib import Path

    from commissioning.contracts import wording
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0018_executed_agreements.py"
    spec = importlib.util.spec_from_file_location("migration_0018", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert {key: new for key, (_old, new) in migration.DEFAULTS.items()} == {
        key: body for key, _title, body, _kinds in ops.DEFAULT_CLAUSES}
    for key, (old, new) in migration.DEFAULTS.items():
        assert migration._tokens(key, old) == new and migration._typed(key, new) == old
    edited = "The Provider reports to the Authority by each date in Schedule 4 against Schedule 2."
    converted = migration._tokens("local_extra", edited)
    assert converted == "{Provider} reports to {council} by each date in {schedule:returns} against {schedule:kpis}."
    assert wording.check_clause_text(converted, set()) is None
    assert migration._new_parties("grant_agreement", [
        {"name": "Test Borough Council", "role": "The Authority (lead commissioner)"},
        {"name": "Police", "role": "Joint commissioner (pooled budget)"},
        {"name": "Croxteth Youth Trust", "role": "The Grant Recipient"},
        {"name": "Someone", "role": "Partner"}]) == [
        {"name": "Test Borough Council", "role": "The Funder (lead funder)", "party": "council"},
        {"name": "Police", "role": "Joint funder (pooled budget)", "party": "joint"},
        {"name": "Croxteth Youth Trust", "role": "The Grant Recipient", "party": "provider"},
        {"name": "Someone", "role": "Partner"}]
