from sqlalchemy.orm import deferred

from commissioning.core.models import TimestampMixin
from commissioning.extensions import db


class StoredFile(TimestampMixin, db.Model):
    __tablename__ = "stored_files"

    id = db.Column(db.Integer, primary_key=True)
    filename = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(120), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    data = deferred(db.Column(db.LargeBinary, nullable=False))  # loaded only for downloads
    uploaded_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self):
        return f"<StoredFile {self.id} {self.filename!r}>"
