from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user

from commissioning.core.permissions import login_required
from commissioning.localities.util import all_localities
from commissioning.main.util import broker_status, database_status

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return render_template("main/home.html", localities=all_localities())


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", roles=sorted(current_user.role_set, key=lambda r: r.title))


@bp.route("/healthz")
def healthz():
    status = {"database": database_status(), "broker": broker_status()}
    ok = all(v == "ok" for v in status.values())
    return jsonify(status=("ok" if ok else "degraded"), **status), (200 if ok else 503)


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for this on pages that name no icon (JSON, files): answer with the service's icon."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
