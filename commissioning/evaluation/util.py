"""Reads for evaluation: who may see which bid, side-by-side scores, and the scoring inputs."""
from collections import defaultdict
from fractions import Fraction

from sqlalchemy import func

from commissioning.bids.models import Bid
from commissioning.bids.util import counted_submissions
from commissioning.evaluation.models import (
    ConflictDeclaration, ConsensusScore, EvaluatorAssignment, Score, ScoreSheet, ScoringRun, SheetStatus)
from commissioning.extensions import db


def declarations_of(opportunity_id, evaluator_id):
    return {d.organisation_id: d for d in db.session.scalars(
        db.select(ConflictDeclaration).where(ConflictDeclaration.opportunity_id == opportunity_id,
                                             ConflictDeclaration.evaluator_id == evaluator_id))}


def bidding_organisations(opportunity):
    return sorted({s.bid.organisation for s in counted_submissions(opportunity)}, key=lambda o: o.name)


def has_declared_all(opportunity, evaluator_id):
    declared = declarations_of(opportunity.id, evaluator_id)
    return all(org.id in declared for org in bidding_organisations(opportunity))


def recusals(opportunity, evaluator_id):
    """{bid_id: why, in words for the evaluator} for each counted bid this evaluator may not score.

    An interest in a bidder takes the evaluator off every bid in that bidder's lot (the whole
    competition without lots): marking its rivals is marking it. When the commissioner allowed
    the declaration, only the bidder's own bid stays out of reach.
    """
    declared = declarations_of(opportunity.id, evaluator_id)
    if not any(d.has_interest for d in declared.values()):
        return {}
    return _off(counted_submissions(opportunity), declared)


def _off(submissions, declared):
    """The rule of ``recusals`` for one evaluator's declarations ``{organisation_id: declaration}``."""
    interests = [d for d in declared.values() if d.has_interest]
    bids = [s.bid for s in submissions]
    lots_of = defaultdict(set)
    for bid in bids:
        lots_of[bid.organisation_id].add(bid.lot)
    why = {}
    for bid in bids:
        own = declared.get(bid.organisation_id)
        if own is not None and own.has_interest:
            why[bid.id] = f"You declared an interest in {bid.organisation.name}, so you cannot score its bid."
            continue
        blocking = sorted(d.organisation.name for d in interests
                          if not d.is_allowed and bid.lot in lots_of[d.organisation_id])
        if blocking:
            where = f"lot “{bid.lot}”" if bid.lot else "this competition"
            why[bid.id] = (f"You declared an interest in {' and '.join(blocking)}, which bid in {where}, so you are "
                           f"off {where}: you cannot score any bid in it. If you believe you can still score the "
                           f"other bids fairly, ask the commissioner, who can allow it and record why.")
    return why


def uncounted_marks(opportunity, submissions=None):
    """{(bid_id, evaluator_id)} whose score sheets do not count: the evaluator is off that bid.

    Saving is refused to them already; this keeps out marks made before the rule (or before a
    declaration was corrected) from the ranking, the count of evaluations and the summaries.
    Two queries whatever the number of bids or evaluators.
    """
    submissions = counted_submissions(opportunity) if submissions is None else submissions
    by_evaluator = defaultdict(dict)
    for d in db.session.scalars(db.select(ConflictDeclaration).where(
            ConflictDeclaration.opportunity_id == opportunity.id).options(
            db.joinedload(ConflictDeclaration.organisation))):
        by_evaluator[d.evaluator_id][d.organisation_id] = d
    return {(bid_id, evaluator_id) for evaluator_id, declared in by_evaluator.items()
            if any(d.has_interest for d in declared.values()) for bid_id in _off(submissions, declared)}


def recusal(bid, evaluator_id):
    """Why this evaluator may not score this bid, or None (see ``recusals``)."""
    return recusals(bid.opportunity, evaluator_id).get(bid.id)


def is_recused(bid, evaluator_id):
    return recusal(bid, evaluator_id) is not None


def can_evaluate(bid, user):
    """Assigned, declared for every bidder, and neither this bidder nor a rival in its lot declared against."""
    if not user.has_role("evaluator"):
        return False
    assigned = db.session.scalar(db.select(EvaluatorAssignment.id).where(EvaluatorAssignment.bid_id == bid.id,
                                                                         EvaluatorAssignment.evaluator_id == user.id))
    return bool(assigned) and has_declared_all(bid.opportunity, user.id) and not is_recused(bid, user.id)


