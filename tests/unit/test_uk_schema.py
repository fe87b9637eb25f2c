"""The UK extension's patched OCDS schema, and the offline checker that the notices are tested with.

The schema is OCDS 1.1.5 patched by the UK extension's dependencies, its test dependency
(submissionTerms), the lots and metrics extensions (which it patches but does not declare) and the UK
extension, built from ``tests/schemas/`` only (tests/fixtures/ocds_uk.py).
"""
import copy
import json
import warnings
import zipfile

import pytest

from commissioning.extensions import db
from tests.fixtures import ocds_uk
from tests.fixtures.ocds_uk import (CLOSED_CODELIST, OPEN_CODELIST, SCHEMA, check_uk_package, check_uk_release,
                                    errors_only, release_problems, uk_codelists, uk_release_schema)


def _properties(definition):
    return uk_release_schema()["definitions"][definition]["properties"]


def test_the_patched_schema_has_the_uk_fields():
    award, tender, document = _properties("Award"), _properties("Tender"), _properties("Document")
    assert award["standstillPeriod"]["$ref"] == "#/definitions/Period"
    assert award["assessmentSummariesDateSent"]["format"] == "date-time"
    assert "specialRegime" in tender and tender["aboveThreshold"]["type"] == ["boolean", "null"]
    assert "noLotsDivisionRationale" in tender["lotDetails"]["properties"]
    assert "noticeType" in document
    assert _properties("Observation")["measureClassification"]["$ref"] == "#/definitions/Classification"
    assert "terminationRationaleClassifications" in _properties("Contract")
    assert "penaltyType" in _properties("PerformanceFailure")      # the UK's fields on performance_failures'


def test_the_dependencies_fields_are_there_too():
    tender = _properties("Tender")
    # awardCriteria: the criteria object, on lots (tender/awardCriteria stays OCDS 1.1's codelist string).
    assert _properties("AwardCriteria")["criteria"]["items"]["$ref"] == "#/definitions/AwardCriterion"
    assert _properties("Lot")["awardCriteria"]["$ref"] == "#/definitions/AwardCriteria"
    assert tender["awardCriteria"]["type"] == ["string", "null"] and tender["awardCriteria"]["codelist"] == \
        "awardCriteria.csv"
    # The test dependency is included: UK4 states submission terms.
    assert ocds_uk.INCLUDE_TEST_DEPENDENCIES
    assert tender["submissionTerms"]["$ref"] == "#/definitions/SubmissionTerms"
    assert _properties("SubmissionTerms")["electronicSubmissionPolicy"]["codelist"] == "permission.csv"
    for field in ("communication", "otherRequirements", "suitability", "techniques", "subcontractingTerms"):
        assert field in tender, field
    assert "bids" in uk_release_schema()["properties"]                     # bid v1.1.5
    assert "performanceFailures" in _properties("Implementation")
    assert "subcontracting" in _properties("Award")


def test_lots_and_metrics_are_defined_and_the_uk_patches_land_on_them():
    """The gap the UK extension leaves (it patches Lot, LotGroup and Observation, declares neither lots nor
    metrics) is closed by applying both extensions before it."""
    uk = json.loads((ocds_uk.UK_EXTENSION / "extension.json").read_text())
    declared = " ".join(uk["dependencies"] + uk["testDependencies"])
    for name in ocds_uk.ADDITIONAL_EXTENSIONS:
        assert f"/{name}/" not in declared, name                # still not declared: applied on purpose
    definitions = uk_release_schema()["definitions"]
    for name in ("Lot", "LotGroup", "Metric", "Observation"):
        assert definitions[name]["type"] == "object" and "id" in definitions[name]["required"], name
    assert _properties("Tender")["lots"]["items"]["$ref"] == "#/definitions/Lot"
    assert _properties("Tender")["lotGroups"]["items"]["$ref"] == "#/definitions/LotGroup"
    assert _properties("Implementation")["metrics"]["items"]["$ref"] == "#/definitions/Metric"
    assert _properties("Metric")["observations"]["items"]["$ref"] == "#/definitions/Observation"
    # The UK's and the dependencies' patches sit beside the lots and metrics extensions' own fields.
    assert {"awardCriteria", "submissionTerms", "status", "value"} <= set(_properties("Lot"))
    assert {"measureClassification", "measure", "unit", "period"} <= set(_properties("Observation"))
    assert {"noLotsDivisionRationale", "maximumLotsBidPerSupplier"} <= set(_properties("Tender")["lotDetails"][
        "properties"])


