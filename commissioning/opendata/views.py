"""Public open data: the 360Giving file of grants, as JSON and CSV, under the Open Government Licence."""
from flask import Blueprint, Response, current_app, render_template

from commissioning.opendata.grants import as_csv, grants, package

bp = Blueprint("opendata", __name__)


def _grants():
    return grants(current_app.config["GRANTS_PREFIX"], current_app.config["AUTHORITY_NAME"])


@bp.route("/open-data")
def index():
    records = _grants()
    return render_template("opendata/index.html", count=len(records),
                           total=sum(r["amountAwarded"] for r in records))


@bp.route("/open-data/360giving.json")
def grants_json():
    return current_app.response_class(current_app.json.dumps(package(_grants())), mimetype="application/json")


@bp.route("/open-data/360giving.csv")
def grants_csv():
    return Response(as_csv(_grants()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=360giving-grants.csv"})