def interest_notes(opportunity, evaluator_id):
    """What each declared interest did, in words for the evaluator's list of bids."""
    notes = []
    lots_of = defaultdict(set)
    for s in counted_submissions(opportunity):
        lots_of[s.bid.organisation_id].add(s.bid.lot)
    for d in sorted(declarations_of(opportunity.id, evaluator_id).values(), key=lambda d: d.organisation.name):
        if not d.has_interest:
            continue
        lots = sorted(lot for lot in lots_of[d.organisation_id] if lot)
        where = (("lot " if len(lots) == 1 else "lots ") + " and ".join(f"“{lot}”" for lot in lots)
                 if lots else "this competition")
        if d.is_allowed:
            notes.append(f"You declared an interest in {d.organisation.name}. You cannot score its bid, but the "
                         f"commissioner allowed you to score the other bids in {where}: “{d.allowed_reason}”")
        else:
            notes.append(f"You declared an interest in {d.organisation.name}, so you are off {where}: you cannot "
                         f"score any bid in it. If you believe you can still score the other bids fairly, ask the "
                         f"commissioner, who can allow it and record why.")
    return notes


def assigned_bids(opportunity_id, evaluator_id):
    return db.session.scalars(db.select(Bid).join(EvaluatorAssignment, EvaluatorAssignment.bid_id == Bid.id)
                              .where(EvaluatorAssignment.opportunity_id == opportunity_id,
                                     EvaluatorAssignment.evaluator_id == evaluator_id)
                              .options(db.joinedload(Bid.organisation)).order_by(Bid.id)).unique().all()


def evaluator_opportunities(evaluator_id):
    from commissioning.opportunities.models import Opportunity
    assigned = db.select(EvaluatorAssignment.opportunity_id).where(EvaluatorAssignment.evaluator_id == evaluator_id)
    return db.session.scalars(db.select(Opportunity).where(Opportunity.id.in_(assigned))
                              .order_by(Opportunity.id)).all()


def sheet_of(bid_id, evaluator_id):
    return db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.bid_id == bid_id,
                                                          ScoreSheet.evaluator_id == evaluator_id)).first()


def sheets_for(bid_ids, submitted_only=True):
    query = db.select(ScoreSheet).where(ScoreSheet.bid_id.in_(bid_ids)).options(db.joinedload(ScoreSheet.evaluator))
    if submitted_only:
        query = query.where(ScoreSheet.status == SheetStatus.submitted)
    by_bid = defaultdict(list)
    for sheet in db.session.scalars(query).unique():
        by_bid[sheet.bid_id].append(sheet)
    return by_bid


def latest_consensus(bid_ids):
    """{(bid_id, criterion): ConsensusScore} for the newest consensus row of each pair."""
    newest = (db.select(ConsensusScore.bid_id, ConsensusScore.criterion, func.max(ConsensusScore.id).label("id"))
              .where(ConsensusScore.bid_id.in_(bid_ids)).group_by(ConsensusScore.bid_id, ConsensusScore.criterion)
              .subquery())
    rows = db.session.scalars(db.select(ConsensusScore).join(newest, ConsensusScore.id == newest.c.id))
    return {(r.bid_id, r.criterion): r for r in rows}


def workload(opportunity_id):
    """{evaluator: number of bids assigned} for balancing."""
    rows = db.session.execute(db.select(EvaluatorAssignment.evaluator_id, func.count(EvaluatorAssignment.id))
                              .where(EvaluatorAssignment.opportunity_id == opportunity_id)
                              .group_by(EvaluatorAssignment.evaluator_id)).all()
    return dict(rows)


