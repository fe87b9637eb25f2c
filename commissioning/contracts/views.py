"""Agreements: the register, drafting, issue, signing, countersigning, variations, the clause library."""
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.accounts.models import Role, User, UserRole
from commissioning.contracts import operations
from commissioning.contracts.forms import (
    EXTRA_PAYMENT_ROWS, ClauseForm, DraftForm, EndForm, PaymentForm, RegisterFilterForm, SignedCopyForm, SignForm,
    VariationForm)
from commissioning.contracts.models import Agreement, AgreementStatus, Clause, Variation, VariationStatus
from commissioning.contracts.operations import AgreementError, PaymentError
from commissioning.contracts import wording
from commissioning.contracts.util import payments_compliance as compliance_figures
from commissioning.contracts.util import reporting_periods
from commissioning.contracts.util import (
    can_view, kpi_traces, paid_against, payment_schedule, provider_choices, register_csv, register_query,
    register_rows)
from commissioning.core import notices
from commissioning.core.confirm import ask_first
from commissioning.core.enums import InvalidTransition
from commissioning.core.forms import ConfirmForm
from commissioning.core.models import LONDON, utcnow
from commissioning.core.pagination import paginate
from commissioning.core.permissions import ensure, permission_required
from commissioning.evaluation.models import AwardDecision
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import UploadError, check_upload, send_download
from commissioning.monitoring.operations import released_payments
from commissioning.monitoring.util import returns_of
from commissioning.opportunities.models import Opportunity

bp = Blueprint("contracts", __name__)


def _authority():
    return current_app.config["AUTHORITY_NAME"]


def _agreement(agreement_id):
    agreement = db.session.get(Agreement, agreement_id) or abort(404)
    ensure(can_view(current_user, agreement))
    return agreement


def _managed(agreement_id):
    agreement = _agreement(agreement_id)
    ensure(current_user.can_manage_contracts())
    return agreement


def _register_form():
    """The register's filters from the query string; a value not on offer is dropped with an error."""
    form = RegisterFilterForm(providers=provider_choices(current_user))
    return form, form.read()


@bp.route("/contracts")
@permission_required("can_view_contracts")
def index():
    """The register: searched, filtered, sorted and paged, in the same queries whatever its size."""
    form, filters = _register_form()
    pager = paginate(register_query(current_user, filters, form.order))
    return render_template("contracts/register.html", pager=pager, rows=register_rows(pager.items),
                           filter_form=form, form=form if form.errors_shown else None,
                           today=utcnow().astimezone(LONDON).date())


@bp.route("/contracts/payments-compliance")
@permission_required("can_manage_contracts")
def payments_compliance():
    """Days to pay across every contract, per six-month period, as a payments compliance notice reports them."""
    today = utcnow().astimezone(LONDON).date()
    terms = current_app.config["PAYMENT_TERMS_DAYS"]
    periods = [compliance_figures(start, end, today, terms) for start, end in reporting_periods(today, 3)]
    return render_template("contracts/payments_compliance.html", periods=periods, today=today)


@bp.route("/contracts.csv")
@permission_required("can_view_contracts")
def register_download():
    """Every row the filters match, in the chosen order, not just one page."""
    form, filters = _register_form()
    agreements = db.session.scalars(register_query(current_user, filters, form.order)).unique().all()
    return send_download(register_csv(register_rows(agreements)), "contracts-register.csv", "text/csv")


