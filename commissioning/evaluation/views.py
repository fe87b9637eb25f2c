"""Evaluation pages: evaluators declare and score; commissioners assign, moderate and score."""
from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.accounts.models import Role, User, UserRole
from commissioning.bids.models import Bid
from commissioning.bids.util import counted_submissions
from commissioning.core import notices
from commissioning.core.forms import ConfirmForm
from commissioning.core.inputs import to_id
from commissioning.core.permissions import ensure, permission_required
from commissioning.evaluation import operations
from commissioning.evaluation.models import EvaluatorAssignment, Interest, SheetStatus
from commissioning.evaluation.numbers import file_kind, format_number, format_percent, format_score, format_size
from commissioning.evaluation.util import (
    assigned_bids, bidding_organisations, can_evaluate, counted_marks, declarations_of, evaluator_opportunities,
    has_declared_all, evaluation_counts, interest_notes, latest_consensus, latest_run, min_evaluations,
    moderation_overview, recusal, recusals, scores_changed_since, sheet_of, sheets_for, submitted_files, workload)
from commissioning.extensions import db
from commissioning.opportunities.util import load_opportunity

bp = Blueprint("evaluation", __name__)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Numbers as people write them, on every evaluation page and in the mail and PDFs rendered with them.
bp.app_template_filter("number")(format_number)
bp.app_template_filter("score_of")(format_score)
bp.app_template_filter("percent")(format_percent)
bp.app_template_filter("filesize")(format_size)
bp.app_template_filter("file_kind")(file_kind)


# --- evaluators ---------------------------------------------------------------------------

@bp.route("/evaluation")
@permission_required("can_evaluate")
def mine():
    opportunities = evaluator_opportunities(current_user.id)
    return render_template("evaluation/mine.html", opportunities=opportunities,
                           progress={opp.id: _progress(opp) for opp in opportunities})


def _progress(opp):
    """(submitted, to score) of this evaluator's bids in ``opp``, or None until they have declared."""
    if not has_declared_all(opp, current_user.id):
        return None
    off = recusals(opp, current_user.id)
    mine = [b for b in assigned_bids(opp.id, current_user.id) if b.id not in off]
    sheets = [sheet_of(b.id, current_user.id) for b in mine]
    return sum(1 for s in sheets if s is not None and s.status is SheetStatus.submitted), len(mine)


def _next_to_score(opp, after_bid_id=None):
    """The first of this evaluator's bids not yet submitted (after ``after_bid_id`` first), or None."""
    off = recusals(opp, current_user.id)
    mine = [b for b in assigned_bids(opp.id, current_user.id) if b.id not in off]
    submitted = {b.id for b in mine if (sheet := sheet_of(b.id, current_user.id)) is not None
                 and sheet.status is SheetStatus.submitted}
    open_ = [b for b in mine if b.id not in submitted]
    later = [b for b in open_ if after_bid_id is not None and b.id > after_bid_id]
    return (later or open_ or [None])[0]


