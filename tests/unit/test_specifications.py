import io

import pytest
from pypdf import PdfReader

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.core.enums import InvalidTransition
from commissioning.extensions import db
from commissioning.needs.models import NeedStatus
from commissioning.settings.operations import set_setting
from commissioning.specifications.models import Route, SpecStatus, Specification
from commissioning.specifications.operations import SpecificationError, decide, save_version, submit_for_review
from commissioning.specifications.util import approval_chain, criteria_problems, diff_versions, suggest_route
from tests.fixtures.factories import spec_content


def crit(name, kind, weight, parent=None):
    return {"name": name, "kind": kind, "weight": weight, "parent": parent}


def test_weightings_must_total_100_and_sub_criteria_their_parent():
    good = [crit("Quality", "quality", 60), crit("Delivery", "quality", 40, "Quality"),
            crit("Safeguarding", "quality", 20, "Quality"), crit("Price", "price", 30),
            crit("Social value", "social_value", 10)]
    assert criteria_problems(good) == []
    assert "add up to 100%: they add up to 90%" in " ".join(criteria_problems(good[:4]))
    bad_children = [crit("Quality", "quality", 70), crit("A", "quality", 30, "Quality"), crit("Price", "price", 30)]
    assert "sub-criteria of “Quality” must add up to its 70%" in " ".join(criteria_problems(bad_children))
    assert "not a criterion" in " ".join(criteria_problems([crit("Q", "quality", 100), crit("x", "quality", 5, "Nope")]))
    assert "at most one price" in " ".join(criteria_problems([crit("P1", "price", 50), crit("P2", "price", 50)]))


def test_route_suggestion_follows_the_thresholds_an_admin_sets(app):
    assert suggest_route(29_999_00)[0] is Route.direct_award
    assert suggest_route(100_000_00)[0] is Route.grant_round
    assert suggest_route(663_540_00)[0] is Route.light_touch
    assert suggest_route(663_539_99)[0] is Route.grant_round
    assert suggest_route(207_720_00, light_touch=False)[0] is Route.open_procurement
    set_setting("threshold_light_touch_pence", 100_000_00)
    assert suggest_route(100_000_00)[0] is Route.light_touch


def test_key_decisions_add_the_executive_board(app):
    assert approval_chain(10_000_00) == ["Joint commissioning group", "Commissioning executive"]
    assert approval_chain(500_000_00)[-1] == "Executive board (key decision)"


def test_needs_must_be_prioritised_and_the_pot_must_cover_the_value(create_need, create_pot, prioritised_need):
    from commissioning.specifications.operations import create_specification
    draft = create_need()
    pot = create_pot(amount_pence=10_000_00)
    with pytest.raises(SpecificationError, match="prioritised"):
        create_specification(None, [draft], spec_content(pot, []))
    need = prioritised_need()
    with pytest.raises(SpecificationError, match="only £10,000 uncommitted"):
        create_specification(None, [need], spec_content(pot, [], max_value_pence=20_000_00))


def test_each_save_is_a_version_and_approval_specifies_the_needs(create_specification, create_user):
    spec = create_specification()
    need = spec.needs[0]
    user = create_user(Role.commissioner)
    first, second = create_user(Role.commissioner), create_user(Role.commissioner)
    content = dict(spec.current.content, purpose="A better purpose")
    save_version(spec, user, content)
    assert [v.number for v in spec.versions] == [1, 2]
    assert diff_versions(spec.version(1).content, spec.version(2).content) == [
        ("Purpose", "Safe places to go on Friday nights", "A better purpose")]
    submit_for_review(spec)
    with pytest.raises(InvalidTransition):
        save_version(spec, user, content)
    with pytest.raises(SpecificationError, match="Say why"):
        decide(spec, first, approved=False)
    decide(spec, first, approved=True)
    assert spec.status is SpecStatus.in_review and spec.review_stage == 1
    decide(spec, second, approved=True, comment="Agreed at the executive")
    assert spec.status is SpecStatus.approved and spec.approved_version == 2
    assert need.status is NeedStatus.specified
    # Approved: a change supersedes it with a new draft version, the approved one stays recorded.
    save_version(spec, user, dict(content, outputs="50 sessions"))
    assert spec.status is SpecStatus.draft and spec.approved_version == 2 and spec.current.number == 3
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_type == "Specification",
                                                                    AuditEntry.object_id == spec.id)).all()
    assert actions.count("specification.decision") == 2 and "specification.version_saved" in actions