def scoring_inputs(opportunity):
    """Everything the scoring run needs, in a fixed number of queries whatever the number of bids.

    Quality: the moderated (consensus) score where there is one, otherwise the mean of the
    submitted independent scores.
    """
    submissions = counted_submissions(opportunity)  # prices as submitted, not as later drafted
    bids = [(s.bid_id, s.bid.organisation.name, s.content.get("price_pence")) for s in submissions]
    lots = {s.bid_id: s.bid.lot for s in submissions}
    uncounted = uncounted_marks(opportunity, submissions)  # an evaluator off the bid: their marks are left out
    marks = defaultdict(list)
    for bid_id, evaluator_id, criterion, score in db.session.execute(
            db.select(ScoreSheet.bid_id, ScoreSheet.evaluator_id, Score.criterion, Score.score)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(ScoreSheet.bid_id.in_(db.select(Bid.id).where(Bid.opportunity_id == opportunity.id)),
                   ScoreSheet.status == SheetStatus.submitted)):
        if (bid_id, evaluator_id) not in uncounted:
            marks[(bid_id, criterion)].append(score)
    means = {key: Fraction(sum(values), len(values)) for key, values in marks.items()}
    newest = (db.select(func.max(ConsensusScore.id))
              .where(ConsensusScore.bid_id.in_(db.select(Bid.id).where(Bid.opportunity_id == opportunity.id)))
              .group_by(ConsensusScore.bid_id, ConsensusScore.criterion))
    for bid_id, criterion, score in db.session.execute(
            db.select(ConsensusScore.bid_id, ConsensusScore.criterion, ConsensusScore.score)
            .where(ConsensusScore.id.in_(newest))):
        means[(bid_id, criterion)] = Fraction(score)
    return bids, means, lots


def latest_run(opportunity_id):
    return db.session.scalars(db.select(ScoringRun).where(ScoringRun.opportunity_id == opportunity_id)
                              .order_by(ScoringRun.id.desc())).first()


def min_evaluations():
    """Completed evaluations each bid needs before an award (the MIN_EVALUATORS_PER_BID setting)."""
    from flask import current_app
    return current_app.config["MIN_EVALUATORS_PER_BID"]


def evaluation_counts(opportunity):
    """{bid_id: submitted score sheets} for each counted bid, none counted as 0."""
    submissions = counted_submissions(opportunity)
    uncounted = uncounted_marks(opportunity, submissions)
    counts = defaultdict(int)
    for bid_id, evaluator_id in db.session.execute(
            db.select(ScoreSheet.bid_id, ScoreSheet.evaluator_id)
            .where(ScoreSheet.bid_id.in_([s.bid_id for s in submissions]), ScoreSheet.status == SheetStatus.submitted)):
        if (bid_id, evaluator_id) not in uncounted:
            counts[bid_id] += 1
    return {s.bid_id: counts[s.bid_id] for s in submissions}


def evaluation_shortfall(opportunity):
    """[(organisation name, lot, completed)] for the bids with fewer completed evaluations than the minimum.

    A ranking is only as fair as the marking under it: every bid in the competition, not only the
    winner, needs the minimum, or a bid scored by nobody is compared with one scored by three.
    """
    minimum = min_evaluations()
    counts = evaluation_counts(opportunity)
    return [(s.bid.organisation.name, s.bid.lot, counts[s.bid_id]) for s in counted_submissions(opportunity)
            if counts[s.bid_id] < minimum]


def scores_changed_since(opportunity, run):
    """Whether a score sheet was submitted, or a score moderated, after ``run`` calculated the ranking."""
    bid_ids = db.select(Bid.id).where(Bid.opportunity_id == opportunity.id)
    submitted = db.session.scalar(db.select(func.max(ScoreSheet.submitted_at)).where(
        ScoreSheet.bid_id.in_(bid_ids), ScoreSheet.status == SheetStatus.submitted))
    moderated = db.session.scalar(db.select(func.max(ConsensusScore.created_at)).where(
        ConsensusScore.bid_id.in_(bid_ids)))
    return run.finished_at is not None and any(t is not None and t > run.finished_at for t in (submitted, moderated))


