from flask import Blueprint, redirect, render_template, request, url_for

from commissioning.core import notices
from commissioning.core.permissions import permission_required
from commissioning.settings.operations import set_setting
from commissioning.settings.util import all_settings
from commissioning.specifications.forms import ThresholdsForm

bp = Blueprint("settings", __name__)


@bp.route("/admin/settings", methods=["GET", "POST"])
@permission_required("can_manage_settings")
def thresholds():
    form = ThresholdsForm()
    if request.method == "GET":
        values = all_settings()
        form.threshold_light_touch.data = values["threshold_light_touch_pence"]
        form.threshold_goods_services.data = values["threshold_goods_services_pence"]
        form.threshold_notifiable.data = values["threshold_notifiable_pence"]
        form.key_decision.data = values["key_decision_pence"]
        form.approval_stages.data = "\n".join(values["approval_stages"])
        form.key_decision_stage.data = values["key_decision_stage"]
    if form.validate_on_submit():
        set_setting("threshold_light_touch_pence", form.threshold_light_touch.data)
        set_setting("threshold_goods_services_pence", form.threshold_goods_services.data)
        set_setting("threshold_notifiable_pence", form.threshold_notifiable.data)
        set_setting("key_decision_pence", form.key_decision.data)
        set_setting("approval_stages", [s.strip() for s in form.approval_stages.data.splitlines() if s.strip()])
        set_setting("key_decision_stage", form.key_decision_stage.data.strip())
        notices.success("Settings saved.")
        return redirect(url_for("settings.thresholds"))
    return render_template("admin/settings.html", form=form)
