from commissioning.audit.operations import log_action
from commissioning.core.models import utcnow
from commissioning.evaluation.models import (
    ConflictDeclaration, ConsensusScore, EvaluatorAssignment, Interest, RunStatus, Score, ScoreSheet, ScoringRun,
    SheetStatus)
from commissioning.evaluation.scoring import score_by_lot
from commissioning.evaluation.util import latest_consensus, recusal, scoring_inputs, sheets_for
from commissioning.core.locks import lock_row, row_locked
from commissioning.extensions import db
from commissioning.opportunities.models import OpportunityStatus
from commissioning.outbox.operations import enqueue_task

SCORE_TASK = "evaluation.score_opportunity"


class EvaluationError(ValueError):
    """A rule broken; the message is for the evaluator or commissioner."""


def _evaluable(opp):
    if opp.status not in (OpportunityStatus.closed, OpportunityStatus.evaluation):
        raise EvaluationError("Bids can be evaluated only after the opportunity has closed. Come back once its "
                              "deadline has passed")


def start_evaluation(opp):
    if opp.status is OpportunityStatus.closed:
        opp.status = OpportunityStatus.evaluation
        log_action(opp, "opportunity.status_changed", f"{opp.reference} moved to evaluation", old="closed",
                   new="evaluation")


def assign(opp, bids, evaluators, by):
    _evaluable(opp)
    start_evaluation(opp)
    existing = {(a.bid_id, a.evaluator_id) for a in db.session.scalars(
        db.select(EvaluatorAssignment).where(EvaluatorAssignment.opportunity_id == opp.id))}
    added = 0
    for bid in bids:
        for evaluator in evaluators:
            if (bid.id, evaluator.id) not in existing:
                db.session.add(EvaluatorAssignment(opportunity_id=opp.id, bid_id=bid.id, evaluator_id=evaluator.id,
                                                   assigned_by_id=by.id if by else None))
                added += 1
    db.session.flush()
    log_action(opp, "evaluation.assigned", f"{added} assignment(s) made on {opp.reference}",
               bid_ids=[b.id for b in bids], evaluator_ids=[e.id for e in evaluators])
    return added


def unassign(assignment, by):
    db.session.delete(assignment)
    log_action(("Opportunity", assignment.opportunity_id), "evaluation.unassigned",
               f"Evaluator {assignment.evaluator_id} taken off bid {assignment.bid_id}")


def declare(opp, evaluator, organisation, interest, details=None):
    """Declarations are final: a change of heart is raised with the commissioner."""
    if interest is not Interest.none and not (details or "").strip():
        raise EvaluationError(f"Describe your {interest.title.lower()} interest in {organisation.name}")
    exists = db.session.scalar(db.select(ConflictDeclaration.id).where(
        ConflictDeclaration.opportunity_id == opp.id, ConflictDeclaration.evaluator_id == evaluator.id,
        ConflictDeclaration.organisation_id == organisation.id))
    if exists:
        raise EvaluationError(f"You have already declared for {organisation.name}")
    row = ConflictDeclaration(opportunity_id=opp.id, evaluator_id=evaluator.id, organisation_id=organisation.id,
                              interest=interest, details=details)
    db.session.add(row)
    db.session.flush()
    log_action(opp, "evaluation.declared", f"{evaluator.name} declared {interest.title.lower()} for {organisation.name}",
               user=evaluator, organisation_id=organisation.id, interest=interest.value)
    return row


