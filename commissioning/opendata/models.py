"""Published OCDS releases: written once, never changed (a change to a process is a new release)."""
from commissioning.core.models import UTCDateTime
from commissioning.extensions import db


class PublishedRelease(db.Model):
    """One OCDS release as it was published; the feed lists these and records are compiled from them."""

    __tablename__ = "ocds_releases"
    __table_args__ = (db.UniqueConstraint("ocid", "sequence"),)

    id = db.Column(db.Integer, primary_key=True)          # the feed's order and its paging cursor
    ocid = db.Column(db.String(120), nullable=False, index=True)
    sequence = db.Column(db.Integer, nullable=False)      # 1, 2, ... within the process
    release_id = db.Column(db.String(140), nullable=False, unique=True)
    date = db.Column(UTCDateTime(), nullable=False, index=True)
    digest = db.Column(db.String(64), nullable=False)     # of what it says, without its id and date
    data = db.Column(db.JSON, nullable=False)
    notice_type = db.Column(db.String(4))                 # "UK4" for a Procurement Act notice; empty: a state change

    def __repr__(self):
        return f"<PublishedRelease {self.release_id}>"
