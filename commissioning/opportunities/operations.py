from datetime import timedelta

from commissioning.audit.operations import log_action
from commissioning.core.locks import lock_row, row_locked, try_transaction_lock
from commissioning.core.models import LONDON, utcnow
from commissioning.core.transitions import move
from commissioning.extensions import db
from commissioning.core.urls import app_path
from commissioning.mail.operations import notify, queue_email
from commissioning.mail.util import commissioners_of
from commissioning.opportunities.models import (
    Clarification, ClarificationStatus, Follow, Opportunity, OpportunityKind, OpportunityStatus)
from commissioning.specifications.models import Route, SpecStatus

TIMETABLE = ("publish_at", "clarification_deadline", "submission_deadline", "evaluation_date", "award_date",
             "standstill_end")


class OpportunityError(ValueError):
    """A rule broken; the message is for the commissioner or provider."""


def _move(opp, status, why):
    move(opp, status, why, "An opportunity", "opportunity.status_changed")


def create_opportunity(spec, user, **fields):
    if spec.status not in (SpecStatus.approved, SpecStatus.published):
        raise OpportunityError("Only an approved specification can be published as an opportunity")
    content = spec.version(spec.approved_version).content
    kind = OpportunityKind.grant_round if content["route"] == Route.grant_round.value else OpportunityKind.procurement
    opp = Opportunity(specification_id=spec.id, specification_version=spec.approved_version, kind=kind,
                      max_value_pence=content["max_value_pence"], criteria=content["criteria"],
                      created_by_id=user.id if user else None, **fields)
    db.session.add(opp)
    db.session.flush()
    opp.reference = f"OPP-{opp.id:04d}"
    log_action(opp, "opportunity.created", f"{opp.reference} “{opp.title}” drafted from {spec.reference}")
    return opp


def update_opportunity(opp, **fields):
    """Drafts change freely; once open only the timetable can change, and followers are told."""
    if opp.status not in (OpportunityStatus.draft, OpportunityStatus.open):
        raise OpportunityError(f"An opportunity that is {opp.status.title.lower()} cannot be changed")
    if opp.status is OpportunityStatus.open and set(fields) - set(TIMETABLE):
        raise OpportunityError("Once an opportunity is open only its dates can change")
    clarification = fields.get("clarification_deadline", opp.clarification_deadline)
    deadline = fields.get("submission_deadline", opp.submission_deadline)
    if clarification >= deadline:
        raise OpportunityError("The clarification deadline must be before the submission deadline")
    if opp.status is OpportunityStatus.open:
        # Moving the deadline earlier (or into the past) would unseal bids early: only extensions.
        if opp.is_past_deadline():
            raise OpportunityError("The deadline has passed: the opportunity can no longer change")
        if deadline < opp.submission_deadline or deadline <= utcnow():
            raise OpportunityError("Once bids are open the submission deadline can only move later")
    changed = {k: [str(getattr(opp, k)), str(v)] for k, v in fields.items() if getattr(opp, k) != v}
    for key, value in fields.items():
        setattr(opp, key, value)
    log_action(opp, "opportunity.updated", f"{opp.reference} updated", changes=changed)
    if opp.status is OpportunityStatus.open and changed:
        _tell_followers(opp, "dates_changed", f"Dates changed: {opp.title}", "opportunity_dates_changed")
    return opp


def opening_problem(opp, now=None):
    """Why ``opp`` cannot open now, or None: asked before the confirmation page as well as when opening."""
    if opp.submission_deadline <= (now or utcnow()):
        return "Set a submission deadline in the future before opening"
    spec = opp.specification
    if spec.status not in (SpecStatus.approved, SpecStatus.published):
        return f"{spec.reference} is {spec.status.title.lower()}: approve it again before opening"
    return tender_period_problem(opp, now or utcnow())


