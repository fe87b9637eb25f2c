"""Publishing OCDS releases: each change to a procurement becomes a new release, written once.

The feed used to compile every process afresh on each request, so a release changed under the
same id and date. Now ``publish_releases`` (beat runs it every minute; the demo loader once)
compiles each process's current state and, when it differs from the last release stored for
it, stores a new one: id ``<ocid>-<sequence>``, dated by the change it records when the data
says when that was (published, awarded, signed), else when it was seen. Rows are never updated.
"""
import hashlib
import json
from datetime import datetime, timedelta

from flask import current_app

from commissioning.audit.operations import log_action
from commissioning.core.locks import try_transaction_lock
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.opendata import ocds
from commissioning.opendata.models import PublishedRelease


def digest(release):
    """What a release says, without its id and date, as a SHA-256: equal digests, nothing changed."""
    content = {k: v for k, v in release.items() if k not in ("id", "date")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _latest():
    """({ocid: its latest state release row}, {ocid: its highest sequence}).

    A notice (notices/operations.py) is a release too, cut to what it reports: the state is compared
    with the last state release only, and numbering continues after the notices.
    """
    newest = (db.select(PublishedRelease.ocid, db.func.max(PublishedRelease.sequence).label("sequence"))
              .where(PublishedRelease.notice_type.is_(None)).group_by(PublishedRelease.ocid).subquery())
    rows = db.session.scalars(db.select(PublishedRelease).join(newest, db.and_(
        PublishedRelease.ocid == newest.c.ocid, PublishedRelease.sequence == newest.c.sequence)))
    highest = dict(db.session.execute(db.select(PublishedRelease.ocid, db.func.max(PublishedRelease.sequence))
                                      .group_by(PublishedRelease.ocid)).all())
    return {row.ocid: row for row in rows}, highest


def publish_releases(now=None):
    """Store a new release for every process whose public state changed; returns how many were stored."""
    if not try_transaction_lock("opendata.publish_releases"):
        return 0   # another beat or worker is publishing: it sees the same changes
    now = now or utcnow()
    prefix, authority = current_app.config["OCDS_PREFIX"], current_app.config["AUTHORITY_NAME"]
    latest, highest = _latest()
    stored = []
    for release in ocds.iter_releases(prefix, authority):
        ocid, said = release["ocid"], digest(release)
        last = latest.get(ocid)
        if last is not None and last.digest == said:
            continue
        stamp = datetime.fromisoformat(release["date"])
        if last is not None and stamp <= last.date:
            # The data has no date for this change (a return accepted, a deadline passed): when it was
            # seen, and always after the release before it, so that releases sort in the order made.
            stamp = max(now, last.date + timedelta(seconds=1))
        sequence = highest.get(ocid, 0) + 1
        release_id = f"{ocid}-{sequence}"
        row = PublishedRelease(ocid=ocid, sequence=sequence, release_id=release_id, date=stamp, digest=said,
                               data={**release, "id": release_id, "date": ocds.when(stamp)})
        db.session.add(row)
        stored.append(row)
    if stored:
        db.session.flush()
        # One entry per run, naming every release: a first run over a large register stores thousands.
        log_action(("PublishedRelease", stored[0].id), "ocds.releases_published",
                   f"{len(stored)} OCDS release(s) published", user=None,
                   releases=[row.release_id for row in stored])
    return len(stored)
