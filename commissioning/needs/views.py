"""The needs register: list, record, evidence, options appraisal, status."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.core import notices
from commissioning.core.confirm import ask_first
from commissioning.core.downstream import downstream_of
from commissioning.core.enums import InvalidTransition
from commissioning.core.forms import ConfirmForm
from commissioning.core.pagination import page_args
from commissioning.core.permissions import ensure, permission_required
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import UploadError, check_upload, send_download
from commissioning.localities.util import all_localities
from commissioning.needs import operations
from commissioning.needs.forms import EvidenceForm, NeedFilterForm, NeedForm, OptionForm, ProvisionLinkForm, StatusForm
from commissioning.needs.models import EvidenceItem, Need, NeedOption
from commissioning.needs.util import load_need, search_needs
from commissioning.provision.util import all_provision

bp = Blueprint("needs", __name__, url_prefix="/needs")


def _need_or_404(need_id):
    need = load_need(need_id) or abort(404)
    ensure(Need.can_view(current_user))
    return need


def _editable(need_id):
    need = _need_or_404(need_id)
    ensure(need.can_edit(current_user))
    return need


@bp.route("")
@permission_required("can_view_needs")
def index():
    localities = all_localities()
    form = NeedFilterForm(formdata=request.args)
    form.locality.choices = [("", "Any locality")] + [(str(loc.id), loc.name) for loc in localities]
    valid = form.validate() if request.args else True
    page, per_page = page_args()
    needs = search_needs(locality_id=int(form.locality.data) if valid and form.locality.data else None,
                         tier=form.tier.data or None if valid else None,
                         group=form.group.data or None if valid else None,
                         status=form.status.data or None if valid else None,
                         outcome=form.outcome.data or None if valid else None,
                         text=form.q.data if valid else None, page=page, per_page=per_page)
    return render_template("needs/index.html", needs=needs, filter_form=form,
                           form=form if request.args and not valid else None)


def _fill_choices(form):
    form.localities.choices = [(loc.id, loc.name) for loc in all_localities()]


def _need_fields(form):
    return dict(title=form.title.data.strip(), tier=form.tier.data, age_min=form.age_min.data,
                age_max=form.age_max.data, for_lldd=form.for_lldd.data, need_not_met=form.need_not_met.data,
                how_identified=form.how_identified.data, desired_outcomes=form.desired_outcomes.data,
                plan_priorities=form.plan_priorities.data, deficits_opportunities=form.deficits_opportunities.data,
                effectiveness_rating=form.rating(), gaps_barriers=form.gaps_barriers.data,
                financing=form.financing.data, monitoring=form.monitoring.data)


def _chosen_localities(form):
    from commissioning.localities.models import Locality
    return db.session.scalars(db.select(Locality).where(Locality.id.in_(form.localities.data or []))).all()


@bp.route("/new", methods=["GET", "POST"])
@permission_required("can_record_needs")
def new():
    form = NeedForm()
    _fill_choices(form)
    if form.validate_on_submit():
        need = operations.create_need(current_user, localities=_chosen_localities(form),
                                      groups=form.groups.data or [], outcomes=form.outcomes.data or [],
                                      **_need_fields(form))
        notices.success(f"Need “{need.title}” recorded as a draft. Add evidence next.")
        return redirect(url_for("needs.show", need_id=need.id))
    return render_template("needs/edit.html", form=form, need=None)


@bp.route("/<int:need_id>")
@permission_required("can_view_needs")
def show(need_id):
    need = _need_or_404(need_id)
    status_form = StatusForm(formdata=None)
    status_form.set_choices(need)
    return render_template("needs/show.html", need=need, status_form=status_form, downstream=downstream_of(need))


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@permission_required("can_record_needs")
def edit(need_id):
    need = _editable(need_id)
    form = NeedForm(obj=need) if request.method == "GET" else NeedForm()
    _fill_choices(form)
    if request.method == "GET":
        form.localities.data = [loc.id for loc in need.localities]
        form.groups.data = need.group_values
        form.outcomes.data = need.outcome_values
        form.effectiveness_rating.data = str(need.effectiveness_rating or "")
    if form.validate_on_submit():
        operations.update_need(need, localities=_chosen_localities(form), groups=form.groups.data or [],
                               outcomes=form.outcomes.data or [], **_need_fields(form))
        notices.success("Need saved.")
        return redirect(url_for("needs.show", need_id=need.id))
    return render_template("needs/edit.html", form=form, need=need)


@bp.route("/<int:need_id>/status", methods=["POST"])
@permission_required("can_record_needs")
def change_status(need_id):
    need = _editable(need_id)
    form = StatusForm()
    form.set_choices(need)
    if form.validate_on_submit():
        try:
            operations.change_need_status(need, form.status.data, form.reason.data or None)
        except InvalidTransition as exc:
            form.status.errors.append(str(exc))
        else:
            notices.success(f"The need is now {need.status.title.lower()}.")
            return redirect(url_for("needs.show", need_id=need.id))
    return render_template("needs/show.html", need=need, status_form=form, form=form,
                           downstream=downstream_of(need)), 400


@bp.route("/<int:need_id>/evidence/new", methods=["GET", "POST"])
@permission_required("can_record_needs")
def add_evidence(need_id):
    need = _editable(need_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = None
        if form.file.data and form.file.data.filename:
            try:
                upload = check_upload(form.file.data)
            except UploadError as exc:
                form.file.errors.append(str(exc))
        if not form.file.errors:
            operations.add_evidence(need, current_user, form.source.data, form.date.data, form.summary.data,
                                    link=form.link.data, upload=upload)
            notices.success("Evidence added.")
            return redirect(url_for("needs.show", need_id=need.id, _anchor="evidence"))
    return render_template("needs/evidence_form.html", form=form, need=need)


@bp.route("/<int:need_id>/evidence/<int:item_id>/file")
@permission_required("can_view_needs")
def evidence_file(need_id, item_id):
    _need_or_404(need_id)
    item = db.session.get(EvidenceItem, item_id)
    if item is None or item.need_id != need_id or item.file_id is None:
        abort(404)
    stored = db.session.get(StoredFile, item.file_id)
    return send_download(stored, stored.filename, stored.content_type)


@bp.route("/<int:need_id>/evidence/<int:item_id>/remove", methods=["POST"])
@permission_required("can_record_needs")
def remove_evidence(need_id, item_id):
    need = _editable(need_id)
    item = db.session.get(EvidenceItem, item_id)
    if item is None or item.need_id != need.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for("needs.show", need_id=need.id, _anchor="evidence")
    question = f"Remove the evidence of {item.date.strftime('%-d %B %Y')}?"
    warning = f"“{item.summary}” and any file with it will be deleted from {need.title}."
    if not operations.removal_problem(item) and (page := ask_first(
            question, warning, "Yes, remove the evidence",
            "The need keeps its other evidence. The audit log records that you removed this.", back)):
        return page
    try:
        operations.remove_evidence(item)
    except InvalidTransition as exc:
        notices.refusal(str(exc))
    else:
        notices.success("Evidence removed.")
    return redirect(url_for("needs.show", need_id=need.id, _anchor="evidence"))


@bp.route("/<int:need_id>/options/new", methods=["GET", "POST"])
@bp.route("/<int:need_id>/options/<int:option_id>", methods=["GET", "POST"])
@permission_required("can_record_needs")
def option(need_id, option_id=None):
    need = _editable(need_id)
    existing = None
    if option_id is not None:
        existing = db.session.get(NeedOption, option_id)
        if existing is None or existing.need_id != need.id:
            abort(404)
    form = OptionForm(obj=existing) if request.method == "GET" else OptionForm()
    if form.validate_on_submit():
        operations.save_option(need, existing, title=form.title.data.strip(), description=form.description.data,
                               likelihood=form.likelihood.data, impact=form.impact.data,
                               risk_notes=form.risk_notes.data, is_preferred=form.is_preferred.data)
        notices.success("Option saved.")
        return redirect(url_for("needs.show", need_id=need.id, _anchor="options"))
    return render_template("needs/option_form.html", form=form, need=need, option=existing)


@bp.route("/<int:need_id>/provision", methods=["GET", "POST"])
@permission_required("can_record_needs")
def provision(need_id):
    need = _editable(need_id)
    available = all_provision()
    form = ProvisionLinkForm()
    form.provision.choices = [(p.id, f"{p.name} – {p.organisation.name}, {p.locality.name}") for p in available]
    if request.method == "GET":
        form.provision.data = [p.id for p in need.provision]
    if form.validate_on_submit():
        chosen = [p for p in available if p.id in set(form.provision.data or [])]
        operations.link_provision(need, chosen)
        notices.success("Existing provision saved.")
        return redirect(url_for("needs.show", need_id=need.id, _anchor="provision"))
    return render_template("needs/provision_form.html", form=form, need=need)
