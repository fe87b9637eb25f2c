"""Reminders exactly once with the real worker, Redis and SMTP: concurrent sweeps, and a re-run."""
import threading
import time
from datetime import timedelta

from commissioning.accounts.models import Role
from commissioning.contracts import operations as contract_ops
from commissioning.extensions import db
from commissioning.monitoring.models import Reminder
from commissioning.monitoring.operations import sweep_reminders


def _active(create_agreement, create_user, create_organisation, give_documents, email):
    org = create_organisation()
    give_documents(org)
    provider = create_user(Role.provider, organisation=org, email=email)
    commissioner = create_user(Role.commissioner)
    agreement = create_agreement(org, provider)
    document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
    contract_ops.render_document(document.id)
    contract_ops.sign(agreement, provider, "Pat", "Chair", document.sha256)
    contract_ops.countersign(agreement, commissioner)
    db.session.commit()
    return agreement, sorted(agreement.returns, key=lambda d: d.due_on)[0]


def test_two_sweeps_at_once_and_a_rerun_send_each_reminder_once(
        live_context, live_app, celery_worker_process, smtp_server, create_agreement, create_user,
        create_organisation, give_documents):
    agreement, due = _active(create_agreement, create_user, create_organisation, give_documents,
                             "returns.contact@example.org")
    day = due.due_on - timedelta(days=3)
    results, barrier = [], threading.Barrier(2)

    def sweep():
        with live_app.app_context():
            barrier.wait()
            results.append(sweep_reminders(day))
            db.session.commit()
            db.session.remove()
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # One sweep made them (this contract's, and any the demo data has that day); the other found them made.
    assert sorted(results)[0] == 0 and sorted(results)[1] >= 1
    assert sweep_reminders(day) == 0            # a later run: nothing new
    db.session.commit()
    smtp_server.wait_for(To="returns.contact@example.org", Subject="is due in 3 days", timeout=60)
    time.sleep(2)                               # let any duplicate arrive if there were one
    assert len(smtp_server.matching(To="returns.contact@example.org", Subject="is due in 3 days")) == 1
    assert db.session.scalar(db.select(db.func.count(Reminder.id)).where(
        Reminder.key.like(f"return:{due.id}:%"))) == 1


def test_a_broker_outage_and_a_redelivered_task_still_mean_one_reminder(
        make_app, live_app, celery_worker_process, smtp_server, create_agreement, create_user,
        create_organisation, give_documents):
    from commissioning.mail.models import OutgoingEmail
    with live_app.app_context():
        agreement, due = _active(create_agreement, create_user, create_organisation, give_documents,
                                 "outage.contact@example.org")
        day = due.due_on                                       # "is due today"
        db.session.remove()
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")       # Redis down while the sweep runs
    with broken.app_context():
        assert sweep_reminders(day) >= 1
        db.session.commit()
        db.session.remove()
    time.sleep(1.5)
    assert smtp_server.matching(To="outage.contact@example.org", Subject="is due today") == []
    with live_app.app_context():
        assert sweep_reminders(day) == 0                      # Redis back: the sweep adds nothing
        db.session.commit()
        live_app.extensions["celery"].send_task("outbox.dispatch_pending", kwargs={"min_age_seconds": 0})
        smtp_server.wait_for(To="outage.contact@example.org", Subject="is due today", timeout=30)
        email = db.session.scalars(db.select(OutgoingEmail).where(
            OutgoingEmail.to_address == "outage.contact@example.org",
            OutgoingEmail.kind == "reminder_return")).one()
        # A worker that sends and then dies before acknowledging gets the task again: still one mail.
        live_app.extensions["celery"].send_task("mail.send_email", kwargs={"email_id": email.id})
        time.sleep(2)
        assert len(smtp_server.matching(To="outage.contact@example.org", Subject="is due today")) == 1
        db.session.remove()
