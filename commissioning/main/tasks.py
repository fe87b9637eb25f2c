"""What each person can act on now: the dashboard's task list, and the daily digest's.

Reads only. Each kind of task is one aggregate query (how many, the earliest due date, and
one id so a single task links straight to its page), so a person's list costs the same
number of queries however many rows lie behind it. A task appears only when its count is
above zero; the dashboard says what would appear for a role with none.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_request_context, url_for

from commissioning.accounts.models import Role
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db


@dataclass(frozen=True)
class Task:
    """One kind of work waiting for a person in one role: ``key`` names the kind (stable, for the
    digest and tests), ``label`` says what to do with the count in it, ``url`` goes to the work."""

    role: str
    key: str
    label: str
    count: int
    url: str  # relative, url_for(...) without _external
    due: date | None = None
    overdue: bool = False


def _day(value):
    """A stored date or UTC datetime as the London day people read it as."""
    if value is None:
        return None
    if hasattr(value, "astimezone"):
        return value.astimezone(LONDON).date()
    return value


def _aggregate(query_from, id_column, due_column=None, link_column=None):
    """(count of ``id_column``, the oldest ``link_column`` (the id itself unless given), earliest due)
    for ``query_from``, in one query whatever its rows."""
    link = link_column if link_column is not None else id_column
    columns = [db.func.count(db.distinct(id_column)), db.func.min(link)]
    columns.append(db.func.min(due_column) if due_column is not None else db.literal(None))
    count, first_id, due = db.session.execute(query_from.with_only_columns(*columns).order_by(None)).one()
    return count or 0, first_id, due


def _task(role, key, label, aggregate, one_url, many_url, today=None):
    """A Task, or None when there is nothing to do.

    One item links to its own page (``one_url(id)``); several to the list that holds them
    (``many_url``), or, where no list gathers them, to the oldest, so the link is still the work.
    """
    count, first_id, due = aggregate
    if not count:
        return None
    due_day = _day(due)
    url = one_url(first_id) if count == 1 or many_url is None else many_url
    return Task(role=role, key=key, label=label(count), count=count, url=url, due=due_day,
                overdue=bool(due_day and today and due_day < today))


def _plural(count, one, many):
    return one if count == 1 else many


# --- panels --------------------------------------------------------------------------------

def _panel_member_tasks(user, today):
    from commissioning.panels.models import Round, RoundResult, RoundStatus, VoteCast
    from commissioning.panels.util import member_of, min_ballots
    member = member_of(user)
    if member is None or not member.active:
        return []
    tasks = []
    if member.can_vote:
        not_voted = ~db.exists().where(VoteCast.round_id == Round.id, VoteCast.member_id == member.id)
        open_rounds = db.select(Round).where(Round.panel_id == member.panel_id, Round.status == RoundStatus.open,
                                             Round.opens_at >= user.created_at, not_voted)
        tasks.append(_task(
            "panel_member", "rounds_to_vote",
            lambda n: _plural(n, "Vote in a round that is open", f"Vote in {n} rounds that are open"),
            _aggregate(open_rounds, Round.id, Round.closes_at),
            lambda rid: url_for("panels.links", round_id=rid), url_for("panels.me"), today))
    since = utcnow() - timedelta(days=60)
    published = db.select(Round).join(RoundResult, RoundResult.round_id == Round.id).where(
        Round.panel_id == member.panel_id, Round.status == RoundStatus.decided, RoundResult.computed_at >= since,
        RoundResult.quorum_met.is_(True), RoundResult.ballots >= min_ballots())
    tasks.append(_task(
        "panel_member", "results_published",
        lambda n: _plural(n, "See what was funded and why", f"See what was funded and why in {n} rounds"),
        _aggregate(published, Round.id),
        lambda rid: url_for("panels.results", round_id=rid), url_for("panels.me"), today))
    return tasks


def _panel_facilitator_tasks(user, today):
    from commissioning.panels.models import AgeBand, Panel, PanelMember, Round, RoundResult, RoundStatus
    own = Panel.facilitator_id == user.id
    rounds = db.select(Round).join(Panel, Panel.id == Round.panel_id).where(own)
    under_16 = [band for band in AgeBand if band.needs_parental_consent]
    consent = db.select(PanelMember).join(Panel, Panel.id == PanelMember.panel_id).where(
        own, PanelMember.active.is_(True), PanelMember.consent_recorded_at.is_(None),
        PanelMember.age_band.in_(under_16))
    results = rounds.join(RoundResult, RoundResult.round_id == Round.id).where(
        Round.status == RoundStatus.decided, RoundResult.confirmed_at.is_(None), RoundResult.quorum_met.is_(True))
    index = url_for("panels.index")
    return [
        _task("panel_facilitator", "rounds_being_set_up",
              lambda n: _plural(n, "Finish setting up a round and open voting",
                                f"Finish setting up {n} rounds and open voting"),
              _aggregate(rounds.where(Round.status == RoundStatus.draft), Round.id, Round.opens_at),
              lambda rid: url_for("panels.round_page", round_id=rid), index, today),
        _task("panel_facilitator", "consent_outstanding",
              lambda n: _plural(n, "Record a parent’s or carer’s consent for a member",
                                f"Record a parent’s or carer’s consent for {n} members"),
              _aggregate(consent, PanelMember.id),
              lambda mid: url_for("panels.member", member_id=mid), index, today),
        _task("panel_facilitator", "rounds_open",
              lambda n: _plural(n, "Follow a round that is open for voting",
                                f"Follow {n} rounds that are open for voting"),
              _aggregate(rounds.where(Round.status == RoundStatus.open), Round.id, Round.closes_at),
              lambda rid: url_for("panels.round_page", round_id=rid), index, today),
        _task("panel_facilitator", "results_to_share",
              lambda n: _plural(n, "Share a round’s results with your panel",
                                f"Share {n} rounds’ results with your panel"),
              _aggregate(results, Round.id),
              lambda rid: url_for("panels.results", round_id=rid), index, today),
    ]


def _commissioner_results_to_confirm(today):
    from commissioning.panels.models import Round, RoundResult, RoundStatus
    from commissioning.panels.util import min_ballots
    ready = db.select(Round).join(RoundResult, RoundResult.round_id == Round.id).where(
        Round.status == RoundStatus.decided, RoundResult.confirmed_at.is_(None), RoundResult.quorum_met.is_(True),
        RoundResult.ballots >= min_ballots())
    return _task("commissioner", "panel_results_to_confirm",
                 lambda n: _plural(n, "Confirm a young people’s panel’s awards",
                                   f"Confirm {n} young people’s panels’ awards"),
                 _aggregate(ready, Round.id),
                 lambda rid: url_for("panels.results", round_id=rid), None, today)


# --- commissioning -------------------------------------------------------------------------

def _approvals_for(user):
    """In-review specifications whose current stage ``user`` may decide (duties apart: not what they
    wrote or edited, and not a second stage of one round). Three queries, however many there are."""
    from sqlalchemy.orm import selectinload

    from commissioning.specifications.models import ApprovalDecision, Specification, SpecificationVersion, SpecStatus
    from commissioning.specifications.util import can_decide
    waiting = db.session.scalars(db.select(Specification).where(Specification.status == SpecStatus.in_review)
                                 .options(selectinload(Specification.versions).load_only(
                                              SpecificationVersion.number, SpecificationVersion.created_by_id),
                                          selectinload(Specification.decisions).load_only(
                                              ApprovalDecision.decided_by_id))
                                 .order_by(Specification.id)).all()
    return [spec for spec in waiting if can_decide(spec, user)]


def _commissioner_tasks(user, today):
    from commissioning.contracts.models import Agreement, AgreementStatus, Variation, VariationStatus
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus, ReviewDecision
    from commissioning.opportunities.models import Clarification, ClarificationStatus, Opportunity, OpportunityStatus
    from commissioning.specifications.models import SpecStatus
    now = utcnow()
    approvals = _approvals_for(user)
    tasks = [_task("commissioner", "approvals_waiting",
                   lambda n: _plural(n, "Decide a specification’s approval stage",
                                     f"Decide {n} specifications’ approval stages"),
                   (len(approvals), approvals[0].id if approvals else None, None),
                   lambda sid: url_for("specifications.show", spec_id=sid),
                   url_for("specifications.index", status=SpecStatus.in_review.value), today)]
    live = [OpportunityStatus.open, OpportunityStatus.closed, OpportunityStatus.evaluation]
    questions = db.select(Clarification).join(Opportunity, Opportunity.id == Clarification.opportunity_id).where(
        Clarification.status == ClarificationStatus.asked, Opportunity.status.in_(live))
    tasks.append(_task("commissioner", "clarifications_unanswered",
                       lambda n: _plural(n, "Answer a bidder’s clarification question",
                                         f"Answer {n} clarification questions"),
                       _aggregate(questions, Clarification.id, Opportunity.clarification_deadline,
                                  link_column=Clarification.opportunity_id),
                       lambda oid: url_for("opportunities.questions", opp_id=oid), None, today))
    closed = db.select(Opportunity).where(db.or_(
        Opportunity.status == OpportunityStatus.closed,
        db.and_(Opportunity.status == OpportunityStatus.open, Opportunity.submission_deadline <= now)))
    tasks.append(_task("commissioner", "opportunities_to_evaluate",
                       lambda n: _plural(n, "Assign evaluators to an opportunity whose deadline has passed",
                                         f"Assign evaluators to {n} opportunities whose deadlines have passed"),
                       _aggregate(closed, Opportunity.id, Opportunity.evaluation_date),
                       lambda oid: url_for("evaluation.manage", opp_id=oid), None, today))
    evaluating = db.select(Opportunity).where(Opportunity.status == OpportunityStatus.evaluation)
    tasks.append(_task("commissioner", "opportunities_to_award",
                       lambda n: _plural(n, "Moderate and award an opportunity being evaluated",
                                         f"Moderate and award {n} opportunities being evaluated"),
                       _aggregate(evaluating, Opportunity.id, Opportunity.award_date),
                       lambda oid: url_for("evaluation.manage", opp_id=oid), None, today))
    to_issue = db.select(Agreement).where(Agreement.status == AgreementStatus.drafted, db.or_(
        Agreement.standstill_end.is_(None), Agreement.standstill_end < today))
    tasks.append(_task("commissioner", "agreements_to_issue",
                       lambda n: _plural(n, "Issue an agreement for signature", f"Issue {n} agreements for signature"),
                       _aggregate(to_issue, Agreement.id),
                       lambda aid: url_for("contracts.show", agreement_id=aid),
                       url_for("contracts.index", status=AgreementStatus.drafted.value), today))
    signed = db.select(Agreement).where(Agreement.status == AgreementStatus.signed)
    tasks.append(_task("commissioner", "agreements_to_countersign",
                       lambda n: _plural(n, "Countersign an agreement the provider has signed",
                                         f"Countersign {n} agreements providers have signed"),
                       _aggregate(signed, Agreement.id),
                       lambda aid: url_for("contracts.show", agreement_id=aid),
                       url_for("contracts.index", status=AgreementStatus.signed.value), today))
    for status, key, one, many in (
            (VariationStatus.proposed, "variations_to_approve", "Approve or withdraw a proposed variation",
             "Approve or withdraw {n} proposed variations"),
            (VariationStatus.signed, "variations_to_countersign", "Countersign a variation the provider has signed",
             "Countersign {n} variations providers have signed")):
        waiting = db.select(Variation).where(Variation.status == status)
        tasks.append(_task("commissioner", key, lambda n, one=one, many=many: _plural(n, one, many.format(n=n)),
                           _aggregate(waiting, Variation.id, link_column=Variation.agreement_id),
                           lambda aid: url_for("contracts.show", agreement_id=aid), None, today))
    from commissioning.monitoring.operations import CONTRACT_END_DAYS
    ending = db.select(Agreement).where(
        Agreement.status == AgreementStatus.active,
        Agreement.end_date.between(today, today + timedelta(days=CONTRACT_END_DAYS)),
        ~db.exists().where(ReviewDecision.agreement_id == Agreement.id))
    tasks.append(_task("commissioner", "contract_reviews_due",
                       lambda n: _plural(n, "Decide what happens when a contract ends: extend, recommission or "
                                            "decommission",
                                         f"Decide what happens when {n} contracts end: extend, recommission or "
                                         "decommission"),
                       _aggregate(ending, Agreement.id, Agreement.end_date),
                       lambda aid: url_for("monitoring.review", agreement_id=aid), None, today))
    unmonitored = db.select(MonitoringReturn).join(Agreement, Agreement.id == MonitoringReturn.agreement_id).where(
        MonitoringReturn.status == ReturnStatus.submitted, Agreement.monitor_id.is_(None))
    tasks.append(_task("commissioner", "returns_to_review",
                       lambda n: _plural(n, "Review a monitoring return (the contract has no monitor)",
                                         f"Review {n} monitoring returns (their contracts have no monitor)"),
                       _aggregate(unmonitored, MonitoringReturn.id, link_column=MonitoringReturn.due_id),
                       lambda did: url_for("monitoring.return_page", due_id=did), None, today))
    from commissioning.notices.models import Notice, NoticeStatus
    drafts = db.select(Notice).where(Notice.status == NoticeStatus.draft, Notice.due_on.is_not(None))
    tasks.append(_task("commissioner", "notices_to_publish",
                       lambda n: _plural(n, "Publish a Procurement Act notice that is due",
                                         f"Publish {n} Procurement Act notices that are due"),
                       _aggregate(drafts, Notice.id, Notice.due_on),
                       lambda nid: url_for("notices.show", notice_id=nid), None, today))
    tasks.append(_commissioner_results_to_confirm(today))
    return tasks


# --- evaluation ----------------------------------------------------------------------------

def _evaluator_tasks(user, today):
    from commissioning.bids.models import Bid, BidStatus
    from commissioning.evaluation.models import (
        ConflictDeclaration, EvaluatorAssignment, Interest, ScoreSheet, SheetStatus)
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    now = utcnow()
    assigned = db.select(EvaluatorAssignment.opportunity_id).where(EvaluatorAssignment.evaluator_id == user.id)
    undeclared_bidder = db.exists().where(
        Bid.opportunity_id == Opportunity.id, Bid.status == BidStatus.submitted,
        ~db.exists().where(ConflictDeclaration.opportunity_id == Opportunity.id,
                           ConflictDeclaration.evaluator_id == user.id,
                           ConflictDeclaration.organisation_id == Bid.organisation_id))
    scoring = [OpportunityStatus.closed, OpportunityStatus.evaluation]
    to_declare = db.select(Opportunity).where(Opportunity.id.in_(assigned), Opportunity.status.in_(scoring),
                                              Opportunity.submission_deadline <= now, undeclared_bidder)
    tasks = [_task("evaluator", "declarations_to_make",
                   lambda n: _plural(n, "Declare any conflicts of interest before you score",
                                     f"Declare any conflicts of interest for {n} opportunities before you score"),
                   _aggregate(to_declare, Opportunity.id, Opportunity.evaluation_date),
                   lambda oid: url_for("evaluation.declare", opp_id=oid), url_for("evaluation.mine"), today)]
    # A bid is off for this evaluator when they declared an interest in its bidder, or in a rival in its
    # lot without the commissioner allowing it (the rule of evaluation.util.recusals).
    rival = db.aliased(Bid)
    recused = db.exists().where(
        ConflictDeclaration.opportunity_id == Bid.opportunity_id, ConflictDeclaration.evaluator_id == user.id,
        ConflictDeclaration.interest != Interest.none,
        db.or_(ConflictDeclaration.organisation_id == Bid.organisation_id,
               db.and_(ConflictDeclaration.allowed_at.is_(None),
                       db.exists().where(rival.opportunity_id == Bid.opportunity_id,
                                         rival.organisation_id == ConflictDeclaration.organisation_id,
                                         rival.status == BidStatus.submitted, rival.lot == Bid.lot))))
    scored = db.exists().where(ScoreSheet.bid_id == Bid.id, ScoreSheet.evaluator_id == user.id,
                               ScoreSheet.status == SheetStatus.submitted)
    to_score = (db.select(Bid).join(EvaluatorAssignment, EvaluatorAssignment.bid_id == Bid.id)
                .join(Opportunity, Opportunity.id == Bid.opportunity_id)
                .where(EvaluatorAssignment.evaluator_id == user.id, Bid.status == BidStatus.submitted,
                       Opportunity.status.in_(scoring), Opportunity.submission_deadline <= now,
                       ~Opportunity.id.in_(to_declare.with_only_columns(Opportunity.id)), ~scored, ~recused))
    tasks.append(_task("evaluator", "bids_to_score",
                       lambda n: _plural(n, "Score a bid", f"Score {n} bids"),
                       _aggregate(to_score, Bid.id, Opportunity.evaluation_date),
                       lambda bid: url_for("evaluation.score", bid_id=bid), url_for("evaluation.mine"), today))
    return tasks


# --- providers -----------------------------------------------------------------------------

def _provider_tasks(user, today):
    from commissioning.bids.models import Bid, BidStatus
    from commissioning.contracts.models import Agreement, AgreementStatus, ReturnDue, Variation, VariationStatus
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    from commissioning.opportunities.models import Clarification, ClarificationStatus, Opportunity, OpportunityStatus
    if not user.can_bid():
        return []
    orgs = [m.organisation_id for m in user.memberships]
    now = utcnow()
    drafts = db.select(Bid).join(Opportunity, Opportunity.id == Bid.opportunity_id).where(
        Bid.organisation_id.in_(orgs), Bid.status == BidStatus.draft, Opportunity.status == OpportunityStatus.open,
        Opportunity.submission_deadline > now)
    tasks = [_task("provider", "draft_bids",
                   lambda n: _plural(n, "Finish and submit a draft bid before the deadline",
                                     f"Finish and submit {n} draft bids before their deadlines"),
                   _aggregate(drafts, Bid.id, Opportunity.submission_deadline),
                   lambda bid: url_for("bids.edit", bid_id=bid), url_for("bids.mine"), today)]
    answered = db.select(Clarification).join(Opportunity, Opportunity.id == Clarification.opportunity_id).where(
        Clarification.organisation_id.in_(orgs), Clarification.status == ClarificationStatus.published,
        Clarification.answered_at >= now - timedelta(days=30), Opportunity.status == OpportunityStatus.open,
        Opportunity.submission_deadline > now)
    tasks.append(_task("provider", "clarification_answers",
                       lambda n: _plural(n, "Read the published answer to your question",
                                         f"Read the published answers to {n} of your questions"),
                       _aggregate(answered, Clarification.id, Opportunity.submission_deadline,
                                  link_column=Clarification.opportunity_id),
                       lambda oid: url_for("opportunities.show", opp_id=oid, _anchor="clarifications"), None, today))
    issued = db.select(Agreement).where(Agreement.organisation_id.in_(orgs), Agreement.status == AgreementStatus.issued)
    tasks.append(_task("provider", "agreements_to_sign",
                       lambda n: _plural(n, "Read and sign an agreement", f"Read and sign {n} agreements"),
                       _aggregate(issued, Agreement.id),
                       lambda aid: url_for("contracts.show", agreement_id=aid),
                       url_for("contracts.index", status=AgreementStatus.issued.value), today))
    variations = db.select(Variation).join(Agreement, Agreement.id == Variation.agreement_id).where(
        Agreement.organisation_id.in_(orgs), Variation.status == VariationStatus.approved)
    tasks.append(_task("provider", "variations_to_sign",
                       lambda n: _plural(n, "Read and sign a variation to an agreement",
                                         f"Read and sign {n} variations to agreements"),
                       _aggregate(variations, Variation.id, link_column=Variation.agreement_id),
                       lambda aid: url_for("contracts.show", agreement_id=aid), None, today))
    owed = _returns_owed(Agreement.organisation_id.in_(orgs))
    from commissioning.monitoring.operations import RETURN_STEPS
    soon = today + timedelta(days=-RETURN_STEPS[0][0])
    tasks.append(_task("provider", "returns_due",
                       lambda n: _plural(n, "Send a monitoring return that is due soon",
                                         f"Send {n} monitoring returns that are due soon"),
                       _aggregate(owed.where(ReturnDue.due_on.between(today, soon)), ReturnDue.id, ReturnDue.due_on),
                       lambda did: url_for("monitoring.return_page", due_id=did),
                       url_for("monitoring.returns_list", status="due_soon", sort="due"), today))
    tasks.append(_task("provider", "returns_overdue",
                       lambda n: _plural(n, "Send an overdue monitoring return",
                                         f"Send {n} overdue monitoring returns"),
                       _aggregate(owed.where(ReturnDue.due_on < today), ReturnDue.id, ReturnDue.due_on),
                       lambda did: url_for("monitoring.return_page", due_id=did),
                       url_for("monitoring.returns_list", status="overdue", sort="due"), today))
    sent_back = db.select(MonitoringReturn).join(Agreement, Agreement.id == MonitoringReturn.agreement_id).join(
        ReturnDue, ReturnDue.id == MonitoringReturn.due_id).where(
        Agreement.organisation_id.in_(orgs), MonitoringReturn.status == ReturnStatus.returned)
    tasks.append(_task("provider", "returns_sent_back",
                       lambda n: _plural(n, "Change and send again a return the monitor sent back",
                                         f"Change and send again {n} returns the monitor sent back"),
                       _aggregate(sent_back, MonitoringReturn.id, ReturnDue.due_on,
                                  link_column=MonitoringReturn.due_id),
                       lambda did: url_for("monitoring.return_page", due_id=did),
                       url_for("monitoring.returns_list", status="returned"), today))
    return tasks


def _returns_owed(where):
    """Returns due under live agreements matching ``where`` that nobody has sent (a return sent back is
    counted on its own, as the provider's to change)."""
    from commissioning.contracts.models import Agreement, AgreementStatus, ReturnDue
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    sent = db.exists().where(MonitoringReturn.due_id == ReturnDue.id, MonitoringReturn.status.in_(
        [ReturnStatus.submitted, ReturnStatus.accepted, ReturnStatus.returned]))
    return db.select(ReturnDue).join(Agreement, Agreement.id == ReturnDue.agreement_id).where(
        where, Agreement.status.in_([AgreementStatus.active, AgreementStatus.signed]), ~sent)


# --- monitoring ----------------------------------------------------------------------------

def _contract_monitor_tasks(user, today):
    from commissioning.contracts.models import Agreement, ReturnDue
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    submitted = db.select(MonitoringReturn).join(Agreement, Agreement.id == MonitoringReturn.agreement_id).join(
        ReturnDue, ReturnDue.id == MonitoringReturn.due_id).where(
        Agreement.monitor_id == user.id, MonitoringReturn.status == ReturnStatus.submitted)
    overdue = _returns_owed(Agreement.monitor_id == user.id).where(ReturnDue.due_on < today)
    return [
        _task("contract_monitor", "returns_to_review",
              lambda n: _plural(n, "Review a monitoring return a provider has sent",
                                f"Review {n} monitoring returns providers have sent"),
              _aggregate(submitted, MonitoringReturn.id, link_column=MonitoringReturn.due_id),
              lambda did: url_for("monitoring.return_page", due_id=did),
              url_for("monitoring.returns_list", status="submitted"), today),
        _task("contract_monitor", "returns_overdue",
              lambda n: _plural(n, "Chase a monitoring return that is overdue",
                                f"Chase {n} monitoring returns that are overdue"),
              _aggregate(overdue, ReturnDue.id, ReturnDue.due_on),
              lambda did: url_for("monitoring.return_page", due_id=did),
              url_for("monitoring.returns_list", status="overdue"), today),
    ]


# --- administration ------------------------------------------------------------------------

def _admin_tasks(user, today):
    from commissioning.accounts.models import User, UserRole
    from commissioning.audit.util import unsealed
    from commissioning.mail.models import EmailStatus, OutgoingEmail
    roleless = db.select(User).where(User.active.is_(True), ~db.exists().where(UserRole.user_id == User.id))
    # Sealed mail stays out, as it does from the outbox: not even a failure may say that someone bid.
    failed = unsealed(db.select(OutgoingEmail), OutgoingEmail.sealed_opportunity_id).where(
        OutgoingEmail.status == EmailStatus.failed, OutgoingEmail.created_at >= utcnow() - timedelta(days=7))
    return [
        _task("admin", "people_without_a_role",
              lambda n: _plural(n, "Give a person a role, or deactivate them",
                                f"Give {n} people a role, or deactivate them"),
              _aggregate(roleless, User.id),
              lambda uid: url_for("admin.person", user_id=uid), None, today),
        _task("admin", "mail_failed",
              lambda n: _plural(n, "Look at a message that could not be sent this week",
                                f"Look at {n} messages that could not be sent this week"),
              _aggregate(failed, OutgoingEmail.id),
              lambda mid: url_for("admin.mail_message", email_id=mid), url_for("admin.mail_outbox"), today),
    ]


ROLE_TASKS = {
    Role.admin: _admin_tasks,
    Role.commissioner: _commissioner_tasks,
    Role.contract_monitor: _contract_monitor_tasks,
    Role.evaluator: _evaluator_tasks,
    Role.panel_facilitator: _panel_facilitator_tasks,
    Role.panel_member: _panel_member_tasks,
    Role.provider: _provider_tasks,
}


def tasks_for(user, today=None):
    """Every task ``user`` can act on now, role by role (roles in title order), none with a zero count."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not has_request_context():
        # A worker (the daily digest) has no request: links are paths all the same.
        with current_app.test_request_context("/"):
            return tasks_for(user, today)
    today = today or utcnow().astimezone(LONDON).date()
    tasks = []
    for role in sorted(user.role_set, key=lambda r: r.title):
        compute = ROLE_TASKS.get(role)
        if compute is not None:
            tasks.extend(t for t in compute(user, today) if t is not None)
    return tasks
