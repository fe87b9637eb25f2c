"""The outbox knows when work is done: tasks complete their rows, the sweep resends the rest."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.idempotency.models import RequestKey
from commissioning.mail.models import EmailStatus, OutgoingEmail
from commissioning.mail.operations import queue_email
from commissioning.outbox import operations as outbox
from commissioning.outbox.models import OutboxTask

AFTER = 300  # OUTBOX_REDELIVER_AFTER's default
MOST = 5     # OUTBOX_MAX_REDELIVERIES's default


@pytest.fixture
def broker(monkeypatch):
    """The broker as a list: what the sweep sent, by row id. ``broker.down = True`` refuses everything."""
    class Broker(list):
        down = False

    sent = Broker()

    def send(_app, rows):
        if sent.down:
            return []
        sent.extend(row_id for row_id, _name, _kwargs in rows)
        return [row_id for row_id, _name, _kwargs in rows]
    monkeypatch.setattr(outbox, "_send", send)
    return sent


def _row(sent_ago=None, completed=False, redispatched=0, created_ago=3600):
    now = utcnow()
    row = OutboxTask(task_name="mail.send_email", kwargs={"email_id": 0},
                     created_at=now - timedelta(seconds=created_ago),
                     dispatched_at=None if sent_ago is None else now - timedelta(seconds=sent_ago),
                     completed_at=now - timedelta(seconds=1) if completed else None, redispatch_count=redispatched)
    db.session.add(row)
    db.session.flush()
    return row


def test_outbox_a_sent_row_not_completed_is_sent_again_only_after_the_delay(app, broker):
    early, late = _row(sent_ago=AFTER - 20), _row(sent_ago=AFTER + 20)
    assert outbox.dispatch_pending() == 1
    assert broker == [late.id]
    assert (late.redispatch_count, early.redispatch_count) == (1, 0)
    assert late.dispatched_at > utcnow() - timedelta(seconds=5), "the clock restarts at the new send"
    assert "sent again (1 of 5)" in late.last_error and early.last_error is None


def test_outbox_completed_rows_are_never_sent_again(app, broker):
    _row(sent_ago=10 * AFTER, completed=True)
    _row(sent_ago=10 * AFTER, completed=True, redispatched=2)
    assert outbox.dispatch_pending() == 0 and broker == []


def test_outbox_rows_never_sent_are_still_sent_and_young_ones_left_to_their_commit(app, broker):
    old, young = _row(created_ago=60), _row(created_ago=1)
    assert outbox.dispatch_pending() == 1 and broker == [old.id]
    assert old.dispatched_at is not None and old.redispatch_count == 0 and young.dispatched_at is None


def test_outbox_each_redelivery_waits_twice_as_long(app, broker):
    second = _row(sent_ago=int(1.5 * AFTER), redispatched=1)   # needs 2 x AFTER
    third = _row(sent_ago=int(3.5 * AFTER), redispatched=2)    # needs 4 x AFTER
    assert outbox.dispatch_pending() == 0
    due_second, due_third = _row(sent_ago=2 * AFTER + 5, redispatched=1), _row(sent_ago=4 * AFTER + 5, redispatched=2)
    assert outbox.dispatch_pending() == 2 and sorted(broker) == sorted([due_second.id, due_third.id])
    assert (second.redispatch_count, third.redispatch_count) == (1, 2)
    assert (due_second.redispatch_count, due_third.redispatch_count) == (2, 3)


def test_outbox_the_cap_gives_a_row_up_with_its_reason_and_it_stays_given_up(app, broker):
    waiting = _row(sent_ago=2 ** MOST * AFTER - 60, redispatched=MOST)
    stuck = _row(sent_ago=2 ** MOST * AFTER + 60, redispatched=MOST)
    assert outbox.dispatch_pending() == 0 and broker == []
    assert waiting.gave_up_at is None, "the last redelivery gets its full wait before the row is given up"
    assert stuck.gave_up_at is not None and stuck.completed_at is None
    assert stuck.last_error.startswith("given up: not completed after 5 redeliveries")
    assert stuck.redispatch_count == MOST
    stuck.dispatched_at -= timedelta(days=30)
    assert outbox.dispatch_pending() == 0 and broker == []


def test_outbox_the_cap_is_a_setting(app, broker, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_REDELIVERIES", 1)
    monkeypatch.setitem(app.config, "OUTBOX_REDELIVER_AFTER", 10)
    once, twice = _row(sent_ago=15), _row(sent_ago=25, redispatched=1)
    assert outbox.dispatch_pending() == 1 and broker == [once.id]
    assert twice.gave_up_at is not None and once.gave_up_at is None


def test_outbox_a_broker_outage_during_redelivery_counts_nothing(app, broker):
    row = _row(sent_ago=AFTER + 20)
    broker.down = True
    assert outbox.dispatch_pending() == 0
    assert row.redispatch_count == 0 and row.last_error == "broker unavailable" and row.attempts == 1
    broker.down = False
    assert outbox.dispatch_pending() == 1 and row.redispatch_count == 1


def test_outbox_a_row_whose_task_is_running_now_is_left_alone(app, broker):
    row = _row(sent_ago=AFTER + 20)
    # Another connection plays the worker running the task: it holds the row's advisory lock.
    with db.engine.connect() as worker:
        worker.execute(text("SELECT pg_advisory_lock(CAST(:k AS integer), CAST(:id AS integer))"),
                       {"k": outbox._RUNNING, "id": row.id})
        try:
            assert outbox.dispatch_pending() == 0 and row.redispatch_count == 0
        finally:
            worker.execute(text("SELECT pg_advisory_unlock_all()"))
    assert outbox.dispatch_pending() == 1 and broker == [row.id]


def _task(app, name):
    """The task as the test app's Celery app has it, so it runs with this app's settings."""
    import workers.tasks.contracts  # noqa: F401  (registers the tasks)
    import workers.tasks.mail  # noqa: F401
    return app.extensions["celery"].tasks[name]


def _mail_row(subject):
    email = queue_email("reader@example.org", "test", subject, "password_changed", user_name="Reader")
    db.session.flush()
    row = db.session.scalars(db.select(OutboxTask).where(
        OutboxTask.kwargs["email_id"].as_integer() == email.id)).one()
    return email, row


def test_outbox_a_task_completes_its_row_with_its_work_and_a_second_copy_does_nothing(app):
    send_email = _task(app, "mail.send_email")
    email, row = _mail_row("Completed once")
    db.session.commit()
    first = send_email.apply(kwargs={"email_id": email.id}, task_id=row.celery_task_id)
    assert first.successful() and first.result == "held"
    db.session.expire_all()
    assert row.completed_at is not None and email.status is EmailStatus.held and email.attempts == 1
    email.status = EmailStatus.pending  # were the work redone, it would show
    db.session.commit()
    second = send_email.apply(kwargs={"email_id": email.id}, task_id=row.celery_task_id)
    assert second.result == "completed"
    db.session.expire_all()
    assert email.status is EmailStatus.pending and email.attempts == 1


def test_outbox_a_task_that_fails_leaves_its_row_open_with_the_error(app, monkeypatch):
    send_email = _task(app, "mail.send_email")
    email, row = _mail_row("Fails")
    db.session.commit()

    def broken(_email_id):
        db.session.get(OutgoingEmail, _email_id).attempts = 99  # work that must be rolled back
        raise KeyError("a bug")
    monkeypatch.setattr("workers.tasks.mail.deliver_email", broken)
    assert send_email.apply(kwargs={"email_id": email.id}, task_id=row.celery_task_id).failed()
    db.session.expire_all()
    assert row.completed_at is None and email.attempts == 0
    # Mail has an on_give_up: the failure is recorded on the mail and the row is given up with it.
    assert email.status is EmailStatus.failed and row.gave_up_at is not None and "KeyError" in row.last_error


def test_outbox_a_task_without_on_give_up_leaves_its_row_for_the_sweep(app, create_agreement, create_user,
                                                                       create_organisation, give_documents,
                                                                       monkeypatch):
    from commissioning.accounts.models import Role
    from commissioning.contracts import operations as ops
    render_agreement_document = _task(app, "contracts.render_document")
    org = create_organisation("Outbox Youth Trust")
    give_documents(org)
    provider = create_user(Role.provider, organisation=org)
    document = ops.issue(create_agreement(org, provider), create_user(Role.commissioner), "Test Borough Council")
    db.session.commit()
    row = db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == ops.RENDER_TASK)
                             .order_by(OutboxTask.id.desc())).first()
    monkeypatch.setattr("workers.tasks.contracts.render_document", lambda _id: 1 / 0)
    assert render_agreement_document.apply(kwargs={"document_id": document.id}, task_id=row.celery_task_id).failed()
    db.session.expire_all()
    assert row.completed_at is None and row.gave_up_at is None
    assert row.last_error == "left for the sweep: ZeroDivisionError: division by zero"
    monkeypatch.undo()
    assert render_agreement_document.apply(kwargs={"document_id": document.id},
                                           task_id=row.celery_task_id).successful()
    db.session.expire_all()
    assert row.completed_at is not None and document.file_id is not None


def test_outbox_a_task_retrying_restarts_the_redelivery_clock(app):
    _email, row = _mail_row("Retry")
    row.dispatched_at = utcnow() - timedelta(hours=1)
    outbox.note_task_failure(row.id, ConnectionError("SMTP away"), retrying=True, given_up=False)
    db.session.expire_all()
    assert row.dispatched_at > utcnow() - timedelta(seconds=5) and row.last_error.startswith("retrying:")


def test_outbox_tasks_sent_outside_the_outbox_run_as_before():
    assert outbox.outbox_row_id("outbox-42") == 42
    assert [outbox.outbox_row_id(x) for x in (None, "outbox-", "outbox-x1", "d3b07384-d9a0", "42")] == [None] * 5


def test_outbox_clean_up_deletes_only_old_completed_rows_and_old_request_keys(app, broker):
    now = utcnow()
    old_done = _row(sent_ago=40 * 86400, completed=True)
    old_done.completed_at = now - timedelta(days=31)
    recent_done = _row(sent_ago=20 * 86400, completed=True)
    recent_done.completed_at = now - timedelta(days=29)
    old_open, old_given_up = _row(sent_ago=40 * 86400), _row(sent_ago=40 * 86400)
    old_given_up.gave_up_at = now - timedelta(days=35)
    never_sent = _row(created_ago=40 * 86400)
    keys = {}
    for name, age in (("old", 8), ("recent", 6)):
        keys[name] = RequestKey(key=f"{name}-{now.timestamp()}".ljust(64, "0")[:64], method="POST", path="/x",
                                messages=[], created_at=now - timedelta(days=age))
        db.session.add(keys[name])
    db.session.flush()
    ids, deleted = {r.id for r in (old_done, recent_done, old_open, old_given_up, never_sent)}, old_done.id
    old_key, recent_key = keys["old"].key, keys["recent"].key
    result = outbox.clean_up()
    assert result["outbox_tasks"] == 1 and result["request_keys"] >= 1
    db.session.expire_all()
    left = set(db.session.scalars(db.select(OutboxTask.id).where(OutboxTask.id.in_(ids))))
    assert left == ids - {deleted}
    assert db.session.get(RequestKey, old_key) is None
    assert db.session.get(RequestKey, recent_key) is not None


def test_clean_up_deletes_sign_ins_that_ended_long_ago(app, create_user):
    from commissioning.accounts.models import UserSession
    person, now = create_user(roles=["provider"]), utcnow()
    rows = {age: UserSession(user_id=person.id, secret_hash=f"{age:064d}", device="Firefox on Linux",
                             created_at=now - timedelta(days=age), last_seen_at=now - timedelta(days=age))
            for age in (31, 29)}
    db.session.add_all(rows.values())
    db.session.flush()
    kept = rows[29].id
    assert outbox.clean_up(now=now)["user_sessions"] >= 1
    db.session.expire_all()
    assert set(db.session.scalars(db.select(UserSession.id).where(UserSession.user_id == person.id))) == {kept}


def test_outbox_clean_up_is_one_beat_entry():
    from workers import schedule
    entries = [e for e in schedule.SCHEDULE.values() if e["task"] == "outbox.clean_up"]
    assert len(entries) == 1
