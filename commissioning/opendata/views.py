"""Public open data: the 360Giving file of grants, as JSON and CSV, under the Open Government Licence."""
from datetime import date, datetime, time, timezone

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context, url_for

from commissioning.core.inputs import arg_id
from commissioning.core.models import LONDON

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


def _since(text):
    """A date (the start of that day in London) or a date-time with its offset, as UTC; ValueError if neither."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(0, 0), LONDON).astimezone(timezone.utc)
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a date-time needs its offset")
    return value.astimezone(timezone.utc)


@bp.route("/open-data/ocds/releases.json")
def ocds_releases():
    """The releases as published, oldest first, a page at a time (``links.next``).

    ``?since=2026-11-25`` (or a date-time with its offset) keeps those published on or after it;
    ``after`` is the cursor the next link carries. Nothing to list is a 404 with a reason: an OCDS
    1.1 release package must hold at least one release.
    """
    try:
        since = _since(request.args["since"]) if request.args.get("since") else None
        after = arg_id("after")
        if request.args.get("after") and after is None:
            raise ValueError("after is not a row id")
    except ValueError:
        return {"error": "since must be a date like 2026-11-25 or a date-time like 2026-11-25T09:00:00+00:00, "
                         "and after a number from a next link"}, 400
    size = current_app.config["OCDS_PAGE_SIZE"]
    rows, more = ocds.stored_page(since, after, size)
    if not rows:
        return {"error": "No release was published " + (f"on or after {request.args['since']}" if since else "yet")
                + (" after this page" if after else "") + "."}, 404
    links = None
    if more:
        args = {k: v for k, v in (("since", request.args.get("since")), ("after", rows[-1].id)) if v}
        links = {"next": url_for("opendata.ocds_releases", _external=True, **args)}
    name = current_app.config["AUTHORITY_NAME"]
    return Response(stream_with_context(ocds.package_chunks((r.data for r in rows), request.url, name, links)),
                    mimetype="application/json")


@bp.route("/open-data/ocds/records/<ocid>.json")
def ocds_record(ocid):
    """A process's record: its releases as published, and the release compiled from them."""
    found = ocds.stored_releases(ocid)
    if not found:
        abort(404)
    return ocds.record_package(found, request.url, current_app.config["AUTHORITY_NAME"])


@bp.route("/open-data/360giving.json")
def grants_json():
    return current_app.response_class(current_app.json.dumps(package(_grants())), mimetype="application/json")


@bp.route("/open-data/360giving.csv")
def grants_csv():
    return send_download(as_csv(_grants()), "360giving-grants.csv", "text/csv")
