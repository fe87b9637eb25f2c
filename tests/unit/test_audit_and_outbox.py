from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.audit.operations import log_action
from commissioning.extensions import db
from commissioning.mail.models import EmailStatus, OutgoingEmail
from commissioning.mail.operations import deliver_email, queue_email
from commissioning.outbox.models import OutboxTask
from commissioning.outbox.operations import enqueue_task


def test_log_action_records_who_what_and_details(create_user):
    user = create_user(Role.commissioner)
    entry = log_action(user, "user.test", "Something happened", user=user, reason="because")
    db.session.flush()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.object_type, stored.object_id, stored.action) == ("User", user.id, "user.test")
    assert stored.details == {"reason": "because"} and stored.user_id == user.id


def test_audit_page_filters_by_action_person_and_date(login, create_user):
    admin = create_user(Role.admin, name="Ada Admin")
    other = create_user(Role.evaluator, name="Evan Evaluator")
    log_action(other, "special.action", "Evan did the special thing", user=other)
    log_action(admin, "other.action", "Ada did another thing", user=admin)
    db.session.commit()
    client = login(admin)
    html = client.get("/admin/audit?action=special.action").get_data(as_text=True)
    assert "Evan did the special thing" in html and "Ada did another thing" not in html
    html = client.get(f"/admin/audit?user={admin.id}&action=other.action").get_data(as_text=True)
    assert "Ada did another thing" in html and "Evan did" not in html
    html = client.get("/admin/audit?date_from=1/1/2001&date_to=31/12/2001").get_data(as_text=True)
    assert "No entries match these filters" in html
    bad = client.get("/admin/audit?date_from=31/2/2026").get_data(as_text=True)
    assert "There is a problem" in bad


def test_audit_page_uses_constant_queries(login, create_user, count_queries):
    admin = create_user(Role.admin)
    client = login(admin)

    def queries_with(n):
        for i in range(n):
            log_action(admin, "bulk.action", f"Entry {i}", user=admin)
        db.session.commit()
        with count_queries() as count:
            assert client.get("/admin/audit").status_code == 200
        return count()

    assert queries_with(5) == queries_with(60)


def test_enqueued_task_is_kept_in_outbox_until_dispatched(app):
    row = enqueue_task("mail.send_email", email_id=123)
    db.session.commit()
    stored = db.session.get(OutboxTask, row.id)
    assert stored.dispatched_at is None and stored.kwargs == {"email_id": 123}
    assert stored.celery_task_id == f"outbox-{row.id}"


def test_rolled_back_transaction_leaves_no_task_and_no_mail(app):
    before = db.session.scalar(db.select(db.func.count(OutboxTask.id)))
    queue_email("x@example.org", "test", "Subject", "password_changed", user_name="X")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(OutboxTask.id))) == before
    assert db.session.scalar(db.select(db.func.count(OutgoingEmail.id))) == 0


def test_outbox_mail_backend_holds_mail_for_admins_once(app, login, create_user):
    email = queue_email("reader@example.org", "test", "Hello reader", "password_changed", user_name="Reader")
    db.session.commit()
    deliver_email(email.id)
    first_sent = email.sent_at
    deliver_email(email.id)  # idempotent: nothing changes the second time
    assert email.status is EmailStatus.held and email.sent_at == first_sent and email.attempts == 1
    db.session.commit()
    client = login(create_user(Role.admin))
    listing = client.get("/admin/mail").get_data(as_text=True)
    assert "Hello reader" in listing
    message = client.get(f"/admin/mail/{email.id}").get_data(as_text=True)
    assert "has just been changed" in message


def test_email_status_transitions_are_declared_once():
    assert EmailStatus.pending.can_become(EmailStatus.sent)
    assert not EmailStatus.sent.can_become(EmailStatus.pending)
