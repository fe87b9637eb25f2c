from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user

from commissioning.core.permissions import login_required
from commissioning.localities.util import all_localities
from commissioning.main.tasks import tasks_for
from commissioning.main.util import broker_status, database_status, rate_limit_status

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return render_template("main/home.html", localities=all_localities())


@bp.route("/dashboard")
@login_required
def dashboard():
    """Each role's tasks (what the person can act on now, linking straight to it), then its pages."""
    by_role = {}
    for task in tasks_for(current_user):
        by_role.setdefault(task.role, []).append(task)
    return render_template("main/dashboard.html", roles=sorted(current_user.role_set, key=lambda r: r.title),
                           tasks_by_role=by_role)


@bp.route("/healthz")
def healthz():
    """200 "ok"; 200 "degraded" while Redis is down (pages, sign-in and the API still work, work waits
    in the outbox, limits are per process), so a load balancer keeps a process that can still serve;
    503 "down" only when the database is unreachable and nothing can be served."""
    parts = {"database": database_status(), "broker": broker_status(), "rate_limits": rate_limit_status()}
    if parts["database"] != "ok":
        return jsonify(status="down", **parts), 503
    ok = all(value in ("ok", "off") for value in parts.values())
    return jsonify(status="ok" if ok else "degraded", **parts), 200


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for this on pages that name no icon (JSON, files): answer with the service's icon."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
