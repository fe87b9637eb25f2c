from commissioning.audit.operations import log_action
from commissioning.bids.models import Bid, BidAttachment, BidStatus, BidSubmission
from commissioning.bids.util import checklist, eligibility_failures, sha256_of_content
from commissioning.core.models import LONDON, utcnow
from commissioning.core.locks import lock_row, row_locked
from commissioning.extensions import db
from commissioning.files.operations import store_file
from commissioning.mail.operations import queue_email
from commissioning.opportunities.models import OpportunityStatus


class BidError(ValueError):
    """A rule broken; the message is for the provider."""


def _fmt(dt):
    return dt.astimezone(LONDON).strftime("%-d %B %Y at %H:%M:%S %Z")


def _still_open(opp, now):
    if opp.status is not OpportunityStatus.open or now >= opp.submission_deadline:
        raise BidError(f"The deadline for bids was {_fmt(opp.submission_deadline)}: bids can no longer be changed")


def start_bid(opp, organisation, user, lot="", now=None):
    """One bid per organisation and lot; an opportunity with lots needs one of them named."""
    _still_open(opp, now or utcnow())
    names = [entry["name"] for entry in opp.lots or []]
    if names and lot not in names:
        raise BidError("Choose the lot you are bidding for")
    if not names and lot:
        raise BidError("This opportunity has no lots")
    existing = db.session.scalars(db.select(Bid).where(Bid.opportunity_id == opp.id,
                                                       Bid.organisation_id == organisation.id, Bid.lot == lot)).first()
    if existing:
        return existing
    bid = Bid(opportunity_id=opp.id, organisation_id=organisation.id, lot=lot, created_by_id=user.id,
              answers={}, eligibility={})
    db.session.add(bid)
    db.session.flush()
    # Audit summaries name no bidder and no content; and all a bidder does, with its mail, is sealed
    # for the opportunity: staff see only counts until the deadline (audit/util.py, mail/util.py).
    log_action(bid, "bid.started", f"Bid {bid.id} started for {opp.reference}", sealed_for=opp,
               opportunity_id=opp.id)
    return bid


def save_draft(bid, user, now=None, **fields):
    _still_open(bid.opportunity, now or utcnow())
    for key, value in fields.items():
        setattr(bid, key, value)
    if bid.status is BidStatus.withdrawn:
        bid.status = BidStatus.draft
    log_action(bid, "bid.draft_saved", f"Draft bid {bid.id} saved", user=user, sealed_for=bid.opportunity,
               fields=sorted(fields))
    return bid


def add_attachment(bid, user, upload, now=None):
    _still_open(bid.opportunity, now or utcnow())
    stored = store_file(*upload, user=user)
    attachment = BidAttachment(bid_id=bid.id, file_id=stored.id)
    db.session.add(attachment)
    db.session.flush()
    log_action(bid, "bid.attachment_added", f"A file was attached to bid {bid.id}", user=user,
               sealed_for=bid.opportunity, attachment_id=attachment.id)
    return attachment


def remove_attachment(bid, attachment, user, now=None):
    _still_open(bid.opportunity, now or utcnow())
    db.session.delete(attachment)
    log_action(bid, "bid.attachment_removed", f"Attachment {attachment.id} removed from bid {bid.id}", user=user,
               sealed_for=bid.opportunity)


def _lock(bid):
    """Serialise submissions of one bid (a double click, two colleagues at once)."""
    query = db.select(Bid).where(Bid.id == bid.id).execution_options(populate_existing=True)
    query = row_locked(query)
    return db.session.scalars(query).one()


def submit_bid(bid, user, token, now=None):
    """Submit the draft as a new immutable version. The same token twice gives the same version."""
    lock_row(bid)  # once only: a second request waits, then sees the new state
    bid = _lock(bid)
    now = now or utcnow()
    opp = bid.opportunity
    _still_open(opp, now)
    already = db.session.scalars(db.select(BidSubmission).where(BidSubmission.bid_id == bid.id,
                                                                BidSubmission.token == token)).first()
    if already:
        if already.withdrawn or bid.status is not BidStatus.submitted:
            raise BidError("That submission was withdrawn. Reload the page and submit again")
        return already
    missing = [message for _what, done, message in checklist(bid) if not done]
    if missing:
        raise BidError(". ".join(missing))
    content = {
        "opportunity": opp.reference, "organisation": bid.organisation.name, "lot": bid.lot,
        "answers": {c["name"]: bid.answers.get(c["name"], "") for c in opp.quality_criteria},
        "eligibility": {q["question"]: bid.eligibility.get(str(i)) for i, q in enumerate(opp.eligibility)},
        "price_pence": bid.price_pence, "price_breakdown": bid.price_breakdown or "",
        "declarations": bid.declarations,
        "attachments": [{"file_id": a.file_id, "filename": a.file.filename, "sha256": a.file.sha256}
                        for a in bid.attachments],
    }
    number = (bid.submissions[-1].number if bid.submissions else 0) + 1
    submission = BidSubmission(bid_id=bid.id, number=number, token=token, submitted_at=now,
                               submitted_by_id=user.id, content=content, sha256=sha256_of_content(content))
    db.session.add(submission)
    bid.status = BidStatus.submitted
    db.session.flush()
    failures = eligibility_failures(opp, bid.eligibility)
    log_action(bid, "bid.submitted", f"Bid {bid.id} version {number} submitted for {opp.reference}",
               user=user, sealed_for=opp, version=number, sha256=submission.sha256, ineligible=failures)
    queue_email(user.email, "bid_receipt", f"Bid received: {opp.title}", "bid_receipt", sealed_for=opp,
                user_name=user.name, organisation=bid.organisation.name, opportunity=opp.title,
                reference=opp.reference, number=number, submitted_at=_fmt(now), sha256=submission.sha256,
                deadline=_fmt(opp.submission_deadline))
    return submission


def withdraw_bid(bid, user, now=None):
    lock_row(bid)  # once only: a second request waits, then sees the new state
    bid = _lock(bid)
    now = now or utcnow()
    _still_open(bid.opportunity, now)
    if bid.status is not BidStatus.submitted:
        raise BidError("Only a submitted bid can be withdrawn. A draft is not sent to the council, so there is "
                       "nothing to withdraw")
    bid.status = BidStatus.withdrawn
    for submission in bid.submissions:
        submission.withdrawn = True
    log_action(bid, "bid.withdrawn", f"Bid {bid.id} withdrawn from {bid.opportunity.reference}",
               user=user, sealed_for=bid.opportunity)
    queue_email(user.email, "bid_withdrawn", f"Bid withdrawn: {bid.opportunity.title}", "bid_withdrawn",
                sealed_for=bid.opportunity, user_name=user.name, organisation=bid.organisation.name,
                opportunity=bid.opportunity.title,
                reference=bid.opportunity.reference, when=_fmt(now), deadline=_fmt(bid.opportunity.submission_deadline))
