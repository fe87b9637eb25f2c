from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import sha256_of


def store_file(filename, content_type, data, user=None):
    """Keep a checked upload; it commits with the record that refers to it, or not at all."""
    stored = StoredFile(filename=filename, content_type=content_type, size=len(data),
                        sha256=sha256_of(data), data=data, uploaded_by_id=user.id if user else None)
    db.session.add(stored)
    db.session.flush()
    return stored
