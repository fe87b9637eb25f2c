"""Identify need, clicked through as a commissioner and as a young person looking for something to do."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_commissioner_records_evidences_and_prioritises_a_need(page, live_server, tmp_path):
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Needs").click()
    page.get_by_role("link", name="Record a need").click()
    page.get_by_label("Name of the proposed service or need").fill("Holiday activities in South")
    page.get_by_role("group", name="Tier").get_by_label("Universal").check()
    page.get_by_role("group", name="Localities").get_by_label("South", exact=True).check()
    page.get_by_label("Youngest age").fill("11")
    page.get_by_label("Oldest age").fill("22")
    page.get_by_role("group", name="Outcomes for young people").get_by_label("Enriching activities and skills for life").check()
    page.get_by_label("1. What need is not currently being met?").fill("Little to do in the summer holidays")
    page.get_by_role("button", name="Save need").click()
    # Over 19 without the learning-difficulties box: the error summary says so and links to the field.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("only for young people with learning difficulties", use_inner_text=True)
    page.get_by_label("Oldest age").fill("19")
    page.get_by_role("button", name="Save need").click()
    expect(page).to_have_url(re.compile(r".*/needs/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Holiday activities in South", use_inner_text=True)

    page.get_by_role("link", name="Add evidence").click()
    page.get_by_role("group", name="Where does the evidence come from?").get_by_label("Young people").check()
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Year").fill("2008")
    page.get_by_label("Summary").fill("Holiday survey: 7 in 10 had nothing to do")
    survey = tmp_path / "survey.csv"
    survey.write_text("question,yes\nnothing to do,70\n")
    page.get_by_label("File (optional)").set_input_files(str(survey))
    page.get_by_role("button", name="Add evidence").click()
    expect(page).to_have_url(re.compile(r".*/needs/\d+#evidence$"))
    expect(page.locator("#evidence ~ table").first).to_contain_text("survey.csv", use_inner_text=True)

    page.get_by_role("link", name="Add an option").click()
    page.get_by_label("Option", exact=True).fill("Grant-fund holiday schemes")
    page.get_by_role("group", name="Likelihood of the risk").get_by_label("2").check()
    page.get_by_role("group", name="Impact if it happens").get_by_label("3").check()
    page.get_by_label("This is a preferred option").check()
    page.get_by_role("button", name="Save option").click()
    expect(page).to_have_url(re.compile(r".*/needs/\d+#options$"))

    for status in ("evidenced", "prioritised"):
        page.get_by_label("Move to").select_option(status)
        page.get_by_role("button", name="Change status").click()
        expect(page.locator("main")).to_contain_text(f"The need is now {status}", use_inner_text=True)
    assert page.console_errors == []


def test_young_person_finds_something_free_on_a_friday(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="find out what is on for young people near you").click()
    page.get_by_label("Age").fill("14")
    page.get_by_label("Day").select_option("fri")
    page.get_by_label("Cost").select_option("free")
    page.get_by_role("button", name="Show activities").click()
    expect(page).to_have_url(re.compile(r"/whats-on\?"))
    main = page.locator("main")
    expect(main).to_contain_text("Friday night youth club", use_inner_text=True)
    # Checked after the positive wait, so on the settled page of results.
    expect(main).not_to_contain_text("Music and film studio", use_inner_text=True)
    assert page.console_errors == []


def test_commissioner_shares_a_pot_between_localities(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Funding").click()
    page.get_by_role("link", name="Local youth offer").click()
    page.get_by_role("link", name="Share between localities").click()
    page.get_by_label("Weight for rural isolation (%)").fill("20")
    page.get_by_role("button", name="Preview shares").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must add up to 100%", use_inner_text=True)
    page.get_by_label("Weight for rural isolation (%)").fill("15")
    page.get_by_role("button", name="Save this allocation").click()
    expect(page).to_have_url(re.compile(r".*/funding/allocations/\d+$"))
    expect(page.locator("main")).to_contain_text("£1,200,000", use_inner_text=True)


def _open_need(page, base, need_id, title):
    """From the menu to the needs register, then the need: the newest changed is listed first."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Needs").click()
    page.get_by_role("link", name=title, exact=True).first.click()
    expect(page).to_have_url(f"{base}/needs/{need_id}")