def test_every_dependency_is_vendored_with_its_licence_and_listed():
    uk = json.loads((ocds_uk.UK_EXTENSION / "extension.json").read_text())
    folders = ocds_uk.extension_folders()
    assert len(folders) == len(uk["dependencies"]) + len(uk["testDependencies"]) + 2 + 1 and folders[-1] == \
        ocds_uk.UK_EXTENSION
    # Lots and metrics come after what the UK extension declares and just before it.
    assert [f.name for f in folders[-3:-1]] == list(ocds_uk.ADDITIONAL_EXTENSIONS) == \
        ["ocds_lots_extension", "ocds_metrics_extension"]
    readme = (ocds_uk.EXTENSIONS / "README.md").read_text()
    for folder in folders:
        assert (folder / "LICENSE").is_file() and f"`{folder.name}/`" in readme, folder.name
        metadata = json.loads((folder / "extension.json").read_text())
        for name in metadata.get("codelists", []):
            assert (folder / "codelists" / name).is_file(), (folder.name, name)
    assert json.loads((ocds_uk.EXTENSIONS / "ocds_bid_extension" / "extension.json").read_text())["codelists"] == \
        ["bidStatistics.csv", "bidStatus.csv"]          # v1.1.5, as the UK extension pins it


def test_the_codelists_are_merged():
    codelists = uk_codelists()
    assert {"buyer", "removedSupplier", "subcontractor"} <= codelists["partyRole.csv"]   # core, UK, subcontracting
    assert {"tenderNotice", "marketEngagementNotice", "implementationNotice"} <= codelists["documentType.csv"]
    assert codelists["penaltyType.csv"] == {"contracted", "imposed", "negotiated"}          # new in the UK extension
    assert codelists["reservedParticipation.csv"] == {"shelteredWorkshop", "publicServiceMissionOrganization",
                                                      "smeVcse"}                 # otherRequirements, then UK
    assert {"bids", "finalStageBids", "smeFinalStageBids"} <= codelists["bidStatistics.csv"]     # bid v1.1.5, UK
    assert codelists["permission.csv"] == {"required", "allowed", "notAllowed"}
    codelists["tenderStatus.csv"].add("ongoing")                                            # a copy
    assert "ongoing" not in uk_codelists()["tenderStatus.csv"]


def test_every_codelist_the_schema_names_is_defined_and_closed_ones_match_their_enum():
    codelists, named = uk_codelists(), []

    def walk(node):
        if isinstance(node, dict):
            if "codelist" in node:
                named.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(uk_release_schema())
    assert len(named) > 30
    for field in named:
        assert field["codelist"] in codelists, field["codelist"]
        if not field["openCodelist"] and "enum" in field:
            assert set(field["enum"]) - {None} == codelists[field["codelist"]], field["codelist"]


def _zip(folder, target, inner=""):
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("top/", "")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            z.write(path, f"top/{inner}{path.relative_to(folder)}")
    return f"file://{target}"


