"""Reminders exactly once with the real worker, Redis and SMTP: concurrent sweeps, and a re-run."""
import threading
import time
from datetime import timedelta

from commissioning.accounts.models import Role
from commissioning.contracts import operations as contract_ops
from commissioning.extensions import db
from commissioning.monitoring.models import Reminder
from commissioning.monitoring.operations import sweep_reminders


def test_two_sweeps_at_once_and_a_rerun_send_each_reminder_once(
        live_context, live_app, celery_worker_process, smtp_server, create_agreement, create_user,
        create_organisation, give_documents):
    org = create_organisation()
    give_documents(org)
    provider = create_user(Role.provider, organisation=org, email="returns.contact@example.org")
    commissioner = create_user(Role.commissioner)
    agreement = create_agreement(org, provider)
    document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
    contract_ops.render_document(document.id)
    contract_ops.sign(agreement, provider, "Pat", "Chair", document.sha256)
    contract_ops.countersign(agreement, commissioner)
    db.session.commit()
    due = sorted(agreement.returns, key=lambda d: d.due_on)[0]
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
