"""Reads for evaluation: who may see which bid, side-by-side scores, and the scoring inputs."""
from collections import defaultdict
from fractions import Fraction

from sqlalchemy import func

from commissioning.bids.models import Bid
from commissioning.bids.util import counted_submissions
from commissioning.evaluation.models import (
    ConflictDeclaration, ConsensusScore, EvaluatorAssignment, Interest, Score, ScoreSheet, ScoringRun, SheetStatus)
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


def is_recused(bid, evaluator_id):
    declaration = db.session.scalars(db.select(ConflictDeclaration).where(
        ConflictDeclaration.opportunity_id == bid.opportunity_id, ConflictDeclaration.evaluator_id == evaluator_id,
        ConflictDeclaration.organisation_id == bid.organisation_id)).first()
    return declaration is not None and declaration.interest is not Interest.none


def can_evaluate(bid, user):
    """Assigned, declared for every bidder, and no interest in this one."""
    if not user.has_role("evaluator"):
        return False
    assigned = db.session.scalar(db.select(EvaluatorAssignment.id).where(EvaluatorAssignment.bid_id == bid.id,
                                                                         EvaluatorAssignment.evaluator_id == user.id))
    return bool(assigned) and has_declared_all(bid.opportunity, user.id) and not is_recused(bid, user.id)


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
    means = {}
    for bid_id, criterion, total, count in db.session.execute(
            db.select(ScoreSheet.bid_id, Score.criterion, func.sum(Score.score), func.count(Score.id))
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(ScoreSheet.bid_id.in_(db.select(Bid.id).where(Bid.opportunity_id == opportunity.id)),
                   ScoreSheet.status == SheetStatus.submitted)
            .group_by(ScoreSheet.bid_id, Score.criterion)):
        means[(bid_id, criterion)] = Fraction(int(total), int(count))
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