def test_the_schema_is_the_one_the_extension_registry_builds(tmp_path):
    """ProfileBuilder itself, offline: the standard and each vendored extension (lots and metrics included, in
    the same order) as local ZIP files."""
    from ocdsextensionregistry import ProfileBuilder

    class OfflineProfile(ProfileBuilder):
        def extensions(self):
            for extension in super().extensions():
                extension.allow_schemes.add("file")     # local ZIP files only: nothing is fetched
                yield extension

    folders = ocds_uk.extension_folders()
    assert {"ocds_lots_extension", "ocds_metrics_extension"} <= {f.name for f in folders}
    urls = [_zip(f, tmp_path / f"{f.name}.zip") for f in folders]
    builder = OfflineProfile("1__1__5", urls, standard_base_url=_zip(ocds_uk.STANDARD, tmp_path / "std.zip", "schema/"))
    assert builder.patched_release_schema() == uk_release_schema()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        theirs = {c.name: set(c.codes) for c in builder.patched_codelists()}
    ours = uk_codelists()
    assert set(theirs) == set(ours)
    # The one difference, on purpose: codes a later extension adds to a codelist an earlier one defines are
    # kept here; the registry drops them, and warns.
    kept = {"bidStatistics.csv": {"finalStageBids", "smeFinalStageBids", "vcseFinalStageBids"},
            "reservedParticipation.csv": {"smeVcse"}}
    assert {name: ours[name] - theirs[name] for name in ours if ours[name] != theirs[name]} == kept
    assert all(theirs[name] <= ours[name] for name in ours)
    assert {str(w.message).split()[0] for w in said} == set().union(*kept.values())


# A UK4 (tender notice) as a light-touch open procurement would publish it.
UK4 = {
    "ocid": "ocds-commissioning-OPP-0001", "id": "ocds-commissioning-OPP-0001-UK4-1",
    "date": "2026-05-01T09:00:00+01:00", "tag": ["tender"], "initiationType": "tender", "language": "en",
    "parties": [{"id": "GB-LAE-LIV", "name": "Liverpool City Council", "roles": ["buyer"],
                 "identifier": {"scheme": "GB-LAE", "id": "LIV", "legalName": "Liverpool City Council"},
                 "address": {"streetAddress": "Water Street", "locality": "Liverpool", "postalCode": "L2 2DH",
                             "countryName": "United Kingdom"},
                 "contactPoint": {"name": "Commissioning team", "email": "commissioning@example.org",
                                  "url": "https://example.org/commissioning"}}],
    "buyer": {"id": "GB-LAE-LIV", "name": "Liverpool City Council"},
    "tender": {
        "id": "OPP-0001", "title": "Wellbeing drop-ins", "description": "Weekly drop-ins for young people.",
        "status": "active", "procurementMethod": "open", "procurementMethodDetails": "Light-touch contract",
        "mainProcurementCategory": "services", "value": {"amount": 120000, "currency": "GBP"},
        "items": [{"id": "1", "description": "Youth services",
                   "classification": {"scheme": "CPV", "id": "98133110",
                                      "description": "Services provided by youth associations"}}],
        "tenderPeriod": {"startDate": "2026-05-01T09:00:00+01:00", "endDate": "2026-06-01T12:00:00+01:00"},
        "enquiryPeriod": {"endDate": "2026-05-20T17:00:00+01:00"}, "hasEnquiries": True,
        "submissionMethod": ["electronicSubmission"], "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": "Quality 60%, price 40%.",
        "specialRegime": ["lightTouch"], "aboveThreshold": True,
        "lotDetails": {"noLotsDivisionRationale": "One provider keeps referrals in one place."},
        "submissionTerms": {"electronicSubmissionPolicy": "required", "languages": ["en"]},
        "documents": [{"id": "UK4-1", "documentType": "tenderNotice", "noticeType": "UK4", "title": "Tender notice",
                       "url": "https://example.org/notices/1", "datePublished": "2026-05-01T09:00:00+01:00",
                       "format": "text/html", "language": "en"}],
    },
}


def _broken(**changes):
    """UK4 with ``changes`` applied, each keyed by its path with ``__`` between parts (``tender__status``)."""
    release = copy.deepcopy(UK4)
    for path, value in changes.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("__")]
        node = release
        for part in parents:
            node = node[part]
        node[last] = value
    return release