def test_sending_back_returns_it_to_draft(create_specification, create_user):
    spec = create_specification()
    submit_for_review(spec)
    decide(spec, create_user(Role.commissioner), approved=False, comment="Add safeguarding requirements")
    assert spec.status is SpecStatus.draft and spec.decisions[-1].comment == "Add safeguarding requirements"


def _form(need, pot, locality, **overrides):
    data = {"needs": [str(need.id)], "title": "Holiday clubs", "purpose": "Things to do in the holidays",
            "outcomes-0-text": "More young people active", "outcomes-0-trace": f"need:{need.id}:enjoy_and_achieve",
            "kpis-0-name": "Attendances", "kpis-0-target": "500", "kpis-0-frequency": "quarterly",
            "localities": [str(locality.id)], "age_min": "11", "age_max": "19", "contract_months": "12",
            "max_value": "40000", "pot": str(pot.id), "payment_schedule": "quarterly_in_arrears",
            "monitoring_frequency": "quarterly", "light_touch": "y", "route": "",
            "criteria-0-name": "Quality", "criteria-0-kind": "quality", "criteria-0-weight": "60",
            "criteria-1-name": "Price", "criteria-1-kind": "price", "criteria-1-weight": "30",
            "criteria-2-name": "Social value", "criteria-2-kind": "social_value", "criteria-2-weight": "10"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_writing_a_specification_through_the_form(login, create_user, prioritised_need, create_pot):
    client = login(create_user(Role.commissioner))
    need = prioritised_need()
    pot = create_pot(amount_pence=100_000_00)
    locality = need.localities[0]
    bad = client.post("/specifications/new", data=_form(need, pot, locality, **{"criteria-2-weight": "20"}))
    html = bad.get_data(as_text=True)
    assert "they add up to 110%" in html and 'href="#criteria"' in html
    untraced = client.post("/specifications/new", data=_form(need, pot, locality, **{"outcomes-0-trace": ""}))
    assert "Choose the need outcome or indicator" in untraced.get_data(as_text=True)
    other_route = client.post("/specifications/new", data=_form(need, pot, locality, route="light_touch"))
    assert "Say why you chose a different route" in other_route.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Specification.id))) == 0
    ok = client.post("/specifications/new", data=_form(need, pot, locality))
    assert ok.status_code == 302
    spec = db.session.scalars(db.select(Specification)).one()
    assert spec.current.content["route"] == "grant_round" and spec.current.content["max_value_pence"] == 40_000_00
    assert spec.reference == f"SPEC-{spec.id:04d}" and spec.needs == [need]
    need_page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert spec.reference in need_page  # the golden thread, both ways
    edit = client.get(f"/specifications/{spec.id}/edit").get_data(as_text=True)
    assert 'value="Holiday clubs"' in edit


def test_specification_pdf_is_a_real_document(login, create_user, create_specification):
    spec = create_specification()
    response = login(create_user(Role.commissioner)).get(f"/specifications/{spec.id}/versions/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in (spec.reference, "Friday youth clubs", "Young people attending", "Social value", "£50,000",
                     "Page 1 of"):
        assert expected in text


