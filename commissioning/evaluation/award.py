"""Award decisions, the standstill period and assessment summaries."""
from commissioning.audit.operations import log_action
from commissioning.bids.util import counted_submissions
from commissioning.core.money import format_pounds
from commissioning.core.urls import absolute_url
from commissioning.evaluation.models import AssessmentSummary, AwardDecision, AwardedBid, RunStatus
from commissioning.evaluation.numbers import format_number, format_percent
from commissioning.evaluation.operations import EvaluationError
from commissioning.evaluation.standstill import STANDSTILL_WORKING_DAYS, add_working_days
from commissioning.evaluation.util import (
    evaluation_shortfall, latest_consensus, latest_run, min_evaluations, scores_changed_since, sheets_for,
    uncounted_marks)
from commissioning.extensions import db
from commissioning.files.operations import store_file
from commissioning.funding.models import Pot
from commissioning.funding.operations import InsufficientFunds, commit_funds
from commissioning.mail.operations import queue_email
from commissioning.opportunities.models import OpportunityKind, OpportunityStatus
from commissioning.outbox.operations import enqueue_task
from commissioning.settings.util import get_setting
from commissioning.specifications.models import PriceFormula

SUMMARY_TASK = "evaluation.assessment_summary"


def standstill_applies(opp):
    """Procurements at or above the threshold that applies to them; grant rounds never."""
    if opp.kind is not OpportunityKind.procurement:
        return False
    content = opp.specification.version(opp.specification_version).content
    key = "threshold_light_touch_pence" if content.get("light_touch", True) else "threshold_goods_services_pence"
    return opp.max_value_pence >= get_setting(key)


def award_problem(opp, awards, reasons, panel_round=None):
    """Why ``award`` would refuse these awards, in words for the award page; None when it would go ahead.

    Asked before the award page's confirmation, so a mistake is told at once rather than after "Yes".
    (Only the pot's money is checked later, when it is committed.)
    """
    if opp.status is not OpportunityStatus.evaluation:
        return "Only an opportunity under evaluation can be awarded"
    if panel_round is not None and opp.kind is not OpportunityKind.grant_round:
        # Only a grant round may be decided by a panel's vote; a procurement needs its evaluations.
        return ("Only a grant round can be decided by a young people’s panel. This is a "
                "procurement: award it on the evaluators’ scores from the award page")
    run = latest_run(opp.id)
    if panel_round is None and (run is None or run.status is not RunStatus.done):
        return "Calculate the totals and ranking before awarding"
    if panel_round is None:  # a panel's vote is the decision method instead of the evaluators' marks
        problem = evaluation_problem(opp, run)
        if problem:
            return problem
    if not (reasons or "").strip():
        return "Give the reasons for the award"
    counted = {s.bid_id for s in counted_submissions(opp)}
    if not awards:
        return "Choose at least one bid to award"
    if len(awards) > 1 and not opp.lots and opp.kind is OpportunityKind.procurement:
        # A grant round funds as many bids as its money allows; a procurement without lots buys once.
        return "This opportunity has no lots: award it to one bid"
    for bid, amount in awards:
        if bid.id not in counted:
            return "Only bids that were submitted in time can be awarded"
        if not amount or amount <= 0:
            return f"Enter the amount awarded to {bid.organisation.name}"
    total = sum(amount for _bid, amount in awards)
    if total > opp.max_value_pence:
        return (f"The awards add up to {format_pounds(total)}, more than the maximum value "
                f"{format_pounds(opp.max_value_pence)}")
    return None


def award(opp, user, awards, reasons, notice_date, panel_round=None):
    """``awards``: [(bid, amount_pence)]. Commits the money on the pot and mails assessment summaries.

    With ``panel_round`` the award records a young people's panel's decision: the money counts as
    youth-directed, and the panel's vote stands in for the evaluators' ranking. That is a grant
    round's decision method only: a procurement always needs its evaluations.
    """
    problem = award_problem(opp, awards, reasons, panel_round)
    if problem:
        raise EvaluationError(problem)
    run = latest_run(opp.id)
    content = opp.specification.version(opp.specification_version).content
    pot = db.session.get(Pot, content["pot_id"])
    standstill_end = (add_working_days(notice_date, STANDSTILL_WORKING_DAYS, get_setting("bank_holidays"))
                      if standstill_applies(opp) else None)
    decision = AwardDecision(opportunity_id=opp.id, notice_date=notice_date, standstill_end=standstill_end,
                             reasons=reasons, decided_by_id=user.id if user else None,
                             scoring_run_id=run.id if run is not None and run.status is RunStatus.done else None,
                             panel_round_id=panel_round.id if panel_round is not None else None)
    decision.awarded = [AwardedBid(bid_id=bid.id, amount_pence=amount) for bid, amount in awards]
    db.session.add(decision)
    db.session.flush()
    try:
        for awarded in decision.awarded:
            commit_funds(pot, awarded.amount_pence, "AwardedBid", awarded.id, f"Award on {opp.reference}",
                         youth_directed=panel_round is not None)
    except InsufficientFunds as exc:
        raise EvaluationError(str(exc)) from None
    opp.standstill_end = standstill_end
    opp.status = OpportunityStatus.awarded
    log_action(opp, "opportunity.awarded", f"{opp.reference} awarded to {len(awards)} bid(s)",
               bids=[b.id for b, _a in awards], amounts=[a for _b, a in awards], standstill_end=str(standstill_end),
               reasons=reasons, panel_round=panel_round.reference if panel_round is not None else None)
    for bid_id in sorted(s.bid_id for s in counted_submissions(opp)):
        enqueue_task(SUMMARY_TASK, bid_id=bid_id)
    return decision