def test_a_uk4_passes():
    assert check_uk_release(UK4) == []
    assert release_problems(UK4) == {"schema": [], "closed": [], "open": []}


def test_a_uk6_award_with_standstill_passes_and_a_bad_standstill_date_fails():
    release = {**copy.deepcopy(UK4), "tag": ["award"], "awards": [{
        "id": "OPP-0001-award", "status": "pending", "aboveThreshold": True,
        "standstillPeriod": {"startDate": "2026-07-01T10:00:00+01:00", "endDate": "2026-07-09T23:59:59+01:00"},
        "assessmentSummariesDateSent": "2026-07-01T10:00:00+01:00",
        "documents": [{"id": "UK6-2", "documentType": "awardNotice", "noticeType": "UK6"}]}]}
    assert check_uk_release(release) == []
    release["awards"][0]["standstillPeriod"]["endDate"] = "9 July 2026"
    release["awards"][0]["assessmentSummariesDateSent"] = "2026-07-01"
    assert check_uk_release(release) == [
        f"{SCHEMA}awards/0/assessmentSummariesDateSent: '2026-07-01' is not a 'date-time'",
        f"{SCHEMA}awards/0/standstillPeriod/endDate: '9 July 2026' is not a 'date-time'"]


# Award criteria on the lot, as the service's UK4 puts them (a procurement in one piece is one lot).
LOT = {"id": "1", "title": "Wellbeing drop-ins", "status": "active", "value": {"amount": 120000, "currency": "GBP"},
       "awardCriteria": {"description": "Bids are scored against these criteria.", "criteria": [
           {"type": "quality", "name": "Quality", "description": "How the service meets the specification",
            "numbers": [{"number": 60, "weight": "percentageExact"}]},
           {"type": "price", "name": "Price", "description": "The price for the whole contract",
            "numbers": [{"number": 40, "weight": "percentageExact"}]}]}}

# A UK9 (contract performance notice): a KPI rated as the UK extension's measureClassification suggests.
UK9 = {
    "ocid": "ocds-commissioning-OPP-0001", "id": "ocds-commissioning-OPP-0001-UK9-7",
    "date": "2027-07-01T09:00:00+01:00", "tag": ["implementation"], "initiationType": "tender", "language": "en",
    "parties": UK4["parties"], "buyer": UK4["buyer"],
    "contracts": [{"id": "CON-0001", "awardID": "OPP-0001-award", "implementation": {
        "documents": [{"id": "UK9-7", "documentType": "implementationNotice", "noticeType": "UK9",
                       "title": "Contract performance notice", "url": "https://example.org/notices/7",
                       "datePublished": "2027-07-01T09:00:00+01:00", "format": "text/html", "language": "en"}],
        "metrics": [{"id": "kpi-1", "title": "Young people attending", "description": "Target 400 young people",
                     "observations": [{"id": "year-1", "measure": 412, "unit": {"name": "young people"},
                                       "period": {"startDate": "2026-07-01T00:00:00+01:00",
                                                  "endDate": "2027-06-30T00:00:00+01:00"},
                                       "measureClassification": {"scheme": "UK-KPI-rating", "id": "met",
                                                                 "description": "Met"}}]}]}}],
}

METRICS = "contracts/0/implementation/metrics"


def _uk9(**changes):
    """UK9 with ``changes`` applied under its first metric (``observations__0__measure``, as _broken)."""
    release = copy.deepcopy(UK9)
    for path, value in changes.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("__")]
        node = release["contracts"][0]["implementation"]["metrics"][0]
        for part in parents:
            node = node[part]
        node[last] = value
    return release


@pytest.fixture
def without_lots_and_metrics(monkeypatch):
    """The checker as it was with the UK extension's declared dependencies only (no lots, no metrics)."""
    cached = (ocds_uk._patched_release_schema, ocds_uk._merged_codelists, ocds_uk._release_validator,
              ocds_uk._package_validator)
    for function in cached:
        function.cache_clear()
    monkeypatch.setattr(ocds_uk, "ADDITIONAL_EXTENSIONS", ())
    yield
    monkeypatch.undo()
    for function in cached:
        function.cache_clear()