def test_pdf_helper_refuses_local_files_and_outside_urls(app):
    from weasyprint import HTML

    from commissioning.pdf import safe_url_fetcher
    fetcher = safe_url_fetcher()
    for url in ("file:///etc/passwd", "http://example.org/x.png"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    pdf = HTML(string='<img src="file:///etc/hostname"><p>ok</p>', url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")


def test_admin_changes_thresholds_with_validation(login, create_user):
    client = login(create_user(Role.admin))
    bad = client.post("/admin/settings", data={"threshold_light_touch": "lots"})
    assert "Enter an amount in pounds" in bad.get_data(as_text=True)
    ok = client.post("/admin/settings", data={
        "threshold_light_touch": "700000", "threshold_goods_services": "207720", "threshold_notifiable": "30000",
        "key_decision": "500000", "approval_stages": "Joint commissioning group\nCommissioning executive",
        "key_decision_stage": "Executive board"})
    assert ok.status_code == 302
    assert suggest_route(680_000_00)[0] is Route.grant_round


def test_approval_stages_of_only_blank_lines_are_refused(login, create_user):
    """Seen in review: "  \r\n  " saved no stages, and the next approval decision was a 500."""
    client = login(create_user(Role.admin))
    blank = client.post("/admin/settings", data={
        "threshold_light_touch": "700000", "threshold_goods_services": "207720", "threshold_notifiable": "30000",
        "key_decision": "500000", "approval_stages": " \r\n ", "key_decision_stage": "Executive board"})
    assert blank.status_code == 200 and "Enter at least one approval stage" in blank.get_data(as_text=True)
    from commissioning.settings.util import get_setting
    assert list(get_setting("approval_stages")) != []


# --- duties apart: nobody approves their own specification, or two stages of it -------------------

@pytest.fixture
def authored(prioritised_need, create_pot, create_user):
    """A specification in review written by one commissioner and edited by another."""
    from commissioning.specifications.operations import create_specification
    author, editor = create_user(Role.commissioner, name="Alex Author"), create_user(Role.commissioner, name="Ed Editor")
    need = prioritised_need()
    spec = create_specification(author, [need], spec_content(create_pot(amount_pence=100_000_00),
                                                             [loc.id for loc in need.localities]))
    save_version(spec, editor, dict(spec.current.content, outputs="50 sessions"))
    submit_for_review(spec)
    db.session.commit()
    return spec, author, editor


def test_the_author_and_an_editor_cannot_decide_any_stage(authored, create_user):
    spec, author, editor = authored
    for person in (author, editor):
        for approved in (True, False):
            with pytest.raises(SpecificationError, match="you cannot decide any of its approval stages"):
                decide(spec, person, approved=approved, comment="Fine by me")
    assert spec.status is SpecStatus.in_review and spec.review_stage == 0 and spec.decisions == []
    decide(spec, create_user(Role.commissioner), approved=True)
    assert spec.review_stage == 1


def test_one_person_cannot_decide_two_stages(authored, create_user):
    spec, _author, _editor = authored
    first = create_user(Role.commissioner)
    decide(spec, first, approved=True)
    with pytest.raises(SpecificationError, match="You decided an earlier approval stage"):
        decide(spec, first, approved=True)
    assert spec.status is SpecStatus.in_review and spec.review_stage == 1
    decide(spec, create_user(Role.commissioner), approved=True)
    assert spec.status is SpecStatus.approved
    assert len({d.decided_by_id for d in spec.decisions}) == 2


def test_a_new_round_after_sending_back_starts_afresh(authored, create_user):
    spec, _author, _editor = authored
    first, second = create_user(Role.commissioner), create_user(Role.commissioner)
    decide(spec, first, approved=True)
    decide(spec, second, approved=False, comment="Add the safeguarding lead")
    submit_for_review(spec)  # sent again: the first stage is open to the first approver once more
    decide(spec, first, approved=True)
    with pytest.raises(SpecificationError, match="earlier approval stage"):
        decide(spec, first, approved=True)


def _signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": "a-long-test-password"}).status_code == 302
    return client


def test_the_page_says_why_the_decision_form_is_missing_and_who_can_decide(app, authored, create_user):
    spec, author, _editor = authored
    approver = create_user(Role.commissioner, name="Pat Approver")
    writer = _signed_in(app, author)
    page = writer.get(f"/specifications/{spec.id}").get_data(as_text=True)
    assert "you cannot decide any of its approval stages" in page and "Record the decision" not in page
    assert "Pat Approver" in page.split("Who can decide this stage:")[1].split("</p>")[0]
    assert "Alex Author" not in page.split("Who can decide this stage:")[1].split("</p>")[0]
    refused = writer.post(f"/specifications/{spec.id}/decision", data={"decision": "approve"})
    assert refused.status_code == 403 and "Another commissioner who has not worked on it" in refused.get_data(as_text=True)
    assert spec.decisions == []
    client = _signed_in(app, approver)
    assert "Record the decision" in client.get(f"/specifications/{spec.id}").get_data(as_text=True)
    assert client.post(f"/specifications/{spec.id}/decision", data={"decision": "approve"}).status_code == 302
    second_stage = client.get(f"/specifications/{spec.id}").get_data(as_text=True)
    assert "You decided an earlier approval stage" in second_stage and "Record the decision" not in second_stage
