"""The OCDS feed publishes only what is true (issue 16, "What was seen" 2 and 4).

Seen with outside tools: every scheduled payment was a transaction once its due date passed, even
conditional ones whose returns were not met, though no payment made is recorded anywhere; parties
had no identifier or address; a contract with `implementation` lacked the `implementation` tag;
`met` milestones had no `dateMet`; a return sent but not yet reviewed showed as `notMet`; the
demo contract was signed after its period began.
"""
import json
from datetime import timedelta

from commissioning.core.models import LONDON
from commissioning.extensions import db
from commissioning.monitoring import operations as mon_ops
from commissioning.opendata.operations import publish_releases
from tests.unit.test_monitoring import TODAY, _fill, active  # noqa: F401 (fixture)
from tests.unit.test_opendata import ocds_errors


def _release(client, agreement):
    """The process's latest release, once what changed has been published."""
    publish_releases()
    db.session.commit()
    package = json.loads(client.get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert ocds_errors(package) == []
    ocid = f"ocds-commissioning-{agreement.opportunity.reference}"
    return [r for r in package["releases"] if r["ocid"] == ocid][-1]


def _returns(agreement):
    return sorted(agreement.returns, key=lambda d: d.due_on)


def test_scheduled_payments_are_not_published_as_payments_made(active, client):  # noqa: F811
    agreement, _p, _m, _c = active()
    assert any(p["due"] <= TODAY.isoformat() for p in agreement.payments), "the test needs a payment already due"
    contract = _release(client, agreement)["contracts"][0]
    assert "transactions" not in contract.get("implementation", {})


def test_a_contract_with_an_implementation_carries_the_tag(active, client):  # noqa: F811
    agreement, _p, _m, _c = active()
    release = _release(client, agreement)
    assert release["contracts"][0]["implementation"]["milestones"]
    assert release["tag"] == ["award", "contract", "implementation"]


def _milestone(client, agreement, due):
    milestones = _release(client, agreement)["contracts"][0]["implementation"]["milestones"]
    return next(m for m in milestones if m["id"] == f"{agreement.reference}-return-{due.id}")


def test_a_met_milestone_says_when_it_was_met(active, client):  # noqa: F811
    agreement, provider, monitor, _c = active()
    first = _returns(agreement)[0]
    assert first.due_on < TODAY, "the test needs a return already due"
    ret = mon_ops.return_for(first)
    _fill(ret, provider)
    mon_ops.submit_return(ret, provider)
    mon_ops.accept_return(ret, monitor, ret.suggested_rag, "", [])
    db.session.commit()
    met = _milestone(client, agreement, first)
    assert met["status"] == "met" and met["dateMet"][:10] == ret.accepted_at.date().isoformat()


def test_a_return_sent_and_awaiting_review_is_not_unmet_and_one_never_sent_is(active, client):  # noqa: F811
    agreement, provider, _m, _c = active()
    first = _returns(agreement)[0]
    assert first.due_on < TODAY, "the test needs a return already due"
    assert _milestone(client, agreement, first)["status"] == "notMet"      # overdue, nothing sent
    ret = mon_ops.return_for(first)
    _fill(ret, provider)
    mon_ops.submit_return(ret, provider)
    db.session.commit()
    sent = _milestone(client, agreement, first)
    assert sent["status"] == "scheduled" and "dateMet" not in sent
    assert sent["dateModified"][:10] == ret.submitted_at.date().isoformat()


def test_parties_carry_their_register_identifier_and_address(create_organisation, active, client):  # noqa: F811
    agreement, _p, _m, _c = active()
    org = agreement.organisation
    org.charity_number, org.address = "1177001", "Unit 4, Lodge Lane, Liverpool L8 0QE"
    db.session.commit()
    release = _release(client, agreement)
    supplier = next(p for p in release["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {"scheme": "GB-CHC", "id": "1177001", "legalName": org.name}
    assert supplier["address"] == {"streetAddress": "Unit 4, Lodge Lane", "locality": "Liverpool",
                                   "postalCode": "L8 0QE", "countryName": "United Kingdom"}
    # References elsewhere name the party; the details live once, in parties.
    assert release["awards"][0]["suppliers"][0] == {"id": supplier["id"], "name": supplier["name"]}


def test_the_demo_contract_was_signed_before_its_period_began(app):
    from commissioning.contracts.models import Agreement, AgreementStatus
    from commissioning.demo import load_demo_data
    load_demo_data()
    db.session.commit()
    active_ones = db.session.scalars(db.select(Agreement).where(Agreement.status == AgreementStatus.active)).all()
    assert active_ones
    for agreement in active_ones:
        signed = agreement.countersigned_at.date()
        assert signed < agreement.start_date + timedelta(days=1), (agreement.reference, signed, agreement.start_date)
        assert agreement.provider_signed_at <= agreement.countersigned_at
        executed = next(d for d in agreement.documents if d.executed_snapshot)
        days = [when.astimezone(LONDON).strftime("%-d %B %Y") for when in (agreement.provider_signed_at,
                                                                            agreement.countersigned_at)]
        assert all(day in s["signed_at"] for day, s in zip(days, executed.executed_snapshot["signatures"]))


def test_each_process_is_classified_by_its_specification_and_its_route(app, client):
    """Seen: every process had CPV 85312000 and procurementMethod "open", grant rounds included."""
    from commissioning.demo import load_demo_data
    load_demo_data()
    db.session.commit()
    package = json.loads(client.get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert ocds_errors(package) == []
    # Notices are releases cut to what each reports (a UK7 has no tender): the state releases say it all.
    tenders = {r["ocid"]: r["tender"] for r in package["releases"] if "items" in r.get("tender", {})}
    classes = {t["items"][0]["classification"]["id"] for t in tenders.values()}
    assert {"98133110", "85312320"} <= classes
    details = {t["procurementMethodDetails"] for t in tenders.values()}
    assert any(d.startswith("Grant round") and "not a procurement" in d for d in details)
    assert any(d.startswith("Light-touch contract") for d in details)


def test_the_cpv_list_names_each_code_and_an_old_specification_keeps_the_default(app):
    from commissioning.specifications.cpv import CODES, classification
    assert classification(None) == {"scheme": "CPV", "id": "85312000",
                                    "description": "Social work services without accommodation"}
    assert classification("98133110")["description"] == "Services provided by youth associations"
    assert len({code for code, _ in CODES}) == len(CODES) and all(len(code) == 8 for code, _ in CODES)


def test_the_buyer_has_a_contact_point(app, client, monkeypatch):
    """Seen: the buyer had no contactPoint."""
    from commissioning.demo import load_demo_data
    from commissioning.opendata.operations import publish_releases
    load_demo_data()
    monkeypatch.setitem(app.config, "BUYER_CONTACT_EMAIL", "youth.commissioning@example.gov.uk")
    from commissioning.opendata import ocds
    release = next(ocds.iter_releases(app.config["OCDS_PREFIX"], app.config["AUTHORITY_NAME"]))
    buyer = next(p for p in release["parties"] if "buyer" in p["roles"])
    assert buyer["contactPoint"] == {"name": "Youth commissioning team", "email": "youth.commissioning@example.gov.uk",
                                     "url": app.config["BASE_URL"] + "/opportunities"}
    publish_releases()
    db.session.commit()
    package = json.loads(client.get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert all("contactPoint" in p for r in package["releases"] for p in r.get("parties", ()) if "buyer" in p["roles"])