def allow_interest(declaration, by, reason):
    """Let an evaluator with a declared interest score the rival bids all the same, saying why.

    The bidder they declared against stays out of their reach whatever is decided here.
    """
    from commissioning.opportunities.models import Opportunity
    opp = db.session.get(Opportunity, declaration.opportunity_id)
    _evaluable(opp)
    if not declaration.has_interest:
        raise EvaluationError("This declaration has no interest: there is nothing to allow")
    if declaration.is_allowed:
        raise EvaluationError("This has already been allowed")
    if not (reason or "").strip():
        raise EvaluationError(f"Say why {declaration.evaluator.name} can still score the other bids fairly")
    declaration.allowed_at = utcnow()
    declaration.allowed_by_id = by.id if by else None
    declaration.allowed_reason = reason.strip()
    db.session.flush()
    log_action(opp, "evaluation.interest_allowed",
               f"{declaration.evaluator.name} allowed to score the rivals of {declaration.organisation.name} "
               f"despite a {declaration.interest.title.lower()} interest", user=by, declaration_id=declaration.id,
               evaluator_id=declaration.evaluator_id, organisation_id=declaration.organisation_id,
               reason=declaration.allowed_reason)
    return declaration


def save_scores(bid, evaluator, scores, submit=False):
    """``scores``: {criterion: (score, justification)}. Submitted sheets never change.

    Refused to an evaluator with an interest in this bidder or, unless allowed, in a rival in its lot.
    """
    opp = bid.opportunity
    _evaluable(opp)
    refusal = recusal(bid, evaluator.id)
    if refusal:
        raise EvaluationError(refusal)
    sheet = db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.bid_id == bid.id,
                                                           ScoreSheet.evaluator_id == evaluator.id)).first()
    if sheet is None:
        sheet = ScoreSheet(bid_id=bid.id, evaluator_id=evaluator.id, status=SheetStatus.draft)
        db.session.add(sheet)
    if sheet.status is SheetStatus.submitted:
        raise EvaluationError("Your scores for this bid are submitted and cannot change")
    problems = []
    for criterion in opp.quality_criteria:
        score, justification = scores.get(criterion["name"], (None, ""))
        scale = criterion.get("scale_max", 5)
        if score is not None and not 0 <= score <= scale:
            problems.append(f"Score “{criterion['name']}” from 0 to {scale}")
        if submit and score is None:
            problems.append(f"Score “{criterion['name']}”")
        if submit and not (justification or "").strip():
            problems.append(f"Justify your score for “{criterion['name']}”")
    if problems:
        raise EvaluationError(". ".join(problems))
    existing = {s.criterion: s for s in sheet.scores}
    for criterion in opp.quality_criteria:
        score, justification = scores.get(criterion["name"], (None, ""))
        if score is None:
            continue
        row = existing.get(criterion["name"])
        if row is None:
            sheet.scores.append(Score(criterion=criterion["name"], score=score, justification=justification or ""))
        else:
            row.score, row.justification = score, justification or ""
    if submit:
        sheet.status = SheetStatus.submitted
        sheet.submitted_at = utcnow()
    db.session.flush()
    log_action(bid, "evaluation.scores_submitted" if submit else "evaluation.scores_saved",
               f"{evaluator.name} {'submitted' if submit else 'saved'} scores for bid {bid.id}", user=evaluator,
               scores={k: v[0] for k, v in scores.items()})
    return sheet


def moderate(bid, moderator, criterion, score, reason):
    opp = bid.opportunity
    _evaluable(opp)
    match = next((c for c in opp.quality_criteria if c["name"] == criterion), None)
    if match is None:
        raise EvaluationError("Choose one of the published criteria")
    if not sheets_for([bid.id]).get(bid.id):
        raise EvaluationError("Nobody has submitted scores for this bid yet: moderation needs scored bids")
    if score is None or not 0 <= score <= match.get("scale_max", 5):
        raise EvaluationError(f"The agreed score must be from 0 to {match.get('scale_max', 5)}")
    if not (reason or "").strip():
        raise EvaluationError("Give the reason for the agreed score")
    return _agree(bid, moderator, criterion, score, reason)