def test_a_uk9_with_rated_kpis_passes():
    # The scheme is not in itemClassificationScheme.csv, an open codelist that Classification.scheme names:
    # a warning only.
    assert release_problems(UK9) == {"schema": [], "closed": [], "open": [
        f"{OPEN_CODELIST}{METRICS}/0/observations/0/measureClassification/scheme: 'UK-KPI-rating' is not in "
        "itemClassificationScheme.csv"]}
    assert errors_only(check_uk_release(UK9)) == []


def test_a_uk9_with_a_bad_observation_or_metric_fails():
    assert check_uk_release(_uk9(observations__0__measureClassification="met")) == [
        f"{SCHEMA}{METRICS}/0/observations/0/measureClassification: 'met' is not of type 'object'"]
    release = copy.deepcopy(UK9)
    release["contracts"][0]["implementation"]["metrics"].append({"title": "Sessions run", "observations": [
        {"id": "year-1", "measure": 48}]})
    assert errors_only(check_uk_release(release)) == [f"{SCHEMA}{METRICS}/1: 'id' is a required property"]
    problems = errors_only(check_uk_release(_uk9(observations__0__measure=[412],
                                                 observations__0__period__endDate="30 June 2027")))
    assert problems == [
        f"{SCHEMA}{METRICS}/0/observations/0/measure: [412] is not of type 'string', 'number', 'null'",
        f"{SCHEMA}{METRICS}/0/observations/0/period/endDate: '30 June 2027' is not a 'date-time'"]
    assert errors_only(check_uk_release(_uk9(observations=[]))) == [
        f"{SCHEMA}{METRICS}/0/observations: [] should be non-empty"]
    empty = copy.deepcopy(UK9)
    empty["contracts"][0]["implementation"]["metrics"] = []
    assert check_uk_release(empty, open_codelists=False) == [f"{SCHEMA}{METRICS}: [] should be non-empty"]


def test_without_the_metrics_extension_a_bad_observation_went_unnoticed(without_lots_and_metrics):
    """Why the metrics extension is applied: with the UK extension's declared dependencies alone, nothing."""
    assert "metrics" not in uk_release_schema()["definitions"]["Implementation"]["properties"]
    assert check_uk_release(_uk9(observations__0__measureClassification="met")) == []
    assert check_uk_release(_uk9(id=None, observations=[{"measureClassification": 3}])) == []


def _uk4_lot(**changes):
    """UK4 with LOT as its one lot, ``changes`` applied under the lot (``awardCriteria__criteria__0__name``)."""
    release = copy.deepcopy(UK4)
    release["tender"]["lots"] = [copy.deepcopy(LOT)]
    for path, value in changes.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("__")]
        node = release["tender"]["lots"][0]
        for part in parents:
            node = node[part]
        node[last] = value
    return release


def test_a_uk4_with_award_criteria_on_its_lot_passes():
    assert release_problems(_uk4_lot()) == {"schema": [], "closed": [], "open": []}


