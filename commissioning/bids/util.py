"""Reads for bids: checklists, eligibility flags, sealed counts and the submissions that count."""
import hashlib
import json
import re
from datetime import date

from sqlalchemy import func

from commissioning.bids.models import Bid, BidStatus, BidSubmission
from commissioning.extensions import db
from commissioning.providers.models import DocumentKind, ProviderDocument


def word_count(text):
    return len(re.findall(r"\S+", text or ""))


def canonical_json(content):
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_of_content(content):
    return hashlib.sha256(canonical_json(content)).hexdigest()


def document_problems(organisation_id, today=None):
    """Required vault documents that are missing or expired, as messages."""
    today = today or date.today()
    docs = db.session.scalars(db.select(ProviderDocument).where(ProviderDocument.organisation_id == organisation_id)).all()
    problems = []
    for kind in DocumentKind:
        if not kind.required:
            continue
        current = [d for d in docs if d.kind is kind]
        if not current:
            problems.append(f"Upload your {kind.title.lower()} to your organisation’s documents")
        elif all(d.is_expired(today) for d in current):
            latest = max(d.expires_on for d in current)
            problems.append(f"Your {kind.title.lower()} expired on {latest.strftime('%-d %B %Y')}: upload a current one")
    return problems


def checklist(bid):
    """[(what, done, message when not done)] for the bid as it stands."""
    opp = bid.opportunity
    items = []
    for criterion in opp.quality_criteria:
        text = (bid.answers or {}).get(criterion["name"], "")
        words = word_count(text)
        done = 0 < words <= opp.word_limit
        message = (f"Answer “{criterion['name']}”" if words == 0 else
                   f"Shorten your answer to “{criterion['name']}” to {opp.word_limit} words (it has {words})")
        items.append((f"Answer: {criterion['name']}", done, message))
    if any(c["kind"] == "price" for c in opp.criteria):
        items.append(("Price", bid.price_pence is not None and bid.price_pence > 0, "Enter your price"))
        if bid.price_pence and bid.price_pence > opp.max_value_pence:
            items.append(("Price within the maximum value", False,
                          "Your price is more than the opportunity’s maximum value"))
    for i, question in enumerate(opp.eligibility):
        items.append((f"Eligibility: {question['question']}", str(i) in (bid.eligibility or {}),
                      f"Answer the eligibility question “{question['question']}”"))
    items.append(("Declarations", bool(bid.declarations), "Confirm the declarations"))
    for problem in document_problems(bid.organisation_id):
        items.append(("Organisation documents", False, problem))
    return items


def eligibility_failures(opportunity, answers):
    """The eligibility questions a set of answers fails: flagged for the commissioner, never dropped."""
    return [q["question"] for i, q in enumerate(opportunity.eligibility)
            if answers.get(str(i)) is not None and answers.get(str(i)) != q["pass_answer"]]


def bid_count(opportunity_id):
    """What anyone may know before the deadline: how many organisations have submitted."""
    return db.session.scalar(db.select(func.count(Bid.id)).where(Bid.opportunity_id == opportunity_id,
                                                                  Bid.status == BidStatus.submitted))


def counted_submissions(opportunity):
    """For each submitted bid, the last version submitted before the deadline (one query)."""
    latest = (db.select(BidSubmission.bid_id, func.max(BidSubmission.number).label("number"))
              .join(Bid, Bid.id == BidSubmission.bid_id)
              .where(Bid.opportunity_id == opportunity.id, Bid.status == BidStatus.submitted,
                     BidSubmission.submitted_at < opportunity.submission_deadline)
              .group_by(BidSubmission.bid_id).subquery())
    query = (db.select(BidSubmission).join(latest, (BidSubmission.bid_id == latest.c.bid_id)
                                           & (BidSubmission.number == latest.c.number))
             .options(db.joinedload(BidSubmission.bid).joinedload(Bid.organisation))
             .order_by(BidSubmission.bid_id))
    return db.session.scalars(query).unique().all()


def bids_of(organisation_ids):
    return db.session.scalars(db.select(Bid).where(Bid.organisation_id.in_(organisation_ids))
                              .options(db.joinedload(Bid.opportunity)).order_by(Bid.updated_at.desc())).unique().all()


def outcomes_of(bids):
    """{bid_id: outcome} once each bid's opportunity is decided; nothing before (see ``outcomes_for``).

    The decision is the evaluation stage's: its query function is asked, never its tables.
    """
    from commissioning.evaluation.util import outcomes_for
    return outcomes_for(bids)