def submitted_files(submission):
    """The files of the version that counts, as they were submitted, in order (one query, no file data).

    The submission's own list, not the draft's: a file removed after submitting is still what was sent.
    """
    from commissioning.files.models import StoredFile
    ids = [entry.get("file_id") for entry in (submission.content or {}).get("attachments", [])]
    if not ids:
        return []
    found = {f.id: f for f in db.session.scalars(db.select(StoredFile).where(StoredFile.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def counted_marks(bid):
    """The submitted score sheets that count for one bid (an evaluator off the bid left out), by evaluator name."""
    uncounted = uncounted_marks(bid.opportunity)
    sheets = [s for s in sheets_for([bid.id]).get(bid.id, []) if (bid.id, s.evaluator_id) not in uncounted]
    return sorted(sheets, key=lambda s: (s.evaluator.name, s.id))


def moderation_overview(opportunity, submissions):
    """{bid_id: {"sheets": n, "agreed": n, "spread": largest spread}} for the moderation list (three queries)."""
    bid_ids = [s.bid_id for s in submissions]
    uncounted = uncounted_marks(opportunity, submissions)
    sheets = sheets_for(bid_ids)
    consensus = latest_consensus(bid_ids)
    names = [c["name"] for c in opportunity.quality_criteria]
    overview = {}
    for bid_id in bid_ids:
        counted = [s for s in sheets.get(bid_id, []) if (bid_id, s.evaluator_id) not in uncounted]
        spreads = []
        for name in names:
            values = [m.score for m in (s.score_for(name) for s in counted) if m is not None]
            spreads.append(max(values) - min(values) if values else 0)
        overview[bid_id] = {"sheets": len(counted), "agreed": sum((bid_id, n) in consensus for n in names),
                            "criteria": len(names), "spread": max(spreads, default=0)}
    return overview


def outcomes_for(bids):
    """{bid_id: outcome} for the bids whose opportunity has been decided (awarded or cancelled).

    Nothing for a bid whose opportunity is still open, closed or under evaluation: before the award
    a bidder learns nothing new. An outcome is a dict: ``kind`` (successful, unsuccessful, withdrawn,
    late, cancelled), ``title``, ``amount_pence``, ``standstill_end``, ``notice_date``, ``summary``
    (whether the assessment summary is ready, or None when none is made for it) and ``agreement``
    (the issued agreement, once the provider may see it). A fixed number of queries for any number
    of bids, for the provider's list of bids.
    """
    from commissioning.bids.models import BidStatus, BidSubmission
    from commissioning.contracts.models import Agreement, AgreementStatus  # a later stage, read only
    from commissioning.evaluation.models import AssessmentSummary, AwardDecision, AwardedBid
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    decided = [b for b in bids if b.opportunity.status in (OpportunityStatus.awarded, OpportunityStatus.cancelled)]
    if not decided:
        return {}
    opp_ids = {b.opportunity_id for b in decided}
    bid_ids = [b.id for b in decided]
    decisions = {d.opportunity_id: d for d in db.session.scalars(
        db.select(AwardDecision).where(AwardDecision.opportunity_id.in_(opp_ids)))}
    awarded = {a.bid_id: a for d in decisions.values() for a in d.awarded}
    in_time = set(db.session.scalars(
        db.select(BidSubmission.bid_id).join(Bid, Bid.id == BidSubmission.bid_id)
        .join(Opportunity, Opportunity.id == Bid.opportunity_id)
        .where(BidSubmission.bid_id.in_(bid_ids), BidSubmission.submitted_at < Opportunity.submission_deadline)))
    summaries = set(db.session.scalars(db.select(AssessmentSummary.bid_id).where(
        AssessmentSummary.bid_id.in_(bid_ids))))
    agreements = {a.awarded_bid_id: a for a in db.session.scalars(
        db.select(Agreement).where(Agreement.awarded_bid_id.in_([a.id for a in awarded.values()]),
                                   Agreement.status != AgreementStatus.drafted))} if awarded else {}
    outcomes = {}
    for bid in decided:
        decision = decisions.get(bid.opportunity_id)
        counted = bid.status is BidStatus.submitted and bid.id in in_time
        outcome = {"kind": None, "title": None, "amount_pence": None, "notice_date": None, "standstill_end": None,
                   "summary": None, "agreement": None}
        if bid.opportunity.status is OpportunityStatus.cancelled:
            outcome.update(kind="cancelled", title="Cancelled")
        elif bid.id in awarded:
            win = awarded[bid.id]
            outcome.update(kind="successful", title="Successful", amount_pence=win.amount_pence,
                           agreement=agreements.get(win.id))
        elif bid.status is BidStatus.withdrawn:
            outcome.update(kind="withdrawn", title="Withdrawn")
        elif counted:
            outcome.update(kind="unsuccessful", title="Unsuccessful")
        else:
            outcome.update(kind="late", title="Not submitted in time")
        if decision is not None and outcome["kind"] in ("successful", "unsuccessful"):
            outcome.update(notice_date=decision.notice_date, standstill_end=decision.standstill_end,
                           summary=bid.id in summaries)
        outcomes[bid.id] = outcome
    return outcomes