@bp.route("/opportunities/<int:opp_id>/agreements", methods=["POST"])
@permission_required("can_manage_contracts")
def create_from_award(opp_id):
    opp = db.session.get(Opportunity, opp_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    decision = db.session.scalars(db.select(AwardDecision).where(AwardDecision.opportunity_id == opp.id)).first()
    if decision is None:
        notices.refusal("Award the opportunity before drafting agreements.")
        return redirect(url_for("evaluation.award", opp_id=opp.id))
    made = [operations.create_from_award(awarded, current_user, _authority()) for awarded in decision.awarded]
    notices.success(f"{len(made)} agreement(s) drafted. Check each before you issue it.")
    return redirect(url_for("contracts.show", agreement_id=made[0].id))


def _page(agreement, status=200, error=None, **forms):
    document = agreement.document
    is_provider = any(m.organisation_id == agreement.organisation_id for m in current_user.memberships)
    sign_form = forms.get("sign_form") or SignForm(formdata=None)
    if document is not None and not forms.get("sign_form"):
        sign_form.sha256.data = document.sha256 or ""
    copy_form = forms.get("copy_form") or SignedCopyForm(formdata=None, prefix="copy")
    if document is not None and not forms.get("copy_form"):
        copy_form.sha256.data = document.sha256 or ""
    pending = next((v for v in agreement.variations if v.status in (
        VariationStatus.proposed, VariationStatus.approved, VariationStatus.signed)), None)
    variation_form = forms.get("variation_sign_form") or SignForm(formdata=None)
    if pending is not None and pending.document_version and not forms.get("variation_sign_form"):
        doc = next((d for d in agreement.documents if d.version == pending.document_version), None)
        variation_form.sha256.data = doc.sha256 if doc and doc.sha256 else ""
    form = next((f for f in forms.values() if f is not None and f.errors), None)
    forms["error"] = error
    return render_template(
        "contracts/agreement.html", agreement=agreement, document=document, is_provider=is_provider,
        sign_form=sign_form, copy_form=copy_form,
        end_form=forms.get("end_form") or EndForm(formdata=None), confirm=ConfirmForm(formdata=None),
        pending=pending, variation_sign_form=variation_form, error=forms.get("error"), form=form,
        returns=returns_of(agreement), released=released_payments(agreement),
        schedule=payment_schedule(agreement, released_payments(agreement), utcnow().astimezone(LONDON).date(),
                                  current_app.config["PAYMENT_TERMS_DAYS"]),
        payment_form=forms.get("payment_form") or PaymentForm(formdata=None).with_schedule(
            agreement, paid_against(agreement)),
        traces=kpi_traces(agreement.kpis), terms=wording.terms(agreement.kind),
        parties=wording.parties_for(agreement.parties, agreement.kind),
        monitors=_monitors() if current_user.can_manage_contracts() else [],
        today=utcnow().astimezone(LONDON).date()), status


@bp.route("/contracts/<int:agreement_id>")
@permission_required("can_view_contracts")
def show(agreement_id):
    return _page(_agreement(agreement_id))


@bp.route("/contracts/<int:agreement_id>/document.json")
@permission_required("can_view_contracts")
def document_status(agreement_id):
    """Polled while a worker prepares the document or, once countersigned, its executed copy."""
    document = _agreement(agreement_id).document
    done = document is None or (document.file_id is not None and not document.executed_pending)
    return {"status": "done" if done else "running"}


def _document_download(agreement_id, version, file_attr, suffix, inline):
    """One version's PDF (as issued, or executed with both signatures), with its SHA-256 in a header."""
    agreement = _agreement(agreement_id)
    document = next((d for d in agreement.documents if d.version == version), None)
    file_id = getattr(document, file_attr, None)
    if file_id is None:
        abort(404)
    stored = db.session.get(StoredFile, file_id)
    return send_download(stored, f"{agreement.reference}-v{version}{suffix}.pdf", "application/pdf",
                         inline=inline, headers={"X-Content-SHA256": stored.sha256})


@bp.route("/contracts/<int:agreement_id>/documents/<int:version>.pdf")
@permission_required("can_view_contracts")
def document_file(agreement_id, version):
    return _document_download(agreement_id, version, "file_id", "", inline=True)


@bp.route("/contracts/<int:agreement_id>/documents/<int:version>/executed.pdf")
@permission_required("can_view_contracts")
def executed_file(agreement_id, version):
    """The version with both signatures, for the parties and the council's staff (can_view)."""
    return _document_download(agreement_id, version, "executed_file_id", "-executed", inline=False)


@bp.route("/contracts/<int:agreement_id>/signed-copy.pdf")
@permission_required("can_view_contracts")
def signed_copy(agreement_id):
    agreement = _agreement(agreement_id)
    if agreement.signed_copy_file_id is None:
        abort(404)
    stored = db.session.get(StoredFile, agreement.signed_copy_file_id)
    return send_download(stored, f"{agreement.reference}-signed.pdf", "application/pdf")


def _monitors():
    return db.session.scalars(db.select(User).join(UserRole).where(UserRole.role == Role.contract_monitor)
                              .order_by(User.name)).all()


@bp.route("/contracts/<int:agreement_id>/edit", methods=["GET", "POST"])
@permission_required("can_manage_contracts")
def edit(agreement_id):
    agreement = _managed(agreement_id)
    if agreement.status is not AgreementStatus.drafted:
        notices.refusal("Only a draft can be edited. To change this agreement, propose a variation.")
        return redirect(url_for("contracts.show", agreement_id=agreement.id))
    rows = len(agreement.payments) + EXTRA_PAYMENT_ROWS
    if request.method == "GET":
        form = DraftForm(formdata=None, data={
            "start": agreement.start_date, "end": agreement.end_date,
            "extension_options": agreement.extension_options, "monitor": agreement.monitor_id,
            "review_clause": agreement.review_clause, "break_clause": agreement.break_clause,
            "special_conditions": agreement.special_conditions,
            "kpis": [{"target": k["target"]} for k in agreement.kpis],
            "payments": [{"due": date.fromisoformat(p["due"]), "amount": p["amount_pence"],
                          "conditional": p["conditional"]} for p in agreement.payments]
            + [{}] * EXTRA_PAYMENT_ROWS})
    else:
        form = DraftForm()
    form.monitor.choices = [("", "Not assigned yet")] + [(u.id, u.name) for u in _monitors()]
    while len(form.kpis) < len(agreement.kpis):
        form.kpis.append_entry()
    while len(form.payments) < rows:
        form.payments.append_entry()
    if request.method == "POST" and form.validate_on_submit():
        kpis = [{**k, "target": (row.form.target.data or "").strip()} for k, row in zip(agreement.kpis, form.kpis)]
        payments = [{"due": row.form.due.data.isoformat(), "amount_pence": row.form.amount.data,
                     "conditional": bool(row.form.conditional.data)}
                    for row in form.payments if row.form.due.data and row.form.amount.data]
        if any(bool(row.form.due.data) != bool(row.form.amount.data) for row in form.payments):
            form.payments.errors.append("Give each payment both a due date and an amount")
        else:
            try:
                operations.update_draft(
                    agreement, current_user, start_date=form.start.data, end_date=form.end.data,
                    extension_options=(form.extension_options.data or "").strip(), monitor_id=form.monitor.data,
                    kpis=kpis, payments=sorted(payments, key=lambda p: p["due"]),
                    review_clause=form.review_clause.data or "", break_clause=form.break_clause.data or "",
                    special_conditions=form.special_conditions.data or "")
                notices.success("Draft saved.")
                return redirect(url_for("contracts.show", agreement_id=agreement.id))
            except AgreementError as exc:
                form.payments.errors.append(str(exc))
    return render_template("contracts/edit.html", agreement=agreement, form=form, traces=kpi_traces(agreement.kpis))


def _action(agreement, action):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action()
    except (AgreementError, InvalidTransition) as exc:
        db.session.rollback()
        return _page(db.session.get(Agreement, agreement.id), 400, error=str(exc))
    return redirect(url_for("contracts.show", agreement_id=agreement.id))


@bp.route("/contracts/<int:agreement_id>/monitor", methods=["POST"])
@permission_required("can_manage_contracts")
def assign_monitor(agreement_id):
    """A contract keeps a monitor through its life: reassign when someone leaves."""
    agreement = _managed(agreement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    monitor = next((u for u in _monitors() if str(u.id) == request.form.get("monitor")), None)
    if monitor is None:
        return _page(agreement, 400, error="Choose a contract monitor")
    operations.assign_monitor(agreement, monitor, current_user)
    notices.success(f"{monitor.name} now monitors {agreement.reference}.")
    return redirect(url_for("contracts.show", agreement_id=agreement.id))


@bp.route("/contracts/<int:agreement_id>/issue", methods=["POST"])
@permission_required("can_manage_contracts")
def issue(agreement_id):
    agreement = _managed(agreement_id)

    def act():
        operations.issue(agreement, current_user, _authority())
        notices.success("Issued. The document is being prepared; the provider has been told.")
    return _action(agreement, act)


@bp.route("/contracts/<int:agreement_id>/recall", methods=["POST"])
@permission_required("can_manage_contracts")
def recall(agreement_id):
    agreement = _managed(agreement_id)
    return _action(agreement, lambda: operations.recall(agreement, current_user))


@bp.route("/contracts/<int:agreement_id>/countersign", methods=["POST"])
@permission_required("can_manage_contracts")
def countersign(agreement_id):
    agreement = _managed(agreement_id)

    def act():
        operations.countersign(agreement, current_user)
        notices.success("Countersigned: the agreement is active. The executed copy, with both signatures, is being made.")
    return _action(agreement, act)


@bp.route("/contracts/<int:agreement_id>/sign", methods=["POST"])
@permission_required("can_view_contracts")
def sign(agreement_id):
    agreement = _agreement(agreement_id)
    form = SignForm()
    if form.validate_on_submit():
        try:
            operations.sign(agreement, current_user, form.name.data, form.role.data, form.sha256.data)
            notices.success("Signed. The council will countersign.")
            return redirect(url_for("contracts.show", agreement_id=agreement.id))
        except AgreementError as exc:
            form.name.errors.append(str(exc))
    return _page(agreement, 400, sign_form=form)


@bp.route("/contracts/<int:agreement_id>/signed-copy", methods=["POST"])
@permission_required("can_view_contracts")
def upload_signed_copy(agreement_id):
    agreement = _agreement(agreement_id)
    form = SignedCopyForm(prefix="copy")
    if form.validate_on_submit():
        try:
            upload = check_upload(form.file.data)
            operations.upload_signed_copy(agreement, current_user, form.name.data, form.role.data, upload,
                                          form.sha256.data)
            notices.success("Signed copy uploaded. The council will countersign.")
            return redirect(url_for("contracts.show", agreement_id=agreement.id))
        except (AgreementError, UploadError) as exc:
            form.file.errors.append(str(exc))
    return _page(agreement, 400, copy_form=form)


@bp.route("/contracts/<int:agreement_id>/payments", methods=["POST"])
@permission_required("can_manage_contracts")
def record_payment(agreement_id):
    """A payment made, from the finance system: the open data publishes these, never the schedule."""
    agreement = _managed(agreement_id)
    form = PaymentForm().with_schedule(agreement, paid_against(agreement))
    if form.validate_on_submit():
        choice = form.instalment.data
        allowed = {value for value, _label in form.instalment.choices if value}
        if choice not in allowed:
            form.instalment.errors.append("Choose the scheduled payment, or none")
        else:
            try:
                operations.record_payment(agreement, current_user, form.amount.data, form.paid_on.data,
                                          form.reference.data, None if choice == "none" else int(choice))
                notices.success(f"Payment {form.reference.data} recorded.")
                return redirect(url_for("contracts.show", agreement_id=agreement.id, _anchor="payments"))
            except PaymentError as exc:
                db.session.rollback()
                agreement = db.session.get(Agreement, agreement_id)
                form.with_schedule(agreement, paid_against(agreement))
                if exc.field is None:
                    return _page(agreement, 400, error=str(exc), payment_form=form)
                field = getattr(form, exc.field)
                field.errors = [*field.errors, str(exc)]
    return _page(agreement, 400, payment_form=form)


@bp.route("/contracts/<int:agreement_id>/end", methods=["POST"])
@permission_required("can_manage_contracts")
def end(agreement_id):
    agreement = _managed(agreement_id)
    form = EndForm()
    if form.validate_on_submit():
        early = form.early.data == "yes"
        if not operations.ending_problem(agreement, form.reason.data, early) and (page := ask_first(
                f"{'Terminate' if early else 'End'} {agreement.reference}?",
                f"“{agreement.title}” will be {'terminated early' if early else 'ended'}: open variations are "
                "withdrawn and returns not yet due are removed.",
                f"Yes, {'terminate' if early else 'end'} the agreement",
                "The agreement keeps its documents, signatures and returns so far, and the open data records how "
                "it ended. Decide on the agreement's review page whether to recommission the service.",
                url_for("contracts.show", agreement_id=agreement.id))):
            return page
        try:
            operations.end(agreement, current_user, form.reason.data, early)
            return redirect(url_for("contracts.show", agreement_id=agreement.id))
        except (AgreementError, InvalidTransition) as exc:
            form.reason.errors.append(str(exc))
    return _page(agreement, 400, end_form=form)


@bp.route("/contracts/<int:agreement_id>/variations/new", methods=["GET", "POST"])
@permission_required("can_manage_contracts")
def new_variation(agreement_id):
    agreement = _managed(agreement_id)
    if request.method == "GET":
        form = VariationForm(formdata=None, data={"kpis": [{"target": k["target"]} for k in agreement.kpis],
                                                  "special_conditions": agreement.special_conditions})
    else:
        form = VariationForm()
    while len(form.kpis) < len(agreement.kpis):
        form.kpis.append_entry()
    if request.method == "POST" and form.validate_on_submit():
        kpis = [{**k, "target": (row.form.target.data or "").strip()} for k, row in zip(agreement.kpis, form.kpis)]
        new_value = form.value.data
        try:
            payments = operations.replan_payments(agreement, new_value or agreement.value_pence,
                                                  form.end.data or agreement.end_date)
            variation = operations.propose_variation(
                agreement, current_user, form.reason.data, value_pence=new_value, end_date=form.end.data,
                kpis=kpis, payments=payments, special_conditions=form.special_conditions.data or "")
            notices.success(f"{variation.reference} proposed. Approve it to send it for signature.")
            return redirect(url_for("contracts.show", agreement_id=agreement.id, _anchor="variations"))
        except AgreementError as exc:
            form.reason.errors.append(str(exc))
    return render_template("contracts/variation_new.html", agreement=agreement, form=form)


def _variation(variation_id):
    variation = db.session.get(Variation, variation_id) or abort(404)
    _agreement(variation.agreement_id)
    return variation


@bp.route("/contracts/variations/<int:variation_id>/<any(approve, countersign, withdraw):step>", methods=["POST"])
@permission_required("can_manage_contracts")
def variation_step(variation_id, step):
    variation = _variation(variation_id)
    steps = {"approve": lambda: operations.approve_variation(variation, current_user, _authority()),
             "countersign": lambda: operations.countersign_variation(variation, current_user),
             "withdraw": lambda: operations.withdraw_variation(variation, current_user)}
    return _action(variation.agreement, steps[step])


@bp.route("/contracts/variations/<int:variation_id>/sign", methods=["POST"])
@permission_required("can_view_contracts")
def sign_variation(variation_id):
    variation = _variation(variation_id)
    form = SignForm()
    if form.validate_on_submit():
        try:
            operations.sign_variation(variation, current_user, form.name.data, form.role.data, form.sha256.data)
            notices.success(f"{variation.reference} signed. The council will countersign.")
            return redirect(url_for("contracts.show", agreement_id=variation.agreement_id))
        except (AgreementError, InvalidTransition) as exc:
            form.name.errors.append(str(exc))
    return _page(variation.agreement, 400, variation_sign_form=form)


@bp.route("/admin/clauses")
@permission_required("can_manage_settings")
def clauses():
    return render_template("contracts/clauses.html",
                           clauses=db.session.scalars(db.select(Clause).order_by(Clause.position)).all())


@bp.route("/admin/clauses/<int:clause_id>", methods=["GET", "POST"])
@permission_required("can_manage_settings")
def edit_clause(clause_id):
    clause = db.session.get(Clause, clause_id) or abort(404)
    form = ClauseForm(obj=clause) if request.method == "GET" else ClauseForm()
    if form.validate_on_submit():
        try:
            operations.update_clause(clause, form.title.data, form.body.data, current_user)
            notices.success(f"Clause saved (version {clause.version}). New documents use it; issued ones keep "
                            "theirs.")
            return redirect(url_for("contracts.clauses"))
        except AgreementError as exc:
            form.body.errors = [*form.body.errors, str(exc)]
    return render_template("contracts/clause_edit.html", clause=clause, form=form, tokens=wording.token_table())
