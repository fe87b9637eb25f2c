"""Public open data: the 360Giving file of grants, as JSON and CSV, under the Open Government Licence."""
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context

from commissioning.files.util import send_download
from commissioning.opendata import ocds
from commissioning.opendata.grants import as_csv, grants, package

bp = Blueprint("opendata", __name__)


def _grants():
    return grants(current_app.config["GRANTS_PREFIX"], current_app.config["AUTHORITY_NAME"])


@bp.route("/open-data")
def index():
    records = _grants()
    process_count, processes = ocds.recent_processes(current_app.config["OCDS_PREFIX"])
    return render_template("opendata/index.html", count=len(records), processes=processes,
                           process_count=process_count,
                           total=sum(r["amountAwarded"] for r in records))


@bp.route("/open-data/ocds/releases.json")
def ocds_releases():
    """All published procurements; ``?since=YYYY-MM-DD`` keeps those changed on or after that day."""
    since = request.args.get("since")
    try:
        since = date.fromisoformat(since) if since else None
    except ValueError:
        return {"error": "since must be a date like 2026-11-25"}, 400
    name = current_app.config["AUTHORITY_NAME"]
    found = ocds.iter_releases(current_app.config["OCDS_PREFIX"], name, since)
    return Response(stream_with_context(ocds.package_chunks(found, request.url, name)), mimetype="application/json")


@bp.route("/open-data/ocds/records/<ocid>.json")
def ocds_record(ocid):
    name = current_app.config["AUTHORITY_NAME"]
    prefix = f"ocds-{current_app.config['OCDS_PREFIX']}-"
    found = ocds.releases(current_app.config["OCDS_PREFIX"], name, reference=ocid[len(prefix):]) \
        if ocid.startswith(prefix) else []
    release = found[0] if found else None
    if release is None:
        abort(404)
    return ocds.record_package(release, request.url, name)


@bp.route("/open-data/360giving.json")
def grants_json():
    return current_app.response_class(current_app.json.dumps(package(_grants())), mimetype="application/json")


@bp.route("/open-data/360giving.csv")
def grants_csv():
    return send_download(as_csv(_grants()), "360giving-grants.csv", "text/csv")
