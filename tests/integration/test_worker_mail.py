"""Real worker, real Redis, real SMTP: tasks run after commit, exactly as in production."""
import re
import time
import uuid

from commissioning.extensions import db
from commissioning.mail.models import EmailStatus, OutgoingEmail
from commissioning.mail.operations import queue_email
from commissioning.outbox.models import OutboxTask


def _subject(label):
    return f"{label} {uuid.uuid4().hex[:8]}"


def _wait_for_status(email_id, status, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.expire_all()
        email = db.session.get(OutgoingEmail, email_id)
        if email.status is status:
            return email
        db.session.rollback()
        time.sleep(0.2)
    raise AssertionError(f"mail {email_id} never became {status}")


def test_mail_is_sent_by_the_worker_after_commit(live_context, celery_worker_process, smtp_server):
    subject = _subject("After commit")
    email = queue_email("someone@example.org", "test", subject, "password_changed", user_name="Someone")
    db.session.commit()
    [message] = smtp_server.wait_for(Subject=subject)
    assert message["To"] == "someone@example.org"
    assert "has just been changed" in message.get_content()
    stored = _wait_for_status(email.id, EmailStatus.sent)
    assert stored.attempts == 1
    row = db.session.scalars(db.select(OutboxTask).where(OutboxTask.kwargs["email_id"].as_integer() == email.id)).one()
    assert row.dispatched_at is not None


def test_rolled_back_work_never_reaches_the_worker(live_context, celery_worker_process, smtp_server):
    doomed = _subject("Rolled back")
    queue_email("doomed@example.org", "test", doomed, "password_changed", user_name="Doomed")
    db.session.rollback()
    sentinel = _subject("Sentinel")
    queue_email("sentinel@example.org", "test", sentinel, "password_changed", user_name="Sentinel")
    db.session.commit()
    smtp_server.wait_for(Subject=sentinel)
    assert smtp_server.matching(Subject=doomed) == []


def test_a_task_sent_twice_delivers_once(live_context, live_app, celery_worker_process, smtp_server):
    subject = _subject("Only once")
    email = queue_email("once@example.org", "test", subject, "password_changed", user_name="Once")
    db.session.commit()
    smtp_server.wait_for(Subject=subject)
    _wait_for_status(email.id, EmailStatus.sent)
    live_app.extensions["celery"].send_task("mail.send_email", kwargs={"email_id": email.id})
    sentinel = _subject("Sentinel twice")
    queue_email("sentinel@example.org", "test", sentinel, "password_changed", user_name="Sentinel")
    db.session.commit()
    smtp_server.wait_for(Subject=sentinel)
    assert len(smtp_server.matching(Subject=subject)) == 1


def test_broker_outage_delays_work_but_loses_none(make_app, live_app, celery_worker_process, smtp_server):
    """With Redis unreachable the commit still succeeds; the sweep sends the task later."""
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    subject = _subject("During outage")
    with broken.app_context():
        email = queue_email("outage@example.org", "test", subject, "password_changed", user_name="Outage")
        started = time.time()
        db.session.commit()
        assert time.time() - started < 5, "a broker outage must not hold up the request"
        email_id = email.id
        row = db.session.scalars(db.select(OutboxTask).order_by(OutboxTask.id.desc())).first()
        assert row.kwargs == {"email_id": email_id} and row.dispatched_at is None
        db.session.remove()
    time.sleep(1.5)
    assert smtp_server.matching(Subject=subject) == []
    with live_app.app_context():
        # What beat does every 15 seconds, with the age threshold the sweep uses.
        live_app.extensions["celery"].send_task("outbox.dispatch_pending", kwargs={"min_age_seconds": 0})
        smtp_server.wait_for(Subject=subject, timeout=30)
        _wait_for_status(email_id, EmailStatus.sent)
        db.session.remove()


def test_password_reset_journey_mails_a_working_link(live_app, celery_worker_process, smtp_server):
    client = live_app.test_client()
    page = client.get("/password-reset").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/password-reset", data={"email": "monitor@demo.test", "csrf_token": token})
    assert "Check your email" in response.get_data(as_text=True)
    [message] = smtp_server.wait_for(To="monitor@demo.test", Subject="Reset your password")
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+)", message.get_content()).group(1)
    form = client.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    done = client.post(link, data={"password": "a-new-monitor-password", "confirm": "a-new-monitor-password",
                                   "csrf_token": token})
    assert done.status_code == 302
    smtp_server.wait_for(To="monitor@demo.test", Subject="Your password has been changed")
    # Put the demo password back for the other tiers.
    with live_app.app_context():
        from commissioning.accounts.util import hash_password, user_by_email
        user_by_email("monitor@demo.test").password_hash = hash_password("demo-password")
        db.session.commit()
        db.session.remove()


def test_a_temporary_smtp_failure_is_retried_with_backoff(live_context, celery_worker_process, smtp_server):
    address = f"flaky-{uuid.uuid4().hex[:6]}@example.org"
    smtp_server.refusals[address] = 1
    subject = _subject("Retried")
    started = time.time()
    email = queue_email(address, "test", subject, "password_changed", user_name="Flaky")
    db.session.commit()
    [message] = smtp_server.wait_for(Subject=subject, timeout=60)
    assert smtp_server.refusals[address] == 0, "the first attempt should have been refused"
    assert message["To"] == address
    _wait_for_status(email.id, EmailStatus.sent)
    log = celery_worker_process.log_path.read_text()
    assert "Retry in" in log and time.time() - started < 60
