"""Specifications: write from prioritised needs, save versions, compare, approve, export."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.core import notices
from commissioning.core.enums import InvalidTransition
from commissioning.core.forms import ConfirmForm
from commissioning.core.inputs import arg_id, arg_ids
from commissioning.core.money import format_pounds
from commissioning.core.permissions import permission_required
from commissioning.extensions import db
from commissioning.files.util import send_download
from commissioning.funding.models import Pot
from commissioning.funding.util import balances
from commissioning.indicators.models import Indicator
from commissioning.localities.util import all_localities
from commissioning.needs.models import Need, NeedStatus
from commissioning.pdf import render_pdf
from commissioning.specifications import operations
from commissioning.specifications.cpv import DEFAULT as CPV_DEFAULT
from commissioning.specifications.forms import DecisionForm, SpecificationForm, SpecificationListForm
from commissioning.specifications.models import DEFAULT_DESCRIPTORS, CriterionKind, Route, SpecStatus
from commissioning.specifications.util import (
    FIELD_TITLES, approval_chain, decision_refusal, diff_versions, eligible_deciders,
    load_specification, search_specifications, specification_context, suggest_route)

bp = Blueprint("specifications", __name__, url_prefix="/specifications")


def _spec_or_404(spec_id):
    return load_specification(spec_id) or abort(404)


def _choices(form, needs):
    localities = all_localities()
    form.localities.choices = [(loc.id, loc.name) for loc in localities]
    bal = balances()
    form.pot.choices = [(p.id, f"{p.name} ({p.year_label}): {format_pounds(bal[p.id].uncommitted)} uncommitted")
                        for p in db.session.scalars(db.select(Pot).order_by(Pot.financial_year.desc(), Pot.name))]
    indicators = db.session.scalars(db.select(Indicator).order_by(Indicator.name)).all()
    traces = [("", "Choose")]
    for need in needs:
        traces += [(f"need:{need.id}:{o.value}", f"{need.title}: {o.title}") for o in need.outcome_values]
    traces += [(f"indicator:{i.id}", f"Indicator: {i.name}") for i in indicators]
    for row in form.outcomes:
        row.form.trace.choices = traces
    for row in form.kpis:
        row.form.indicator.choices = [("", "None")] + [(str(i.id), i.name) for i in indicators]


def _content(form):
    suggested, why = suggest_route(form.max_value.data or 0, form.light_touch.data)
    route = Route(form.route.data) if form.route.data else suggested
    criteria = []
    for row in form.criteria:
        r = row.form
        if (r.name.data or "").strip():
            item = {"name": r.name.data.strip(), "kind": r.kind.data, "weight": r.weight.data or 0,
                    "parent": (r.parent.data or "").strip() or None}
            if r.kind.data == CriterionKind.price.value:
                item["price_formula"] = r.price_formula.data
            else:
                item.update(scale_max=5, descriptors=DEFAULT_DESCRIPTORS)
            criteria.append(item)
    return {
        "title": form.title.data.strip(), "purpose": form.purpose.data,
        "outcomes": [{"text": r.form.text.data.strip(), "trace": r.form.trace.data}
                     for r in form.outcomes if (r.form.text.data or "").strip()],
        "outputs": form.outputs.data,
        "kpis": [{"name": r.form.name.data.strip(), "unit": r.form.unit.data, "target": r.form.target.data.strip(),
                  "frequency": r.form.frequency.data,
                  "indicator_id": int(r.form.indicator.data) if r.form.indicator.data else None}
                 for r in form.kpis if (r.form.name.data or "").strip()],
        "requirements": form.requirements.data, "target_groups": [g.value for g in form.target_groups.data or []],
        "locality_ids": form.localities.data, "age_min": form.age_min.data, "age_max": form.age_max.data,
        "contract_months": form.contract_months.data, "extension_options": form.extension_options.data,
        "max_value_pence": form.max_value.data, "pot_id": form.pot.data,
        "payment_schedule": form.payment_schedule.data.value,
        "monitoring_frequency": form.monitoring_frequency.data.value, "light_touch": form.light_touch.data,
        "cpv": form.cpv.data or CPV_DEFAULT,
        "route": route.value, "suggested_route": suggested.value, "route_reason": form.route_reason.data or why,
        "criteria": criteria,
    }


def _trace_problem(form, needs):
    """An outcome traced to a need the specification is not written from is refused."""
    allowed = {n.id for n in needs}
    for row in form.outcomes:
        trace = row.form.trace.data or ""
        if trace.startswith("need:") and int(trace.split(":")[1]) not in allowed:
            row.form.trace.errors = [*row.form.trace.errors, "Trace the outcome to one of the needs chosen above"]
            return True
    return False


def _route_problem(form, content):
    if content["route"] != content["suggested_route"] and not (form.route_reason.data or "").strip():
        form.route_reason.errors = [*form.route_reason.errors,
                                    "Say why you chose a different route from the suggested one"]
        return True
    return False


def _fill(form, content):
    form.title.data, form.purpose.data, form.outputs.data = content["title"], content["purpose"], content["outputs"]
    for row, item in zip(form.outcomes, content["outcomes"]):
        row.form.text.data, row.form.trace.data = item["text"], item["trace"]
    for row, item in zip(form.kpis, content["kpis"]):
        row.form.name.data, row.form.unit.data, row.form.target.data = item["name"], item["unit"], item["target"]
        row.form.frequency.data = item["frequency"]
        row.form.indicator.data = str(item["indicator_id"] or "")
    for row, item in zip(form.criteria, content["criteria"]):
        row.form.name.data, row.form.kind.data, row.form.weight.data = item["name"], item["kind"], item["weight"]
        row.form.parent.data = item.get("parent") or ""
        row.form.price_formula.data = item.get("price_formula", "lowest_over_bid")
    form.requirements.data = content["requirements"]
    form.target_groups.data = content["target_groups"]
    form.localities.data = content["locality_ids"]
    form.age_min.data, form.age_max.data = content["age_min"], content["age_max"]
    form.contract_months.data, form.extension_options.data = content["contract_months"], content["extension_options"]
    form.max_value.data, form.pot.data = content["max_value_pence"], content["pot_id"]
    form.payment_schedule.data = content["payment_schedule"]
    form.monitoring_frequency.data = content["monitoring_frequency"]
    form.light_touch.data = content["light_touch"]
    form.cpv.data = content.get("cpv", CPV_DEFAULT)
    form.route.data = "" if content["route"] == content["suggested_route"] else content["route"]
    form.route_reason.data = content["route_reason"] if content["route"] != content["suggested_route"] else ""


@bp.route("")
@permission_required("can_view_specifications")
def index():
    form = SpecificationListForm()
    found = search_specifications(form.read(), form.order)
    return render_template("specifications/index.html", specifications=found, filter_form=form,
                           form=form if form.errors_shown else None)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("can_write_specifications")
def new():
    prioritised = db.session.scalars(db.select(Need).where(Need.status == NeedStatus.prioritised)
                                     .order_by(Need.title)).all()
    form = SpecificationForm()
    form.needs.choices = [(n.id, n.title) for n in prioritised]
    _choices(form, prioritised)
    if request.method == "GET":
        form.needs.data = arg_ids("need")
        chosen = [n for n in prioritised if n.id in form.needs.data]
        if chosen:
            form.title.data = chosen[0].title
            form.age_min.data, form.age_max.data = chosen[0].age_min, chosen[0].age_max
            form.localities.data = sorted({loc.id for n in chosen for loc in n.localities})
    if form.validate_on_submit():
        content = _content(form)
        chosen = [n for n in prioritised if n.id in set(form.needs.data)]
        if not _trace_problem(form, chosen) and not _route_problem(form, content):
            try:
                spec = operations.create_specification(current_user, chosen, content)
            except operations.SpecificationError as exc:
                form.criteria.errors.append(str(exc))
            else:
                notices.success(f"{spec.reference} saved as version 1.")
                return redirect(url_for("specifications.show", spec_id=spec.id))
    return render_template("specifications/edit.html", form=form, spec=None, rows=_row_count())


def _row_count():
    from commissioning.specifications.forms import CRITERIA_ROWS, KPI_ROWS, OUTCOME_ROWS
    return {"outcomes": OUTCOME_ROWS, "kpis": KPI_ROWS, "criteria": CRITERIA_ROWS}


@bp.route("/<int:spec_id>/edit", methods=["GET", "POST"])
@permission_required("can_write_specifications")
def edit(spec_id):
    spec = _spec_or_404(spec_id)
    if not spec.can_be_edited:
        notices.refusal(f"A specification that is {spec.status.title.lower()} cannot be changed. "
                        + ("Wait for the approvers: if they send it back, you can change it."
                           if spec.status is SpecStatus.in_review
                           else "To change what is asked for, write a new specification."))
        return redirect(url_for("specifications.show", spec_id=spec.id))
    form = SpecificationForm()
    form.needs.choices = [(n.id, n.title) for n in spec.needs]
    form.needs.data = [n.id for n in spec.needs]
    _choices(form, spec.needs)
    if request.method == "GET":
        _fill(form, spec.current.content)
    if form.validate_on_submit():
        content = _content(form)
        if not _trace_problem(form, spec.needs) and not _route_problem(form, content):
            try:
                version = operations.save_version(spec, current_user, content)
            except operations.SpecificationError as exc:
                form.criteria.errors.append(str(exc))
            else:
                notices.success(f"Version {version.number} saved.")
                return redirect(url_for("specifications.show", spec_id=spec.id))
    return render_template("specifications/edit.html", form=form, spec=spec, rows=_row_count())


@bp.route("/<int:spec_id>")
@bp.route("/<int:spec_id>/versions/<int:number>")
@permission_required("can_view_specifications")
def show(spec_id, number=None):
    spec = _spec_or_404(spec_id)
    version = spec.version(number) if number else spec.current
    if version is None:
        abort(404)
    return render_template("specifications/show.html", **_page(spec, version, DecisionForm(formdata=None)))


def _page(spec, version, decision_form):
    """The show page's variables; in review, why this person may not decide and who may."""
    in_review = spec.status is SpecStatus.in_review
    return {"spec": spec, "version": version, "data": specification_context(spec, version),
            "stages": approval_chain(version.content["max_value_pence"]), "decision_form": decision_form,
            "refusal": decision_refusal(spec, current_user) if in_review else None,
            "deciders": eligible_deciders(spec) if in_review else [],
            "confirm": ConfirmForm(formdata=None), "SpecStatus": SpecStatus}


