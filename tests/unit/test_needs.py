import io
from datetime import date

import pytest

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.core.enums import InvalidTransition
from commissioning.core.vocabulary import Tier, VulnerableGroup
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.needs.models import EvidenceItem, EvidenceSource, Need, NeedStatus, OptionKind
from commissioning.needs.operations import add_evidence, change_need_status, save_option


@pytest.fixture
def commissioner(login, create_user):
    return login(create_user(Role.commissioner))


def need_form(locality, **overrides):
    data = {"title": "Youth club in the East", "tier": "universal", "localities": [str(locality.id)],
            "age_min": "13", "age_max": "19", "outcomes": ["enjoy_and_achieve"],
            "need_not_met": "Nowhere to go in the evenings", "effectiveness_rating": ""}
    data.update(overrides)
    return data


def test_recording_a_need_starts_a_draft_with_do_nothing_and_do_very_little(commissioner, create_locality):
    loc = create_locality()
    response = commissioner.post("/needs/new", data=need_form(loc, groups=["neet", "young_carers"]))
    assert response.status_code == 302
    need = db.session.scalars(db.select(Need).where(Need.title == "Youth club in the East")).one()
    assert need.status is NeedStatus.draft and need.localities == [loc]
    assert {o.kind for o in need.options} == {OptionKind.do_nothing, OptionKind.do_very_little}
    assert set(need.group_values) == {VulnerableGroup.neet, VulnerableGroup.young_carers}
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "need.created",
                                                         AuditEntry.object_id == need.id))


@pytest.mark.parametrize("overrides, message", [
    ({"age_min": "7"}, "The youngest age must be between 8 and 25"),
    ({"age_max": "26"}, "The oldest age must be between 8 and 25"),
    ({"age_min": "16", "age_max": "14"}, "The oldest age must be the same as or more than the youngest age"),
    ({"age_max": "22"}, "only for young people with learning difficulties or disabilities"),
    ({"title": ""}, "Enter a name for the need"),
    ({"localities": []}, "Choose at least one locality"),
    ({"tier": "galactic"}, "Choose from the options shown"),
])
def test_bad_need_input_gets_a_clear_error_and_saves_nothing(commissioner, create_locality, overrides, message):
    before = db.session.scalar(db.select(db.func.count(Need.id)))
    response = commissioner.post("/needs/new", data=need_form(create_locality(), **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    assert db.session.scalar(db.select(db.func.count(Need.id))) == before


def test_ages_up_to_25_are_allowed_for_learning_difficulties(commissioner, create_locality):
    response = commissioner.post("/needs/new", data=need_form(create_locality(), age_max="25", for_lldd="y"))
    assert response.status_code == 302


def test_a_need_cannot_be_prioritised_without_evidence_and_a_preferred_option(create_need, create_user):
    need = create_need()
    with pytest.raises(InvalidTransition, match="Add at least one evidence item"):
        change_need_status(need, NeedStatus.evidenced)
    add_evidence(need, None, EvidenceSource.young_people, date(2026, 2, 1), "Survey")
    change_need_status(need, NeedStatus.evidenced)
    with pytest.raises(InvalidTransition, match="Mark at least one option as preferred"):
        change_need_status(need, NeedStatus.prioritised)
    save_option(need, need.options[0], is_preferred=True)
    change_need_status(need, NeedStatus.prioritised)
    assert need.status is NeedStatus.prioritised
    with pytest.raises(InvalidTransition, match="specification"):
        change_need_status(need, NeedStatus.specified)
    changes = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "need.status_changed",
                                                             AuditEntry.object_id == need.id)).all()
    assert [c.details["new"] for c in changes] == ["evidenced", "prioritised"]


def test_status_change_through_the_page_shows_why_it_is_refused(commissioner, create_need):
    need = create_need()
    response = commissioner.post(f"/needs/{need.id}/status", data={"status": "evidenced"})
    assert response.status_code == 400
    assert "Add at least one evidence item" in response.get_data(as_text=True)


def test_transitions_are_declared_once():
    assert NeedStatus.draft.can_become(NeedStatus.evidenced)
    assert not NeedStatus.draft.can_become(NeedStatus.prioritised)
    assert not NeedStatus.specified.can_become(NeedStatus.draft)


def _evidence(**extra):
    data = {"source": "schools", "date": ["3", "2", "2026"], "summary": "Head teachers report more exclusions"}
    data.update(extra)
    return data


def test_evidence_with_a_valid_file_is_stored_and_downloadable(commissioner, create_need):
    need = create_need()
    pdf = b"%PDF-1.4\n% a tiny pdf\n"
    response = commissioner.post(f"/needs/{need.id}/evidence/new", content_type="multipart/form-data",
                                 data=_evidence(file=(io.BytesIO(pdf), "report.pdf")))
    assert response.status_code == 302
    item = db.session.scalars(db.select(EvidenceItem).where(EvidenceItem.need_id == need.id)).one()
    download = commissioner.get(f"/needs/{need.id}/evidence/{item.id}/file")
    assert download.status_code == 200 and download.data == pdf
    assert "report.pdf" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("filename, content, message", [
    ("virus.exe", b"MZ\x90\x00", "The file must be a PDF, Word document"),
    ("fake.pdf", b"<html>not a pdf</html>", "contents do not match its name"),
    ("empty.csv", b"", "The selected file is empty"),
])
def test_wrong_files_are_refused_and_nothing_half_saved(commissioner, create_need, filename, content, message):
    need = create_need()
    files_before = db.session.scalar(db.select(db.func.count(StoredFile.id)))
    response = commissioner.post(f"/needs/{need.id}/evidence/new", content_type="multipart/form-data",
                                 data=_evidence(file=(io.BytesIO(content), filename)))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(EvidenceItem.id)).where(EvidenceItem.need_id == need.id)) == 0
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == files_before


