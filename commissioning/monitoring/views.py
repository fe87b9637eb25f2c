"""Returns (provider drafts and submits, monitor reviews), KPI charts, review decisions, notifications."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.contracts.models import Agreement, ReturnDue
from commissioning.core import notices
from commissioning.core.enums import InvalidTransition
from commissioning.core.forms import ConfirmForm, parse_day_month_year
from commissioning.core.models import LONDON, utcnow
from commissioning.core.permissions import ensure, login_required, permission_required
from commissioning.extensions import db
from commissioning.core.vocabulary import VulnerableGroup
from commissioning.files.models import StoredFile
from commissioning.files.util import UploadError, check_upload, send_download
from commissioning.monitoring import operations
from commissioning.monitoring.models import AGE_BANDS, Decision, Rag, ReturnAction, ReturnStatus, ReviewDecision
from commissioning.monitoring.operations import MonitoringError
from commissioning.monitoring.util import (
    can_edit_return, can_review, can_view, chart, form_values, kpi_history, notifications_for, reach_localities,
    returns_of)
from commissioning.core.pagination import paginate
from commissioning.monitoring.forms import ReturnListForm
from commissioning.monitoring.util import return_rows, returns_list_query

bp = Blueprint("monitoring", __name__)


@bp.route("/returns")
@permission_required("can_view_contracts")
def returns_list():
    """Every return due on the agreements the person may see, across agreements: searched, filtered, sorted
    and paged in the same queries whatever the number (monitors otherwise find returns one agreement at a time)."""
    form = ReturnListForm()
    filters, today = form.read(), utcnow().astimezone(LONDON).date()
    pager = paginate(returns_list_query(current_user, filters, form.order, today))
    return render_template("monitoring/returns.html", pager=pager, rows=return_rows(pager.items, today),
                           filter_form=form, form=form if form.errors_shown else None)



def _due(due_id):
    due = db.session.get(ReturnDue, due_id) or abort(404)
    ensure(can_view(current_user, due.agreement))
    return due


def _page(due, ret, status=200, error=None, values=None):
    agreement = due.agreement
    return render_template(
        "monitoring/return.html", due=due, ret=ret, agreement=agreement, age_bands=AGE_BANDS,
        localities=reach_localities(agreement), groups=list(VulnerableGroup),
        editable=ret.status in (ReturnStatus.draft, ReturnStatus.returned) and can_edit_return(current_user, agreement),
        reviewer=can_review(current_user, agreement), rags=list(Rag), error=error, values=values or {},
        confirm=ConfirmForm(formdata=None), today=utcnow().astimezone(LONDON).date()), status


@bp.route("/returns/<int:due_id>", methods=["GET", "POST"])
@permission_required("can_view_contracts")
def return_page(due_id):
    due = _due(due_id)
    agreement = due.agreement
    existing = returns_of(agreement).get(due.id)
    if request.method == "GET":
        if existing is None:
            if not can_edit_return(current_user, agreement):
                return _page(due, operations.MonitoringReturn(due=due, agreement=agreement, kpi_actuals={},
                                                              reach={}, status=ReturnStatus.draft))
            existing = operations.return_for(due)
        return _page(due, existing, values=form_values(existing))
    ensure(can_edit_return(current_user, agreement))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ret = existing or operations.return_for(due)
    values = {k: request.form.get(k, "") for k in request.form}
    try:
        operations.save_return(ret, current_user, request.form)
        upload = request.files.get("attachment")
        if upload is not None and upload.filename:
            try:
                operations.attach(ret, current_user, check_upload(upload))
            except UploadError as exc:
                raise MonitoringError(str(exc), "attachment") from None
        if request.form.get("action") == "submit":
            operations.submit_return(ret, current_user)
            notices.success("Return submitted. Your monitor will review it.")
        else:
            notices.success("Draft saved.")
        return redirect(url_for("monitoring.return_page", due_id=due.id))
    except (MonitoringError, InvalidTransition) as exc:
        db.session.rollback()
        due = _due(due_id)
        ret = returns_of(due.agreement).get(due.id) or operations.return_for(due)
        return _page(due, ret, 400, error=(str(exc), getattr(exc, "field", None) or "achievements"), values=values)


def _review_action(due_id, action):
    due = _due(due_id)
    ensure(can_review(current_user, due.agreement))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ret = returns_of(due.agreement).get(due.id) or abort(404)
    try:
        action(ret)
    except (MonitoringError, InvalidTransition) as exc:
        db.session.rollback()
        due = _due(due_id)
        ret = returns_of(due.agreement).get(due.id)
        return _page(due, ret, 400, error=(str(exc), getattr(exc, "field", None) or "comments"),
                     values={k: request.form.get(k, "") for k in request.form})
    return redirect(url_for("monitoring.return_page", due_id=due.id))


@bp.route("/returns/<int:due_id>/attachment")
@permission_required("can_view_contracts")
def attachment(due_id):
    due = _due(due_id)
    ret = returns_of(due.agreement).get(due.id)
    if ret is None or ret.attachment_file_id is None:
        abort(404)
    stored = db.session.get(StoredFile, ret.attachment_file_id)
    return send_download(stored, stored.filename, stored.content_type)


@bp.route("/returns/<int:due_id>/send-back", methods=["POST"])
@permission_required("can_view_contracts")
def send_back(due_id):
    def act(ret):
        operations.send_back(ret, current_user, request.form.get("comments"))
        notices.success("Sent back to the provider with your comments.")
    return _review_action(due_id, act)


def _actions_from_form():
    actions = []
    for i in range(3):
        text, owner = request.form.get(f"action-{i}-text", ""), request.form.get(f"action-{i}-owner", "")
        boxes = [request.form.get(f"action-{i}-due-{part}", "") for part in ("day", "month", "year")]
        if not any(boxes):
            boxes = [request.form.get(f"action-{i}-due", ""), "", ""]
        if not (text.strip() or owner.strip() or any(b.strip() for b in boxes)):
            continue
        try:
            due_on = parse_day_month_year(boxes, f"Action {i + 1}'s due date")
        except ValueError as exc:
            raise MonitoringError(str(exc), f"action-{i}-due") from None
        if due_on is None:
            raise MonitoringError(f"Enter action {i + 1}'s due date, like 31 3 2027", f"action-{i}-due")
        actions.append((text, owner, due_on))
    return actions


@bp.route("/returns/<int:due_id>/accept", methods=["POST"])
@permission_required("can_view_contracts")
def accept(due_id):
    def act(ret):
        try:
            overall = Rag(request.form.get("overall", ""))
        except ValueError:
            raise MonitoringError("Choose the overall rating", "overall") from None
        operations.accept_return(ret, current_user, overall, request.form.get("reason"), _actions_from_form())
        notices.success("Return accepted.")
    return _review_action(due_id, act)


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@permission_required("can_view_contracts")
def action_done(action_id):
    action = db.session.get(ReturnAction, action_id) or abort(404)
    agreement = action.monitoring_return.agreement
    ensure(can_review(current_user, agreement) or can_edit_return(current_user, agreement))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.complete_action(action, current_user)
    return redirect(url_for("monitoring.return_page", due_id=action.monitoring_return.due_id))


@bp.route("/contracts/<int:agreement_id>/kpis")
@permission_required("can_view_contracts")
def kpis(agreement_id):
    agreement = db.session.get(Agreement, agreement_id) or abort(404)
    ensure(can_view(current_user, agreement))
    histories = kpi_history(agreement)
    return render_template("monitoring/kpis.html", agreement=agreement,
                           charts=[(h, chart(h)) for h in histories])


@bp.route("/contracts/<int:agreement_id>/review", methods=["GET", "POST"])
@permission_required("can_manage_contracts")
def review(agreement_id):
    agreement = db.session.get(Agreement, agreement_id) or abort(404)
    error = None
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            decision = Decision(request.form.get("decision", ""))
        except ValueError:
            error = ("Choose a decision", "decision")
        else:
            try:
                row = operations.record_decision(agreement, current_user, decision, request.form.get("reason"))
                notices.success(f"Decision recorded: {decision.title}.")
                if row.specification_id:
                    return redirect(url_for("specifications.show", spec_id=row.specification_id))
                return redirect(url_for("monitoring.review", agreement_id=agreement.id))
            except MonitoringError as exc:
                error = (str(exc), exc.field)
    returns = returns_of(agreement)
    decisions = db.session.scalars(db.select(ReviewDecision).where(ReviewDecision.agreement_id == agreement.id)
                                   .order_by(ReviewDecision.created_at.desc())).all()
    return render_template("monitoring/review.html", agreement=agreement, returns=returns,
                           history=kpi_history(agreement), decisions=decisions, decisions_enum=list(Decision),
                           confirm=ConfirmForm(formdata=None), error=error,
                           form_values={k: request.form.get(k, "") for k in request.form}), 400 if error else 200


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    from commissioning.mail.models import ReminderPreference, kinds_for
    kinds = kinds_for(current_user)  # only what this person's roles can get
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        chosen = {k for k in request.form.getlist("digest") if k in kinds}
        operations.set_preferences(current_user, chosen, kinds)
        notices.success("Your settings are saved. What you chose for the daily digest comes in one mail a day; "
                        "the rest comes in a mail each time.")
        return redirect(url_for("monitoring.notifications"))
    digest = {p.kind for p in db.session.scalars(db.select(ReminderPreference).where(
        ReminderPreference.user_id == current_user.id, ReminderPreference.digest.is_(True)))}
    items = notifications_for(current_user)
    unread = {r.id for r in items if r.read_at is None}
    operations.mark_read(current_user)
    return render_template("monitoring/notifications.html", items=items, unread=unread, kinds=kinds,
                           digest=digest, confirm=ConfirmForm(formdata=None))