def _assigned_opportunity(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    ensure(any(o.id == opp.id for o in evaluator_opportunities(current_user.id)))
    return opp


@bp.route("/evaluation/<int:opp_id>/declare", methods=["GET", "POST"])
@permission_required("can_evaluate")
def declare(opp_id):
    opp = _assigned_opportunity(opp_id)
    organisations = bidding_organisations(opp)
    declared = declarations_of(opp.id, current_user.id)
    errors = {}
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        for org in organisations:
            if org.id in declared:
                continue
            choice = request.form.get(f"interest-{org.id}", "")
            if choice not in {i.value for i in Interest}:
                errors[org.id] = f"Say whether you have an interest in {org.name}"
                continue
            try:
                operations.declare(opp, current_user, org, Interest(choice), request.form.get(f"details-{org.id}"))
            except operations.EvaluationError as exc:
                errors[org.id] = str(exc)
        if not errors:
            notices.success("Thank you. Your declarations are recorded.")
            return redirect(url_for("evaluation.bids", opp_id=opp.id))
    return render_template("evaluation/declare.html", opp=opp, organisations=organisations, declared=declared,
                           errors=errors, Interest=Interest, confirm=ConfirmForm(formdata=None)), 400 if errors else 200


@bp.route("/evaluation/<int:opp_id>")
@permission_required("can_evaluate")
def bids(opp_id):
    opp = _assigned_opportunity(opp_id)
    if not has_declared_all(opp, current_user.id):
        return redirect(url_for("evaluation.declare", opp_id=opp.id))
    off = recusals(opp, current_user.id)
    mine = [b for b in assigned_bids(opp.id, current_user.id) if b.id not in off]
    sheets = {b.id: sheet_of(b.id, current_user.id) for b in mine}
    return render_template("evaluation/bids.html", opp=opp, bids=mine, sheets=sheets,
                           notes=interest_notes(opp, current_user.id), next_bid=_next_to_score(opp))


def _scorable(bid_id):
    """The bid and the version that counts, for an evaluator who may score it; 403 or 404 otherwise."""
    bid = db.session.get(Bid, bid_id) or abort(404)
    refusal = recusal(bid, current_user.id)
    if refusal:
        abort(403, description=refusal)  # their own declaration, so they may be told what it did
    ensure(can_evaluate(bid, current_user))  # assigned, declared, not recused: otherwise 403
    if not bid.opportunity.is_past_deadline():
        abort(404)  # sealed until the deadline, whoever asks
    submission = next((s for s in counted_submissions(bid.opportunity) if s.bid_id == bid.id), None) or abort(404)
    return bid, submission


@bp.route("/evaluation/bids/<int:bid_id>", methods=["GET", "POST"])
@permission_required("can_evaluate")
def score(bid_id):
    bid, submission = _scorable(bid_id)
    opp = bid.opportunity
    sheet = sheet_of(bid.id, current_user.id)
    error = None
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        scores = {}
        for i, c in enumerate(opp.quality_criteria):
            raw = request.form.get(f"score-{i}", "")
            scores[c["name"]] = (_int(raw) if raw != "" else None, request.form.get(f"justification-{i}", "")[:5000])
            if raw != "" and _int(raw) is None:
                error = f"Score “{c['name']}” as a whole number"
        if error is None:
            try:
                sheet = operations.save_scores(bid, current_user, scores, submit="submit" in request.form)
            except operations.EvaluationError as exc:
                error = str(exc)
            else:
                notices.success("Scores submitted." if sheet.status is SheetStatus.submitted else "Scores saved as a draft.")
                return redirect(url_for("evaluation.score", bid_id=bid.id))
    others = []
    if sheet is not None and sheet.status is SheetStatus.submitted:  # independent until you have submitted
        others = [s for s in sheets_for([bid.id]).get(bid.id, []) if s.evaluator_id != current_user.id]
    next_bid = _next_to_score(opp, bid.id) if sheet is not None and sheet.status is SheetStatus.submitted else None
    return render_template("evaluation/score.html", bid=bid, opp=opp, submission=submission, sheet=sheet,
                           others=others, error=error, files=submitted_files(submission), next_bid=next_bid,
                           confirm=ConfirmForm(formdata=None)), 400 if error else 200


@bp.route("/evaluation/bids/<int:bid_id>/files/<int:file_id>")
@permission_required("can_evaluate")
def attachment(bid_id, file_id):
    """A file of the bid as submitted, for an evaluator who may score it (the same checks as the scoring page)."""
    from commissioning.files.models import StoredFile
    from commissioning.files.util import send_download
    _bid, submission = _scorable(bid_id)
    if file_id not in {entry.get("file_id") for entry in submission.content.get("attachments", [])}:
        abort(404)
    stored = db.session.get(StoredFile, file_id) or abort(404)
    return send_download(stored, stored.filename, stored.content_type)


# --- commissioners ------------------------------------------------------------------------

def _managed(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    if not opp.is_past_deadline():
        abort(404)  # nothing to evaluate, and nothing to see, before the deadline
    return opp


@bp.route("/opportunities/<int:opp_id>/evaluation", methods=["GET", "POST"])
@permission_required("can_run_evaluations")
def manage(opp_id):
    opp = _managed(opp_id)
    evaluators = db.session.scalars(db.select(User).join(UserRole).where(UserRole.role == Role.evaluator)
                                    .order_by(User.name)).all()
    submissions = counted_submissions(opp)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        chosen = [e for e in evaluators if str(e.id) in request.form.getlist("evaluators")]
        lot = request.form.get("lot", "")
        bids = [s.bid for s in submissions if not lot or s.bid.lot == lot]
        if not chosen:
            notices.refusal("Choose at least one evaluator.")
        elif lot and lot not in {entry["name"] for entry in opp.lots or []}:
            abort(400)
        else:
            try:
                added = operations.assign(opp, bids, chosen, current_user)
            except operations.EvaluationError as exc:
                notices.refusal(str(exc))
            else:
                notices.success(f"{added} assignment(s) made.")
        return redirect(url_for("evaluation.manage", opp_id=opp.id))
    assignments = db.session.scalars(db.select(EvaluatorAssignment).where(EvaluatorAssignment.opportunity_id == opp.id)
                                     .options(db.joinedload(EvaluatorAssignment.evaluator))).unique().all()
    from commissioning.evaluation.models import ConflictDeclaration
    declarations = db.session.scalars(db.select(ConflictDeclaration).where(ConflictDeclaration.opportunity_id == opp.id)
                                      .options(db.joinedload(ConflictDeclaration.evaluator),
                                               db.joinedload(ConflictDeclaration.organisation))).unique().all()
    minimum = min_evaluations()
    off = {e_id: recusals(opp, e_id) for e_id in {a.evaluator_id for a in assignments}}
    per_bid = {s.bid_id: sum(1 for a in assignments if a.bid_id == s.bid_id and s.bid_id not in off[a.evaluator_id])
               for s in submissions}
    completed = evaluation_counts(opp)
    return render_template("evaluation/manage.html", opp=opp, evaluators=evaluators, submissions=submissions,
                           assignments=assignments, declarations=declarations, load=workload(opp.id),
                           per_bid=per_bid, off=off, completed=completed, minimum=minimum,
                           confirm=ConfirmForm(formdata=None))


@bp.route("/opportunities/<int:opp_id>/evaluation/assignments/<int:assignment_id>/remove", methods=["POST"])
@permission_required("can_run_evaluations")
def unassign(opp_id, assignment_id):
    opp = _managed(opp_id)
    assignment = db.session.get(EvaluatorAssignment, assignment_id)
    if assignment is None or assignment.opportunity_id != opp.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.unassign(assignment, current_user)
    notices.success("Evaluator taken off the bid.")
    return redirect(url_for("evaluation.manage", opp_id=opp.id))


@bp.route("/opportunities/<int:opp_id>/evaluation/declarations/<int:declaration_id>/allow", methods=["POST"])
@permission_required("can_run_evaluations")
def allow_interest(opp_id, declaration_id):
    from commissioning.evaluation.models import ConflictDeclaration
    opp = _managed(opp_id)
    declaration = db.session.get(ConflictDeclaration, declaration_id)
    if declaration is None or declaration.opportunity_id != opp.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.allow_interest(declaration, current_user, request.form.get("reason", "")[:2000])
    except operations.EvaluationError as exc:
        notices.refusal(str(exc))
    else:
        notices.success(f"{declaration.evaluator.name} can now score the other bids. The reason is recorded.")
    return redirect(url_for("evaluation.manage", opp_id=opp.id, _anchor=f"declaration-{declaration.id}"))


@bp.route("/opportunities/<int:opp_id>/moderation")
@permission_required("can_run_evaluations")
def moderation(opp_id):
    """Every bid with how far its moderation has gone, each leading to its own page, then to the totals."""
    opp = _managed(opp_id)
    submissions = counted_submissions(opp)
    return render_template("evaluation/moderation.html", opp=opp, submissions=submissions,
                           overview=moderation_overview(opp, submissions))


def _next_to_moderate(opp, submissions, after_bid_id):
    """The next bid (after ``after_bid_id``, then from the start) with scores but a criterion not agreed."""
    overview = moderation_overview(opp, submissions)
    waiting = [s for s in submissions if overview[s.bid_id]["sheets"]
               and overview[s.bid_id]["agreed"] < overview[s.bid_id]["criteria"] and s.bid_id != after_bid_id]
    later = [s for s in waiting if s.bid_id > after_bid_id]
    return (later or waiting or [None])[0]


@bp.route("/opportunities/<int:opp_id>/moderation/<int:bid_id>", methods=["GET", "POST"])
@permission_required("can_run_evaluations")
def moderate_bid(opp_id, bid_id):
    """One bid on one page: each criterion's marks with their justifications, and its agreed score and reason.

    Saved in one submission: every criterion's error is shown beside it and nothing is saved until
    all are right, so nobody is left wondering which of their agreed scores were recorded.
    """
    opp = _managed(opp_id)
    submissions = counted_submissions(opp)
    submission = next((s for s in submissions if s.bid_id == bid_id), None) or abort(404)
    bid = submission.bid
    criteria = opp.quality_criteria
    errors, status = {}, 200
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        agreed, unreadable = {}, {}
        for i, c in enumerate(criteria):
            raw = request.form.get(f"score-{i}", "").strip()
            value = _int(raw) if raw else None
            if raw and value is None:
                unreadable[c["name"]] = (f"Enter the agreed score for “{c['name']}” as a whole number from 0 to "
                                         f"{c.get('scale_max', 5)}")
            agreed[c["name"]] = (value, request.form.get(f"reason-{i}", "")[:5000])
        problems = {**operations.moderation_problems(bid, agreed), **unreadable}
        if not problems:
            try:
                changed = operations.moderate_bid(bid, current_user, agreed)
            except operations.ModerationError as exc:
                problems = exc.errors
            except operations.EvaluationError as exc:
                notices.refusal(str(exc))
                return redirect(url_for("evaluation.moderation", opp_id=opp.id))
        if problems:
            errors = {i: problems[c["name"]] for i, c in enumerate(criteria) if c["name"] in problems}
            status = 400
        else:
            following = _next_to_moderate(opp, submissions, bid.id)
            if changed:
                notices.success(f"Agreed scores recorded for {bid.organisation.name}: {len(changed)} "
                                f"{'criterion' if len(changed) == 1 else 'criteria'} changed.")
            else:
                notices.info(f"Nothing changed for {bid.organisation.name}: the agreed scores are as they were.")
            if following is not None:
                return redirect(url_for("evaluation.moderate_bid", opp_id=opp.id, bid_id=following.bid_id))
            return redirect(url_for("evaluation.moderation", opp_id=opp.id))
    marks = counted_marks(bid)
    rows = []
    consensus = latest_consensus([bid.id])
    for i, c in enumerate(criteria):
        given = [(sheet.evaluator, sheet.score_for(c["name"])) for sheet in marks]
        values = [m.score for _e, m in given if m is not None]
        rows.append({"index": i, "criterion": c, "marks": given, "scale": c.get("scale_max", 5),
                     "mean": sum(values) / len(values) if values else None,
                     "spread": max(values) - min(values) if values else 0,
                     "agreed": consensus.get((bid.id, c["name"])), "error": errors.get(i)})
    following = _next_to_moderate(opp, submissions, bid.id)
    return render_template("evaluation/moderate_bid.html", opp=opp, bid=bid, submission=submission, rows=rows,
                           marks=marks, errors=errors, following=following,
                           decided=opp.status.value not in ("closed", "evaluation"),
                           confirm=ConfirmForm(formdata=None)), status


@bp.route("/opportunities/<int:opp_id>/scoring", methods=["GET", "POST"])
@permission_required("can_run_evaluations")
def scoring(opp_id):
    opp = _managed(opp_id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            operations.request_scoring(opp, current_user)
        except operations.EvaluationError as exc:
            notices.refusal(str(exc))
            return redirect(url_for("evaluation.scoring", opp_id=opp.id))
        notices.success("Scoring has started. This page updates when it is done.")
        return redirect(url_for("evaluation.scoring", opp_id=opp.id))
    from commissioning.evaluation.award import evaluation_problem
    run = latest_run(opp.id)
    done = run is not None and run.status.value == "done"
    return render_template("evaluation/scoring.html", opp=opp, run=run, confirm=ConfirmForm(formdata=None),
                           problem=evaluation_problem(opp, run) if done else None,
                           stale=done and scores_changed_since(opp, run))


@bp.route("/opportunities/<int:opp_id>/scoring.json")
@permission_required("can_run_evaluations")
def scoring_status(opp_id):
    opp = _managed(opp_id)
    run = latest_run(opp.id)
    return jsonify(status=run.status.value if run else None, label=run.status.title if run else None)


@bp.route("/opportunities/<int:opp_id>/award", methods=["GET", "POST"])
@permission_required("can_run_evaluations")
def award(opp_id):
    from datetime import date

    from commissioning.core.confirm import ask_first
    from commissioning.core.money import format_pounds, parse_pounds
    from commissioning.evaluation.award import award as make_award
    from commissioning.evaluation.award import award_problem, standstill_applies
    from commissioning.evaluation.models import AwardDecision
    opp = _managed(opp_id)
    run = latest_run(opp.id)
    decision = db.session.scalars(db.select(AwardDecision).where(AwardDecision.opportunity_id == opp.id)).first()
    submissions = {s.bid_id: s for s in counted_submissions(opp)}
    error, error_at = None, None  # the message, and the field it is about (for the error summary's link)
    ticked = []
    if request.method == "POST" and decision is None:
        if not ConfirmForm().validate_on_submit():
            abort(400)
        chosen = []
        ticked = [to_id(bid_id) for bid_id in request.form.getlist("bids")]  # kept on the page after an error
        for bid_id in ticked:
            if bid_id not in submissions:
                abort(400)
            raw = request.form.get(f"amount-{bid_id}", "")
            try:
                amount = parse_pounds(raw)
            except ValueError:
                error, error_at = "Enter each amount in pounds, like 45000", f"amount-{bid_id}"
                break
            chosen.append((submissions[bid_id].bid, amount))
        try:
            day, month, year = (int(request.form.get(k, "0") or 0) for k in ("notice-day", "notice-month", "notice-year"))
            notice = date(year, month, day)
        except (ValueError, OverflowError):  # a year of 30 digits is not a date either
            if error is None:
                error, error_at = "Enter the award notice date, like 27 3 2026", "notice-day"
        reasons = request.form.get("reasons", "")
        if error is None and (problem := award_problem(opp, chosen, reasons)):
            error = problem
            error_at = "reasons" if not reasons.strip() else f"bid-{ticked[0] if ticked else next(iter(submissions), '')}"
        if error is None and (page := ask_first(
                f"Award {opp.reference}?",
                "The award goes to " + ", ".join(f"{bid.organisation.name} ({format_pounds(amount)})"
                                                 for bid, amount in chosen) + ", and the money is committed.",
                "Yes, record the award",
                "Every bidder is sent an assessment summary with their scores and the reasons, and the outcome "
                "shows on their bid. " + ("A standstill period of 8 working days follows the award notice before "
                                          "the contract." if standstill_applies(opp) else
                                          "You can then draft the agreements."),
                url_for("evaluation.award", opp_id=opp.id))):
            return page
        if error is None:
            try:
                make_award(opp, current_user, chosen, reasons, notice)
            except operations.EvaluationError as exc:
                error, error_at = str(exc), f"bid-{ticked[0] if ticked else next(iter(submissions), '')}"
            else:
                notices.success("Award recorded. Assessment summaries are being prepared and will be emailed to every bidder.")
                return redirect(url_for("evaluation.award", opp_id=opp.id))
    from commissioning.evaluation.award import evaluation_problem
    shortfall = evaluation_problem(opp, run) if decision is None else None
    return render_template("evaluation/award.html", opp=opp, run=run, decision=decision, submissions=submissions,
                           error=error, error_at=error_at, ticked=ticked, shortfall=shortfall,
                           standstill=standstill_applies(opp), today=date.today(),
                           confirm=ConfirmForm(formdata=None)), 400 if error else 200


@bp.route("/bids/<int:bid_id>/assessment.pdf")
@permission_required("can_bid")
def assessment(bid_id):
    from commissioning.evaluation.models import AssessmentSummary
    from commissioning.files.models import StoredFile
    from commissioning.files.util import send_download
    bid = db.session.get(Bid, bid_id) or abort(404)
    ensure(bid.is_bidder(current_user))
    summary = db.session.scalars(db.select(AssessmentSummary).where(AssessmentSummary.bid_id == bid.id)).first()
    if summary is None:
        abort(404)
    stored = db.session.get(StoredFile, summary.file_id)
    return send_download(stored, stored.filename, "application/pdf")