def test_oversized_upload_is_refused_with_a_message(app, commissioner, create_need, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    need = create_need()
    response = commissioner.post(f"/needs/{need.id}/evidence/new", content_type="multipart/form-data",
                                 data=_evidence(file=(io.BytesIO(b"a" * 2048), "big.csv")))
    assert "The file must be smaller than" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(EvidenceItem.id)).where(EvidenceItem.need_id == need.id)) == 0


def test_impossible_evidence_date_is_refused(commissioner, create_need):
    need = create_need()
    html = commissioner.post(f"/needs/{need.id}/evidence/new", data=_evidence(date=["31", "2", "2026"])).get_data(as_text=True)
    assert "Date of the evidence must be a real date" in html and 'href="#date-day"' in html


def test_option_risk_is_likelihood_times_impact(commissioner, create_need):
    need = create_need()
    response = commissioner.post(f"/needs/{need.id}/options/new",
                                 data={"title": "Commission a new service", "likelihood": "4", "impact": "5",
                                       "is_preferred": "y"})
    assert response.status_code == 302
    option = [o for o in need.options if o.title == "Commission a new service"][0]
    assert option.risk_score == 20 and option.risk_level == "high" and option.is_preferred


def test_list_filters_and_search(commissioner, create_need, create_locality):
    east, west = create_locality("Eastside"), create_locality("Westside")
    create_need(title="Detached youth work", localities=[east], tier=Tier.targeted, groups=[VulnerableGroup.neet])
    create_need(title="Open youth club", localities=[west])
    html = commissioner.get(f"/needs?locality={east.id}").get_data(as_text=True)
    assert "Detached youth work" in html and "Open youth club" not in html
    html = commissioner.get("/needs?tier=universal").get_data(as_text=True)
    assert "Open youth club" in html and "Detached youth work" not in html
    html = commissioner.get("/needs?group=neet").get_data(as_text=True)
    assert "Detached youth work" in html and "Open youth club" not in html
    html = commissioner.get("/needs?q=club").get_data(as_text=True)
    assert "Open youth club" in html and "Detached youth work" not in html
    html = commissioner.get("/needs?status=prioritised").get_data(as_text=True)
    assert "No needs match these filters" in html
    html = commissioner.get("/needs?outcome=be_healthy").get_data(as_text=True)
    assert "No needs match these filters" in html


def test_needs_list_issues_a_constant_number_of_queries(commissioner, create_need, create_locality, count_queries):
    locality = create_locality()

    def queries_with_total(total):
        existing = db.session.scalar(db.select(db.func.count(Need.id)))
        for _ in range(total - existing):
            create_need(localities=[locality], groups=[VulnerableGroup.neet])
        with count_queries() as count:
            assert commissioner.get("/needs?per_page=200").status_code == 200
        return count()

    assert queries_with_total(10) == queries_with_total(200)


def test_monitor_can_read_but_not_edit(login, create_user, create_need):
    client = login(create_user(Role.contract_monitor))
    need = create_need()
    assert client.get(f"/needs/{need.id}").status_code == 200
    assert client.post(f"/needs/{need.id}/edit", data={}).status_code == 403
    assert client.post(f"/needs/{need.id}/status", data={"status": "closed"}).status_code == 403


def test_evidence_can_be_removed_by_a_commissioner_only(app, create_user, create_need):
    need = create_need()
    item = add_evidence(need, None, EvidenceSource.schools, date(2026, 1, 1), "To be removed",
                        upload=("x.txt", "text/plain", b"hello"))
    db.session.commit()

    def signed_in(role):
        client = app.test_client()
        user = create_user(role)
        assert client.post("/login", data={"email": user.email, "password": "a-long-test-password"}).status_code == 302
        return client

    monitor, commissioner = signed_in(Role.contract_monitor), signed_in(Role.commissioner)
    assert "Remove" not in monitor.get(f"/needs/{need.id}").get_data(as_text=True)
    assert monitor.post(f"/needs/{need.id}/evidence/{item.id}/remove").status_code == 403
    assert "Remove" in commissioner.get(f"/needs/{need.id}").get_data(as_text=True)
    asked = commissioner.post(f"/needs/{need.id}/evidence/{item.id}/remove")
    assert asked.status_code == 200 and "You cannot undo this" in asked.get_data(as_text=True)
    assert db.session.get(EvidenceItem, item.id) is not None
    assert commissioner.post(f"/needs/{need.id}/evidence/{item.id}/remove",
                             data={"confirmed": "yes"}).status_code == 302
    assert db.session.get(EvidenceItem, item.id) is None
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "need.evidence_removed"))
