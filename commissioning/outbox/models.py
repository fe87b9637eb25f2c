from commissioning.core.models import UTCDateTime, utcnow
from commissioning.extensions import db


class OutboxTask(db.Model):
    __tablename__ = "outbox_tasks"
    __table_args__ = (
        # The sweep reads only undispatched rows; a partial index keeps it small.
        db.Index("ix_outbox_tasks_pending", "created_at",
                 postgresql_where=db.text("dispatched_at IS NULL"),
                 sqlite_where=db.text("dispatched_at IS NULL")),
    )

    id = db.Column(db.Integer, primary_key=True)
    task_name = db.Column(db.String(200), nullable=False)
    kwargs = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    dispatched_at = db.Column(UTCDateTime())
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.String(500))

    def __repr__(self):
        return f"<OutboxTask {self.id} {self.task_name}>"

    @property
    def celery_task_id(self):
        """Stable id so that a task sent twice (sweep and commit hook) is recognisable."""
        return f"outbox-{self.id}"