def test_commissioner_writes_a_specification_and_gets_it_approved(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    # A need of our own, prioritised through the operations (the need journey clicks through that part).
    from datetime import date

    from commissioning.extensions import db
    from commissioning.localities.models import Locality
    from commissioning.needs.models import EvidenceSource, NeedStatus
    from commissioning.needs import operations as ops
    from commissioning.core.vocabulary import EcmOutcome, Tier
    app = live_server.app
    with app.app_context():
        east = db.session.scalars(db.select(Locality).where(Locality.name == "East")).one()
        need = ops.create_need(None, localities=[east], outcomes=[EcmOutcome.stay_safe], title="Safer streets in East",
                               tier=Tier.early_intervention, age_min=13, age_max=19,
                               need_not_met="Young people feel unsafe after dark")
        ops.add_evidence(need, None, EvidenceSource.young_people, date(2008, 6, 1), "Street survey")
        ops.save_option(need, need.options[1], is_preferred=True)
        ops.change_need_status(need, NeedStatus.evidenced)
        ops.change_need_status(need, NeedStatus.prioritised)
        db.session.commit()
        need_id = need.id
        db.session.remove()
    _open_need(page, live_server.url, need_id, "Safer streets in East")
    page.get_by_role("link", name="Write a specification for this need").click()
    page.get_by_label("Purpose").fill("Detached youth work after dark")
    outcome = page.get_by_role("group", name="Outcome 1")
    outcome.get_by_label("Outcome").fill("Young people feel safer")
    outcome.get_by_label("Traced to").select_option(label="Safer streets in East: Feel safe, online and offline")
    kpi = page.get_by_role("group", name="KPI 1")
    kpi.get_by_label("KPI", exact=True).fill("Young people contacted")
    kpi.get_by_label("Target").fill("300")
    page.get_by_label("Contract length in months").fill("12")
    page.get_by_label("Maximum value, in pounds").fill("25000")
    page.get_by_label("Funding source").select_option(index=0)
    page.get_by_role("group", name="Payment schedule").get_by_label("Quarterly in arrears").check()
    page.get_by_role("group", name="Monitoring frequency").get_by_label("Quarterly").check()
    for i, (name, kind, weight) in enumerate([("Quality", "quality", "70"), ("Price", "price", "30"),
                                              ("Social value", "social_value", "10")]):
        row = page.get_by_role("group", name=f"Criterion {i + 1}", exact=True)
        row.get_by_label("Criterion").fill(name)
        row.get_by_label("Kind").select_option(kind)
        row.get_by_label("Weight (%)").fill(weight)
    page.get_by_role("button", name="Save specification").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("they add up to 110%", use_inner_text=True)
    page.get_by_role("group", name="Criterion 1", exact=True).get_by_label("Weight (%)").fill("60")
    page.get_by_role("button", name="Save specification").click()
    expect(page).to_have_url(re.compile(r".*/specifications/\d+$"))
    expect(page.locator("main")).to_contain_text("Direct award below threshold", use_inner_text=True)
    page.get_by_role("button", name="Send for approval").click()
    # Duties apart: the author may not decide; each stage is decided by a different approver.
    expect(page.locator("main")).to_contain_text("you cannot decide any of its approval stages", use_inner_text=True)
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    spec_url = page.url
    for stage, approver in ((1, "approver@demo.test"), (2, "approver2@demo.test")):
        page.context.clear_cookies()
        sign_in(page, live_server.url, approver)
        page.goto(spec_url)
        expect(page.locator("main")).to_contain_text(re.compile(rf"Stage {stage} of \d+:"), use_inner_text=True)
        page.get_by_role("group", name="Decision").get_by_label("Approve").check()
        page.get_by_role("button", name="Record the decision").click()
        if stage == 1:  # the same person is not offered the next stage
            expect(page.locator("main")).to_contain_text("You decided an earlier approval stage", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("The specification is approved", use_inner_text=True)
    _open_need(page, live_server.url, need_id, "Safer streets in East")
    expect(page.locator("main")).to_contain_text("Specified", use_inner_text=True)
    assert page.console_errors == []