def tender_period_problem(opp, now):
    """The Act's minimum tendering period for a covered procurement (section 54), in words, or None."""
    from flask import current_app

    from commissioning.notices.models import Notice, NoticeStatus
    from commissioning.notices.rules import covered, minimum_tender_days, qualifying_planned_notice
    from commissioning.settings.util import all_settings
    content = opp.specification.version(opp.specification.approved_version).content
    route = content.get("route") or ""
    if opp.kind.value == "grant_round" or route in ("grant_round", "direct_award"):
        return None
    light_touch = bool(content.get("light_touch")) or route == "light_touch"
    if not covered(content.get("max_value_pence", opp.max_value_pence), light_touch, all_settings()):
        return None
    today = now.astimezone(LONDON).date()
    planned = db.session.scalars(db.select(Notice).where(
        Notice.opportunity_id == opp.id, Notice.notice_type == "UK3", Notice.status == NoticeStatus.published)).first()
    after_uk3 = planned is not None and qualifying_planned_notice(planned.published_at.astimezone(LONDON).date(),
                                                                  today, current_app.config)
    days = minimum_tender_days(current_app.config, after_uk3)
    if opp.submission_deadline < now + timedelta(days=days):
        earliest = (now + timedelta(days=days)).astimezone(LONDON).strftime("%-d %B %Y")
        why = ("after the planned procurement notice" if after_uk3 else
               "(10 if a planned procurement notice was published 40 days to a year before)")
        return (f"Above the threshold the Procurement Act 2023 gives bidders at least {days} days {why}: move the "
                f"submission deadline to {earliest} or later")
    return None


def open_opportunity(opp, now=None):
    """Publish: freeze the criteria from the approved specification and accept bids until the deadline."""
    lock_row(opp)  # once only: a second request waits, then sees the new state
    now = now or utcnow()
    problem = opening_problem(opp, now)
    if problem:
        raise OpportunityError(problem)
    spec = opp.specification
    _move(opp, OpportunityStatus.open, "published")
    # Bidders read the version approved now, even if the draft was made from one since superseded.
    opp.specification_version = spec.approved_version
    content = spec.version(opp.specification_version).content
    opp.criteria, opp.max_value_pence = content["criteria"], content["max_value_pence"]
    opp.opened_at = now
    if spec.status is SpecStatus.approved:
        spec.status = SpecStatus.published
        log_action(spec, "specification.status_changed", f"{spec.reference} published as {opp.reference}",
                   old="approved", new="published")


def close_due(now=None):
    """Close every open opportunity whose deadline has passed, each exactly once. Returns their ids."""
    if not try_transaction_lock("opportunities.close_due"):
        return []
    now = now or utcnow()
    query = (db.select(Opportunity).where(Opportunity.status == OpportunityStatus.open,
                                          Opportunity.submission_deadline <= now).order_by(Opportunity.id))
    query = row_locked(query, skip_locked=True)
    closed = []
    for opp in db.session.scalars(query):
        opp.closed_at = now
        _move(opp, OpportunityStatus.closed, "the submission deadline passed")
        closed.append(opp.id)
    db.session.flush()
    return closed


def cancel_opportunity(opp, reason):
    lock_row(opp)  # once only: a second request waits, then sees the new state
    if not (reason or "").strip():
        raise OpportunityError("Say why the opportunity is cancelled")
    _move(opp, OpportunityStatus.cancelled, reason)
    _tell_followers(opp, "cancelled", f"Cancelled: {opp.title}", "opportunity_cancelled", reason=reason)


def follow(opp, user):
    lock_row(opp)  # once only: a second request waits, then sees the new state
    exists = db.session.scalar(db.select(Follow.id).where(Follow.opportunity_id == opp.id, Follow.user_id == user.id))
    if not exists:
        db.session.add(Follow(opportunity_id=opp.id, user_id=user.id))
        log_action(opp, "opportunity.followed", f"{user.email} follows {opp.reference}", sealed_for=opp)