class ModerationError(EvaluationError):
    """Some agreed scores of a bid could not be saved; ``errors`` says why for each criterion by name."""

    def __init__(self, errors):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def moderation_problems(bid, agreed, current=None):
    """{criterion: why} for a whole bid's agreed scores, before anything is written.

    ``agreed``: {criterion: (score or None, reason)}. A criterion left blank (no score, no reason)
    stays unagreed; one agreed before cannot be blanked out, only changed, since its history is kept.
    """
    current = latest_consensus([bid.id]) if current is None else current
    problems = {}
    for criterion in bid.opportunity.quality_criteria:
        name, scale = criterion["name"], criterion.get("scale_max", 5)
        score, reason = agreed.get(name, (None, ""))
        reason = (reason or "").strip()
        if score is None and not reason:
            if (bid.id, name) in current:
                problems[name] = (f"Enter the agreed score for “{name}”: one agreed already can be changed but "
                                  f"not removed")
            continue
        if score is None or not 0 <= score <= scale:
            problems[name] = f"Enter the agreed score for “{name}” as a whole number from 0 to {scale}"
        elif not reason:
            problems[name] = f"Give the reason for the agreed score for “{name}”"
    return problems


def moderate_bid(bid, moderator, agreed):
    """Record a whole bid's agreed scores at once: all of them or, if any is wrong, none.

    Only the criteria whose score or reason changed get a new row (and an audit entry each), so
    saving the page again changes nothing. Returns the new rows.
    """
    _evaluable(bid.opportunity)
    if not sheets_for([bid.id]).get(bid.id):
        raise EvaluationError("Nobody has submitted scores for this bid yet: moderation needs scored bids")
    current = latest_consensus([bid.id])
    problems = moderation_problems(bid, agreed, current)
    if problems:
        raise ModerationError(problems)
    rows = []
    for criterion in bid.opportunity.quality_criteria:
        name = criterion["name"]
        score, reason = agreed.get(name, (None, ""))
        if score is None:
            continue
        reason = reason.strip()
        before = current.get((bid.id, name))
        if before is not None and before.score == score and before.reason == reason:
            continue
        rows.append(_agree(bid, moderator, name, score, reason, before))
    return rows


def _agree(bid, moderator, criterion, score, reason, before=None):
    row = ConsensusScore(bid_id=bid.id, criterion=criterion, score=score, reason=reason, moderator_id=moderator.id)
    db.session.add(row)
    db.session.flush()
    log_action(bid, "evaluation.moderated", f"Agreed {criterion} = {score} for bid {bid.id}", user=moderator,
               criterion=criterion, score=score, reason=reason,
               previous=None if before is None else {"score": before.score, "reason": before.reason})
    return row


def request_scoring(opp, by):
    lock_row(opp)  # once only: a second request waits, then sees the new state
    _evaluable(opp)
    run = ScoringRun(opportunity_id=opp.id, status=RunStatus.queued, requested_by_id=by.id if by else None)
    db.session.add(run)
    db.session.flush()
    enqueue_task(SCORE_TASK, run_id=run.id)
    log_action(opp, "evaluation.scoring_requested", f"Scoring run {run.id} requested for {opp.reference}",
               run_id=run.id)
    return run


def run_scoring(run_id):
    """Compute and store the result; a run already done is left as it is (idempotent).

    Everything is written in the caller's one transaction, so a worker killed half-way
    leaves the run queued and the retry starts afresh.
    """
    query = db.select(ScoringRun).where(ScoringRun.id == run_id)
    query = row_locked(query)
    run = db.session.scalars(query).first()
    if run is None or run.status is RunStatus.done:
        return run
    from commissioning.opportunities.models import Opportunity
    opp = db.session.get(Opportunity, run.opportunity_id)
    bids, quality, lots = scoring_inputs(opp)
    result = score_by_lot(opp.criteria, bids, quality, lots)
    run.result = result
    run.criteria_version = opp.specification_version
    run.status = RunStatus.done
    run.finished_at = utcnow()
    log_action(opp, "evaluation.scored", f"Scoring run {run.id} for {opp.reference}: {len(bids)} bids",
               run_id=run.id, ties=result["ties"], missing=len(result["missing"]))
    return run