def test_a_lot_with_bad_award_criteria_fails():
    lot = "tender/lots/0"
    assert check_uk_release(_uk4_lot(awardCriteria="ratedCriteria")) == [
        f"{SCHEMA}{lot}/awardCriteria: 'ratedCriteria' is not of type 'object'"]
    assert check_uk_release(_uk4_lot(awardCriteria__criteria__0__numbers__0__number="60%")) == [
        f"{SCHEMA}{lot}/awardCriteria/criteria/0/numbers/0/number: '60%' is not of type 'number', 'null'"]
    found = release_problems(_uk4_lot(awardCriteria__criteria__1__numbers__0__weight="percent"))
    assert found["closed"] == [
        f"{CLOSED_CODELIST}{lot}/awardCriteria/criteria/1/numbers/0/weight: 'percent' is not in criterionWeight.csv"]
    assert len(found["schema"]) == 1 and found["schema"][0].startswith(
        f"{SCHEMA}{lot}/awardCriteria/criteria/1/numbers/0/weight: 'percent' is not one of")
    assert check_uk_release(_uk4_lot(awardCriteria__criteria=[])) == [
        f"{SCHEMA}{lot}/awardCriteria/criteria: [] should be non-empty"]
    # The lot itself: an id, and a status from the closed tenderStatus codelist.
    release = _uk4_lot()
    del release["tender"]["lots"][0]["id"]
    assert check_uk_release(release) == [f"{SCHEMA}{lot}: 'id' is a required property"]
    assert f"{CLOSED_CODELIST}{lot}/status: 'ongoing' is not in tenderStatus.csv" in check_uk_release(
        _uk4_lot(status="ongoing"))


def test_without_the_lots_extension_bad_award_criteria_went_unnoticed(without_lots_and_metrics):
    assert "lots" not in uk_release_schema()["definitions"]["Tender"]["properties"]
    assert check_uk_release(_uk4_lot(awardCriteria="ratedCriteria", status="ongoing")) == []


def test_a_wrong_type_names_its_path():
    assert check_uk_release(_broken(tender__value__amount="lots")) == [
        f"{SCHEMA}tender/value/amount: 'lots' is not of type 'number', 'null'"]
    assert check_uk_release(_broken(tender__aboveThreshold="yes")) == [
        f"{SCHEMA}tender/aboveThreshold: 'yes' is not of type 'boolean', 'null'"]


def test_bad_formats_fail():
    problems = check_uk_release(_broken(tender__tenderPeriod__endDate="01/06/2026",
                                        tender__documents__0__url="not a web address"))
    assert problems == [f"{SCHEMA}tender/documents/0/url: 'not a web address' is not a 'uri'",
                        f"{SCHEMA}tender/tenderPeriod/endDate: '01/06/2026' is not a 'date-time'"]
    # OCDS 1.1.5 gives no field the email format (ContactPoint.email is a plain string), but it is checked
    # wherever a schema asks for it.
    checker = ocds_uk.format_checker()
    assert not checker.conforms("nobody", "email") and checker.conforms("someone@example.org", "email")
    # A date-time needs its offset; a URI needs its scheme.
    assert check_uk_release(_broken(date="2026-05-01T09:00:00")) == [
        f"{SCHEMA}date: '2026-05-01T09:00:00' is not a 'date-time'"]
    assert check_uk_release(_broken(tender__documents__0__url="example.org/notice")) != []
    assert check_uk_release(_broken(tender__documents__0__url="https://example.org/a%20b?x=1#y")) == []


def test_a_closed_codelist_violation_fails():
    found = release_problems(_broken(tender__status="ongoing"))
    assert found["closed"] == [f"{CLOSED_CODELIST}tender/status: 'ongoing' is not in tenderStatus.csv"]
    assert len(found["schema"]) == 1
    assert found["schema"][0].startswith(f"{SCHEMA}tender/status: 'ongoing' is not one of")
    assert found["open"] == []
    # An extension's closed codelist, and a closed codelist on an array.
    problems = check_uk_release(_broken(tender__submissionTerms__electronicSubmissionPolicy="preferred",
                                        tag=["tender", "notice"]))
    assert f"{CLOSED_CODELIST}tender/submissionTerms/electronicSubmissionPolicy: 'preferred' is not in permission.csv" \
        in problems
    assert f"{CLOSED_CODELIST}tag/1: 'notice' is not in releaseTag.csv" in problems