@bp.route("/<int:spec_id>/compare")
@permission_required("can_view_specifications")
def compare(spec_id):
    spec = _spec_or_404(spec_id)
    newest = spec.current.number
    old = spec.version(arg_id("from") or max(newest - 1, 1))
    new = spec.version(arg_id("to") or newest)
    if old is None or new is None:
        abort(404)
    return render_template("specifications/compare.html", spec=spec, old=old, new=new,
                           changes=diff_versions(old.content, new.content), titles=FIELD_TITLES)


@bp.route("/<int:spec_id>/submit", methods=["POST"])
@permission_required("can_write_specifications")
def submit(spec_id):
    spec = _spec_or_404(spec_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.submit_for_review(spec)
    except InvalidTransition as exc:
        notices.refusal(str(exc))
    else:
        notices.success(f"Version {spec.current.number} sent for approval.")
    return redirect(url_for("specifications.show", spec_id=spec.id))


@bp.route("/<int:spec_id>/decision", methods=["POST"])
@permission_required("can_approve_specifications")
def decide(spec_id):
    spec = _spec_or_404(spec_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            operations.decide(spec, current_user, form.decision.data == "approve", form.comment.data)
        except (InvalidTransition, operations.SpecificationError) as exc:
            form.comment.errors.append(str(exc))
        else:
            notices.success("Decision recorded." + (" The specification is approved." if spec.status is SpecStatus.approved else ""))
            return redirect(url_for("specifications.show", spec_id=spec.id))
    page = _page(spec, spec.current, form)
    if page["refusal"]:  # no form on the page to point an error at: the page says why and who can decide
        return render_template("specifications/show.html", **page), 403
    return render_template("specifications/show.html", form=form, **page), 400


@bp.route("/<int:spec_id>/versions/<int:number>.pdf")
@permission_required("can_view_specifications")
def pdf(spec_id, number):
    from flask import current_app
    spec = _spec_or_404(spec_id)
    version = spec.version(number) or abort(404)
    data = specification_context(spec, version, authority=current_app.config["AUTHORITY_NAME"])
    document = render_pdf("pdf/specification.html", data)
    return send_download(document, f"{spec.reference}-v{number}.pdf", "application/pdf")
