"""Submissions racing each other and the deadline, on a real PostgreSQL with real row locks."""
import threading
from datetime import timedelta

from commissioning.bids.models import Bid, BidSubmission
from commissioning.bids.operations import BidError, start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.extensions import db
from tests.fixtures.factories import complete_bid


def _race(app, jobs):
    """Run each job (bid_id, user_id, token, now) in its own thread and session, all released at once."""
    from commissioning.accounts.models import User
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, bid_id, user_id, token, now):
        with app.app_context():
            bid, user = db.session.get(Bid, bid_id), db.session.get(User, user_id)
            barrier.wait()
            try:
                results[i] = submit_bid(bid, user, token, now=now).id
                db.session.commit()
            except BidError as exc:
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _ready_bid(create_opportunity, create_user, create_organisation, give_documents, opp=None):
    from commissioning.accounts.models import Role
    opp = opp or create_opportunity()
    org = create_organisation()
    give_documents(org)
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    db.session.commit()
    return opp, bid, user


def test_double_click_makes_one_version(live_context, create_opportunity, create_user, create_organisation,
                                        give_documents):
    _, bid, user = _ready_bid(create_opportunity, create_user, create_organisation, give_documents)
    results = _race(live_context, [(bid.id, user.id, "same-token-123456789", None)] * 4)
    assert len(set(results)) == 1 and not isinstance(results[0], Exception)
    assert db.session.scalar(db.select(db.func.count(BidSubmission.id)).where(BidSubmission.bid_id == bid.id)) == 1


def test_two_colleagues_submitting_at_once_make_two_numbered_versions(live_context, create_opportunity, create_user,
                                                                      create_organisation, give_documents):
    _, bid, user = _ready_bid(create_opportunity, create_user, create_organisation, give_documents)
    results = _race(live_context, [(bid.id, user.id, "token-one-123456789", None),
                                   (bid.id, user.id, "token-two-123456789", None)])
    assert not any(isinstance(r, Exception) for r in results)
    numbers = db.session.scalars(db.select(BidSubmission.number).where(BidSubmission.bid_id == bid.id)
                                 .order_by(BidSubmission.number)).all()
    assert numbers == [1, 2]


def test_two_providers_in_the_same_second(live_context, create_opportunity, create_user, create_organisation,
                                          give_documents):
    opp, bid_a, user_a = _ready_bid(create_opportunity, create_user, create_organisation, give_documents)
    _, bid_b, user_b = _ready_bid(create_opportunity, create_user, create_organisation, give_documents, opp=opp)
    now = utcnow()
    results = _race(live_context, [(bid_a.id, user_a.id, "provider-a-12345678", now),
                                   (bid_b.id, user_b.id, "provider-b-12345678", now)])
    assert not any(isinstance(r, Exception) for r in results)
    assert db.session.scalar(db.select(db.func.count(BidSubmission.id)).where(
        BidSubmission.bid_id.in_([bid_a.id, bid_b.id]))) == 2


def test_racing_the_deadline(live_context, create_opportunity, create_user, create_organisation, give_documents):
    opp, bid, user = _ready_bid(create_opportunity, create_user, create_organisation, give_documents)
    deadline = opp.submission_deadline
    results = _race(live_context, [(bid.id, user.id, "before-deadline-1234", deadline - timedelta(microseconds=1)),
                                   (bid.id, user.id, "at-deadline-12345678", deadline),
                                   (bid.id, user.id, "after-deadline-12345", deadline + timedelta(seconds=1))])
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], BidError) and isinstance(results[2], BidError)
    tokens = db.session.scalars(db.select(BidSubmission.token).where(BidSubmission.bid_id == bid.id)).all()
    assert tokens == ["before-deadline-1234"]