def unfollow(opp, user):
    lock_row(opp)  # once only: a second request waits, then sees the new state
    row = db.session.scalars(db.select(Follow).where(Follow.opportunity_id == opp.id, Follow.user_id == user.id)).first()
    if row:
        db.session.delete(row)
        log_action(opp, "opportunity.unfollowed", f"{user.email} no longer follows {opp.reference}", sealed_for=opp)


def ask_clarification(opp, user, organisation, question, now=None):
    now = now or utcnow()
    if opp.status is not OpportunityStatus.open or now >= opp.clarification_deadline:
        raise OpportunityError("The deadline for clarification questions has passed")
    item = Clarification(opportunity=opp, organisation_id=organisation.id, asked_by_id=user.id, question=question)
    db.session.add(item)
    db.session.flush()
    log_action(opp, "opportunity.clarification_asked", f"Clarification question {item.id} on {opp.reference}",
               sealed_for=opp, clarification_id=item.id)
    _tell_commissioners_of(item)
    return item


def _tell_commissioners_of(item):
    """The opportunity's commissioner hears that a question waits, never who asked; sealed like the question."""
    opp = item.opportunity
    by = opp.clarification_deadline.astimezone(LONDON).strftime("%-d %B %Y")
    for commissioner in commissioners_of(opp.created_by_id):
        notify(commissioner, "clarification_asked", f"clarification_asked:{item.id}:{commissioner.id}",
               f"Question to answer: {opp.title}",
               f"A bidder asked a clarification question about {opp.reference}. Answer it by {by}.",
               app_path("opportunities.questions", opp_id=opp.id), template="clarification_asked", sealed_for=opp,
               opportunity=opp.title, reference=opp.reference, clarification_deadline=opp.clarification_deadline)


def _tell_asker(item):
    """The person who asked hears the answer, published or private; sealed, since it says they asked."""
    from commissioning.accounts.models import User
    asker = db.session.get(User, item.asked_by_id) if item.asked_by_id else None
    if asker is None:
        return
    opp = item.opportunity
    published = item.status is ClarificationStatus.published
    notify(asker, "clarification_answered", f"clarification_answered:{item.id}:{asker.id}",
           f"Your question on {opp.title} is answered",
           f"You asked: {item.question} Answer{' (published for every bidder)' if published else ''}: {item.answer}",
           app_path("opportunities.show", opp_id=opp.id, _anchor="clarifications"), template="clarification_answered",
           sealed_for=opp, opportunity=opp.title, reference=opp.reference, question=item.question,
           published=published, published_question=item.published_question, answer=item.answer,
           deadline=opp.submission_deadline)


def answer_clarification(item, answer, published_question=None):
    """Publish an anonymised question and its answer to everyone, or answer the asker privately."""
    if item.status is not ClarificationStatus.asked:
        raise OpportunityError("This question has already been answered. Reload the page to see the answer")
    item.answer = answer
    item.answered_at = utcnow()
    opp = item.opportunity
    if published_question:
        item.published_question = published_question
        item.status = ClarificationStatus.published
        _tell_followers(opp, "clarification", f"New clarification: {opp.title}", "opportunity_clarification",
                        skip_user_id=item.asked_by_id, question=published_question, answer=answer)
    else:
        item.status = ClarificationStatus.answered_privately
    _tell_asker(item)  # one mail to the asker, who is left out of the followers' mail
    log_action(opp, "opportunity.clarification_answered", f"Clarification {item.id} answered "
               f"{'and published' if published_question else 'privately'}", clarification_id=item.id)
    return item


def _tell_followers(opp, kind, subject, template, skip_user_id=None, **context):
    followers = db.session.scalars(db.select(Follow).where(Follow.opportunity_id == opp.id)).all()
    for f in followers:
        if f.user_id == skip_user_id:
            continue
        queue_email(f.user.email, f"opportunity_{kind}", subject, template, sealed_for=opp, opportunity=opp.title,
                    reference=opp.reference, deadline=opp.submission_deadline, opp_id=opp.id, **context)