def evaluation_problem(opp, run):
    """Why the evaluators' marks cannot carry an award yet, in words for the award page; None when they can.

    Every bid needs the minimum completed evaluations, and the ranking must have been calculated
    after the last of them (and of the moderated scores), or it ranks marks nobody has seen.
    """
    problem = shortfall_message(evaluation_shortfall(opp))
    if problem is None and run is not None and run.status is RunStatus.done and scores_changed_since(opp, run):
        problem = ("Scores were submitted or moderated after the totals were calculated. Calculate the totals "
                   "and ranking again, then record the award.")
    return problem


def shortfall_message(short):
    """The refusal for bids with too few completed evaluations, saying what to do; None when there are none."""
    if not short:
        return None
    minimum = min_evaluations()
    bids = "; ".join(f"{name}{f' ({lot})' if lot else ''}: {done}" for name, lot, done in short)
    return (f"Each bid needs at least {minimum} completed evaluation{'s' if minimum != 1 else ''} before the award. "
            f"Completed so far: {bids}. Assign more evaluators on the evaluation page and ask them to submit "
            f"their scores, then calculate the totals again.")


def summary_context(bid, authority):
    """Plain data for one bidder's summary: their own scores and reasons, nobody else's content.

    Each quality criterion's reasons are the agreed (moderated) reason where there is one, and
    otherwise each evaluator's own justification; ranks and the winning total are within the lot.
    """
    opp = bid.opportunity
    run = latest_run(opp.id)
    decision = db.session.scalars(db.select(AwardDecision).where(AwardDecision.opportunity_id == opp.id)).first()
    awarded = {a.bid_id: a for a in decision.awarded} if decision else {}
    awarded_ids = set(awarded)
    rows = run.result["bids"] if run is not None and run.result else []
    row = next((r for r in rows if r["bid_id"] == bid.id), None)
    rivals = [r for r in rows if row is not None and r.get("lot", "") == row.get("lot", "")]
    consensus = latest_consensus([bid.id])
    uncounted = uncounted_marks(opp)
    sheets = [sheet for sheet in sheets_for([bid.id]).get(bid.id, []) if (bid.id, sheet.evaluator_id) not in uncounted]
    lines = []
    for line in (row["lines"] if row else []):
        criterion = next((c for c in opp.criteria if c["name"] == line["criterion"]), {})
        if criterion.get("kind") == "price":
            formula = criterion.get("price_formula")
            title = PriceFormula(formula).title if formula in {f.value for f in PriceFormula} else "the published formula"
            reasons = [f"Scored from your price by the published formula: {title}"]
        else:
            agreed = consensus.get((bid.id, line["criterion"]))
            reasons = [agreed.reason] if agreed else [
                f"Evaluator {i}: {score.justification}" for i, score in enumerate(
                    (sheet.score_for(line["criterion"]) for sheet in sheets), start=1) if score is not None]
        lines.append({"criterion": line["criterion"], "weight": format_percent(line["weight"]),
                      "weight_points": format_number(line["weight"], 2),
                      "max_score": criterion.get("scale_max") if criterion.get("kind") != "price" else None,
                      "score": format_number(line["score"], 1), "points": format_number(line["points"], 2),
                      "reasons": reasons})
    winning = max((r["total"] for r in rivals), default=None)
    return {"authority": authority, "opportunity": opp.title, "reference": opp.reference,
            "organisation": bid.organisation.name, "lot": row.get("lot", "") if row else bid.lot, "lines": lines,
            "scored": row is not None, "total": format_number(row["total"], 2) if row else None,
            "rank": row["rank"] if row else None, "bidders": len(rivals),
            "successful": bid.id in awarded_ids, "winning_total": format_number(winning, 2),
            "amount": format_pounds(awarded[bid.id].amount_pence) if bid.id in awarded else None,
            "by_panel": bool(decision and decision.panel_round_id),
            "reasons": decision.reasons if decision else "",
            "standstill_end": decision.standstill_end.strftime("%-d %B %Y") if decision and decision.standstill_end else None}


def make_assessment_summary(bid_id):
    """Render, store and announce one summary; a second run for the same bid does nothing."""
    from flask import current_app

    from commissioning.bids.models import Bid
    from commissioning.pdf import render_pdf
    if db.session.scalar(db.select(AssessmentSummary.id).where(AssessmentSummary.bid_id == bid_id)):
        return None
    bid = db.session.get(Bid, bid_id)
    context = summary_context(bid, current_app.config["AUTHORITY_NAME"])
    pdf = render_pdf("pdf/assessment_summary.html", context)
    stored = store_file(f"assessment-summary-{bid.opportunity.reference}.pdf", "application/pdf", pdf)
    summary = AssessmentSummary(bid_id=bid.id, file_id=stored.id, sha256=stored.sha256)
    db.session.add(summary)
    db.session.flush()
    link = absolute_url("evaluation.assessment", bid_id=bid.id)
    for membership in bid.organisation.memberships:
        queue_email(membership.user.email, "assessment_summary", f"Outcome: {bid.opportunity.title}",
                    "assessment_summary", user_name=membership.user.name, opportunity=bid.opportunity.title,
                    reference=bid.opportunity.reference, link=link, successful=context["successful"],
                    amount=context["amount"], total=context["total"], rank=context["rank"],
                    bidders=context["bidders"], standstill_end=context["standstill_end"])
    log_action(bid, "bid.assessment_summary", f"Assessment summary ready for bid {bid.id}", file_id=stored.id)
    return summary