def test_an_unknown_open_codelist_code_is_reported_apart():
    release = _broken(tender__documents__0__documentType="flyer", parties__0__roles=["buyer", "sponsor"])
    found = release_problems(release)
    assert found["schema"] == [] and found["closed"] == []
    assert found["open"] == [f"{OPEN_CODELIST}parties/0/roles/1: 'sponsor' is not in partyRole.csv",
                             f"{OPEN_CODELIST}tender/documents/0/documentType: 'flyer' is not in documentType.csv"]
    assert check_uk_release(release) == found["open"]
    assert check_uk_release(release, open_codelists=False) == [] and errors_only(check_uk_release(release)) == []
    # A code the UK extension adds is known.
    assert check_uk_release(_broken(tender__documents__0__documentType="marketEngagementNotice")) == []


def test_a_package_is_checked_as_a_whole():
    package = {"uri": "https://example.org/open-data/ocds/releases.json", "version": "1.1",
               "publishedDate": "2026-05-01T09:00:00+01:00", "publisher": {"name": "Liverpool City Council"},
               "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
               "extensions": ["https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json"],
               "releases": [UK4]}
    assert check_uk_package(package) == []
    bad = {**package, "publishedDate": "today", "releases": [UK4, _broken(tender__status="ongoing",
                                                                         tender__documents__0__documentType="flyer")]}
    problems = check_uk_package(bad)
    assert f"{SCHEMA}publishedDate: 'today' is not a 'date-time'" in problems
    assert any(p.startswith(f"{SCHEMA}releases/1/tender/status: 'ongoing' is not one of") for p in problems)
    assert f"{CLOSED_CODELIST}releases/1/tender/status: 'ongoing' is not in tenderStatus.csv" in problems
    assert problems[-1] == \
        f"{OPEN_CODELIST}releases/1/tender/documents/0/documentType: 'flyer' is not in documentType.csv"
    assert len(check_uk_package(bad, open_codelists=False)) == len(problems) - 1
    # The package schema's own rules hold, and the releases are the patched schema's.
    missing = {k: v for k, v in package.items() if k != "publisher"}
    assert check_uk_package(missing) == [f"{SCHEMA}(root): 'publisher' is a required property"]
    assert check_uk_package({**package, "releases": [_broken(tender__aboveThreshold="yes")]}) == [
        f"{SCHEMA}releases/0/tender/aboveThreshold: 'yes' is not of type 'boolean', 'null'"]


@pytest.fixture
def demo_feed(app, client):
    """The demo loaded (it publishes the releases, and UK4, UK6 and UK7 notices), then every page of the feed."""
    from commissioning.demo import load_demo_data
    from commissioning.opendata.operations import publish_releases
    load_demo_data()
    publish_releases()
    db.session.commit()
    pages, path = [], "/open-data/ocds/releases.json"
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        pages.append(json.loads(response.get_data(as_text=True)))
        path = pages[-1].get("links", {}).get("next")
    return pages


def _feed_errors(pages):
    """{release id: its errors} for the releases with any, and each page's package errors."""
    releases = [r for page in pages for r in page["releases"]]
    assert releases and any(d.get("noticeType") for r in releases for d in _documents(r)), "the demo publishes notices"
    found = {r["id"]: errors_only(check_uk_release(r)) for r in releases}
    return {rid: errors for rid, errors in found.items() if errors}, [errors_only(check_uk_package(p)) for p in pages]


def test_the_service_feed_passes(demo_feed):
    """Every release and every page, notices included, with no schema or closed-codelist error.

    Seen at e0b4abf: both UK4s had the awardCriteria extension's object in tender/awardCriteria, which OCDS
    1.1 keeps a string from awardCriteria.csv (the extension puts the object on tender/lots/N/awardCriteria).
    """
    kinds = {d.get("noticeType") for page in demo_feed for r in page["releases"] for d in _documents(r)}
    assert {"UK4", "UK6", "UK7"} <= kinds
    releases, packages = _feed_errors(demo_feed)
    assert releases == {}
    assert packages == [[] for _ in demo_feed]


def _documents(release):
    for section in ("planning", "tender"):
        yield from (release.get(section) or {}).get("documents", [])
    for key in ("awards", "contracts"):
        for item in release.get(key, []):
            yield from item.get("documents", [])
