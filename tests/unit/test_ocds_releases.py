"""Published OCDS releases never change: a change to a process is a new release (issue 16, seen 1 and 3).

Seen: the feed had one release per process, rebuilt on each request; accepting a return turned
milestone ``CON-0001-return-13`` from ``notMet`` to ``met`` while the release id and ``date``
stayed the same, so harvesters using ``?since=`` never saw the change. Records are now compiled
from the stored releases, and ``ocdskit compile`` on the feed gives the same compiled release.
"""
import json
import subprocess
import sys
from pathlib import Path

from commissioning.extensions import db
from commissioning.monitoring import operations as mon_ops
from commissioning.opendata.models import PublishedRelease
from commissioning.opendata.operations import publish_releases
from tests.unit.test_monitoring import _fill, active  # noqa: F401 (fixture)
from tests.unit.test_opendata import ocds_errors

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "ocds-1.1.5" / "release-schema.json"


def _publish():
    count = publish_releases()
    db.session.commit()
    return count


def _feed(client, path="/open-data/ocds/releases.json"):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    package = json.loads(response.get_data(as_text=True))
    assert ocds_errors(package) == []
    return package


def _all_releases(client, path="/open-data/ocds/releases.json"):
    """Every release, following links.next; the pages' packages too."""
    releases, pages = [], []
    while path:
        package = _feed(client, path)
        pages.append(package)
        releases += package["releases"]
        path = package.get("links", {}).get("next")
    return releases, pages


def _ocid(agreement):
    return f"ocds-commissioning-{agreement.opportunity.reference}"


def _accept_first_return(agreement, provider, monitor):
    due = sorted(agreement.returns, key=lambda d: d.due_on)[0]
    ret = mon_ops.return_for(due)
    _fill(ret, provider)
    mon_ops.submit_return(ret, provider)
    mon_ops.accept_return(ret, monitor, ret.suggested_rag, "", [])
    db.session.commit()
    return due


def test_accepting_a_return_is_a_new_release_and_the_one_before_is_unchanged(active, client):  # noqa: F811
    agreement, provider, monitor, _c = active()
    assert _publish() >= 1
    before = [r for r in _feed(client)["releases"] if r["ocid"] == _ocid(agreement)]
    assert len(before) == 1
    due = _accept_first_return(agreement, provider, monitor)
    milestone_id = f"{agreement.reference}-return-{due.id}"
    assert _publish() == 1          # only the process that changed
    assert _publish() == 0          # and nothing again while nothing changes
    after = [r for r in _feed(client)["releases"] if r["ocid"] == _ocid(agreement)]
    assert after[0] == before[0]    # the first release, word for word
    assert len(after) == 2 and after[1]["id"] != after[0]["id"] and after[1]["date"] > after[0]["date"]

    def status(release):
        return next(m["status"] for m in release["contracts"][0]["implementation"]["milestones"]
                    if m["id"] == milestone_id)
    assert (status(after[0]), status(after[1])) == ("notMet", "met")
    # A harvester that last looked after the first release sees the new one, and not the first again.
    since = after[1]["date"]
    assert since > before[0]["date"]
    changed = _feed(client, f"/open-data/ocds/releases.json?since={since.replace('+', '%2B')}")["releases"]
    assert [r["id"] for r in changed if r["ocid"] == _ocid(agreement)] == [after[1]["id"]]


def test_stored_releases_are_never_rewritten(active):  # noqa: F811
    agreement, provider, monitor, _c = active()
    _publish()
    first = db.session.scalars(db.select(PublishedRelease).where(PublishedRelease.ocid == _ocid(agreement))).one()
    kept = (first.release_id, first.date, json.dumps(first.data, sort_keys=True))
    _accept_first_return(agreement, provider, monitor)
    _publish()
    db.session.expire_all()
    rows = db.session.scalars(db.select(PublishedRelease).where(PublishedRelease.ocid == _ocid(agreement))
                              .order_by(PublishedRelease.sequence)).all()
    assert [r.sequence for r in rows] == [1, 2]
    assert (rows[0].release_id, rows[0].date, json.dumps(rows[0].data, sort_keys=True)) == kept


def test_the_feed_pages_with_a_next_link_and_each_page_is_a_valid_package(active, app, client):  # noqa: F811
    for _ in range(3):
        active()
    _publish()
    app.config["OCDS_PAGE_SIZE"] = 2
    releases, pages = _all_releases(client)
    assert len(pages) >= 2 and all(len(p["releases"]) <= 2 for p in pages)
    assert "links" not in pages[-1] and all("next" in p["links"] for p in pages[:-1])
    stored = db.session.scalars(db.select(PublishedRelease.release_id).order_by(PublishedRelease.id)).all()
    assert [r["id"] for r in releases] == stored     # every release once, in the order published


def test_nothing_to_list_says_why(active, client):  # noqa: F811
    active()
    _publish()
    response = client.get("/open-data/ocds/releases.json?since=2999-01-01")
    assert response.status_code == 404 and "on or after 2999-01-01" in response.get_json()["error"]
    assert client.get("/open-data/ocds/releases.json?since=2026-01-01T09:00:00").status_code == 400  # no offset
    assert client.get("/open-data/ocds/releases.json?after=x").status_code == 400


def _ocdskit_compile(pages, schema=SCHEMA):
    """`ocdskit compile` itself, offline with the shipped release schema (or ``schema``), on the feed's pages."""
    tool = Path(sys.executable).with_name("ocdskit")
    assert tool.exists(), "ocdskit is a test dependency: pip install -e '.[test]'"
    done = subprocess.run([str(tool), "compile", "--schema", str(schema)], input="\n".join(json.dumps(p) for p in pages),
                          capture_output=True, text=True, check=True, timeout=120)
    return {c["ocid"]: c for c in (json.loads(line) for line in done.stdout.splitlines() if line.strip())}


def test_the_record_is_what_ocdskit_compiles_from_the_feed(active, app, client):  # noqa: F811
    agreement, provider, monitor, _c = active()
    _publish()
    _accept_first_return(agreement, provider, monitor)
    _publish()
    releases, pages = _all_releases(client)
    record = client.get(f"/open-data/ocds/records/{_ocid(agreement)}.json").get_json()
    assert ocds_errors(record, kind="record") == []
    served = record["records"][0]
    assert [r["id"] for r in served["releases"]] == [r["id"] for r in releases if r["ocid"] == _ocid(agreement)]
    compiled = _ocdskit_compile(pages)
    assert json.loads(json.dumps(served["compiledRelease"], sort_keys=True)) == \
        json.loads(json.dumps(compiled[_ocid(agreement)], sort_keys=True))
