"""The task outbox: work recorded in the same transaction as the data it needs.

A row is written with the data; after the commit it is sent to the broker. If the
broker is down the row waits and a periodic sweep sends it later, so a broker outage
delays work but never loses it, and a rolled-back transaction never leaves a task.

A row is complete only when its task says so: the task marks ``completed_at`` in the
same transaction as its own work (``workers.base.task``). A row sent but not completed
after ``OUTBOX_REDELIVER_AFTER`` seconds (its message lost with Redis, or its worker
killed) is sent again, waiting twice as long each time, until ``OUTBOX_MAX_REDELIVERIES``;
then it is given up (``gave_up_at``) with the reason in ``last_error``.
"""
from commissioning.core.models import UTCDateTime, utcnow
from commissioning.extensions import db


class OutboxTask(db.Model):
    __tablename__ = "outbox_tasks"
    __table_args__ = (
        # The sweep reads only undispatched rows; a partial index keeps it small.
        db.Index("ix_outbox_tasks_pending", "created_at",
                 postgresql_where=db.text("dispatched_at IS NULL"),
                 sqlite_where=db.text("dispatched_at IS NULL")),
        # ... and sent rows whose task has not said it is done.
        db.Index("ix_outbox_tasks_unfinished", "dispatched_at",
                 postgresql_where=db.text("completed_at IS NULL AND gave_up_at IS NULL"),
                 sqlite_where=db.text("completed_at IS NULL AND gave_up_at IS NULL")),
    )

    id = db.Column(db.Integer, primary_key=True)
    task_name = db.Column(db.String(200), nullable=False)
    kwargs = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    #: When the broker last accepted a message for this row (first send, a retry or a redelivery).
    dispatched_at = db.Column(UTCDateTime())
    #: Set by the task itself, in the transaction of its work: the work is done.
    completed_at = db.Column(UTCDateTime(), index=True)
    #: How many times the sweep sent the row again because it was not completed.
    redispatch_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    #: Not sent again: its task gave up, or it was redelivered the most times allowed.
    gave_up_at = db.Column(UTCDateTime())
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.String(500))

    def __repr__(self):
        return f"<OutboxTask {self.id} {self.task_name}>"

    @property
    def celery_task_id(self):
        """Stable id so that a task sent twice (sweep and commit hook) is recognisable."""
        return f"outbox-{self.id}"
