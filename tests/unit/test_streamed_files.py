"""Stored files leave in pieces read from the database, with byte ranges and a validator."""
import hashlib
import os
from datetime import date

import pytest
from sqlalchemy import event

from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.files.util import CHUNK_BYTES

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def evidence_file(create_user, create_need):
    """``evidence_file(data, name)``: (signed-in commissioner's client, the file's URL, its stored row)."""
    def make(data=PDF, name="survey.pdf", content_type="application/pdf"):
        from commissioning.needs.models import EvidenceSource
        from commissioning.needs.operations import add_evidence
        need = create_need()
        item = add_evidence(need, None, EvidenceSource.schools, date(2026, 1, 5), "A survey",
                            upload=(name, content_type, data))
        db.session.commit()
        return f"/needs/{need.id}/evidence/{item.id}/file", item.file
    return make


@pytest.fixture
def commissioner(create_user, login):
    return login(create_user(Role.commissioner))


@pytest.fixture
def statements(app):
    """The SQL statements run while the block runs (as text)."""
    from contextlib import contextmanager

    @contextmanager
    def capture():
        seen = []

        def before(_conn, _cursor, statement, *_args):
            seen.append(statement)
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    return capture


def _pieces(seen):
    return [s for s in seen if "substr(" in s.lower()]


def test_a_range_of_a_stored_pdf_is_exactly_those_bytes(evidence_file, commissioner):
    url, stored = evidence_file()
    whole = commissioner.get(url)
    assert whole.status_code == 200 and whole.data == PDF
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Length"] == str(len(PDF))

    part = commissioner.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.data == PDF[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(PDF)}"
    assert part.headers["Content-Length"] == "1000"

    tail = commissioner.get(url, headers={"Range": "bytes=-7"})
    assert tail.status_code == 206 and tail.data == PDF[-7:]
    rest = commissioner.get(url, headers={"Range": f"bytes={len(PDF) - 3}-"})
    assert rest.status_code == 206 and rest.data == PDF[-3:]
    # The download keeps its name, type and the signed-in rule whatever part is asked for.
    assert part.headers["Content-Disposition"] == whole.headers["Content-Disposition"]
    assert part.mimetype == "application/pdf"
    assert part.headers["Cache-Control"] == "no-store"


def test_ranges_that_cannot_be_served(evidence_file, commissioner):
    url, stored = evidence_file()
    beyond = commissioner.get(url, headers={"Range": f"bytes={len(PDF)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(PDF)}"
    assert beyond.data == b""
    # Several ranges, or a unit other than bytes: the whole file (RFC 9110 lets a server ignore them).
    several = commissioner.get(url, headers={"Range": "bytes=0-1,5-9"})
    assert several.status_code == 200 and several.data == PDF
    assert commissioner.get(url, headers={"Range": "pages=1-2"}).data == PDF
    # If-Range: the part is sent only if the file is still the one the client holds part of.
    same = commissioner.get(url, headers={"Range": "bytes=0-9", "If-Range": f'"{stored.sha256}"'})
    assert same.status_code == 206 and same.data == PDF[:10]
    changed = commissioner.get(url, headers={"Range": "bytes=0-9", "If-Range": '"something-else"'})
    assert changed.status_code == 200 and changed.data == PDF


def test_a_large_file_is_streamed_from_the_database_in_pieces(evidence_file, commissioner, statements):
    data = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)
    url, stored = evidence_file(data, "big report.pdf")
    with statements() as seen:
        response = commissioner.get(url, buffered=False)
        assert response.is_streamed
        # werkzeug's test client takes the first item to see the answer start; a server takes none.
        assert len(_pieces(seen)) <= 1, "the pieces are read as the body is, not before"
        received = [bytes(chunk) for chunk in response.response]
        response.close()
    assert b"".join(received) == data
    pieces = _pieces(seen)
    assert len(pieces) == -(-len(data) // CHUNK_BYTES)  # 13 queries of 256 KiB for 3 MiB and a bit
    assert max(len(chunk) for chunk in received) == CHUNK_BYTES
    # The column is never selected whole: every read of it is a substr().
    assert not [s for s in seen if "stored_files.data" in s and "substr(" not in s.lower()]
    assert response.headers["Content-Length"] == str(len(data))


def test_a_range_reads_only_the_pieces_it_needs(evidence_file, commissioner, statements):
    data = b"%PDF-1.7\n" + os.urandom(2 * 1024 * 1024)
    url, _stored = evidence_file(data)
    start = 5 * CHUNK_BYTES + 10
    with statements() as seen:
        response = commissioner.get(url, headers={"Range": f"bytes={start}-{start + 99}"})
    assert response.status_code == 206 and response.data == data[start:start + 100]
    assert len(_pieces(seen)) == 1


def test_a_stored_file_has_its_sha256_as_etag_and_a_repeat_is_304(evidence_file, commissioner, statements):
    url, stored = evidence_file()
    first = commissioner.get(url)
    assert first.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"' == f'"{stored.sha256}"'
    with statements() as seen:
        again = commissioner.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert _pieces(seen) == [], "a 304 reads nothing of the file"
    assert commissioner.get(url, headers={"If-None-Match": '"other"'}).data == PDF


def test_head_reads_no_piece(evidence_file, commissioner, statements):
    url, _stored = evidence_file()
    with statements() as seen:
        response = commissioner.head(url)
    assert response.status_code == 200 and response.headers["Content-Length"] == str(len(PDF))
    assert _pieces(seen) == []


def test_a_name_outside_latin1_still_works_when_streamed(evidence_file, commissioner):
    url, _stored = evidence_file(b"a,b\n1,2\n", "cyfradd-ŵyn-ifanc.csv", "text/csv")
    response = commissioner.get(url)
    assert response.data == b"a,b\n1,2\n"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''cyfradd-%C5%B5yn-ifanc.csv" in disposition
    response.headers["Content-Disposition"].encode("latin-1")
    assert response.mimetype == "text/csv"


def test_generated_downloads_take_ranges_and_validators_too(client, create_indicator):
    indicator = create_indicator()
    db.session.commit()
    url = f"/indicators/{indicator.id}.csv"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["ETag"] == f'"{hashlib.sha256(whole.data).hexdigest()}"'
    part = client.get(url, headers={"Range": "bytes=0-4"})
    assert part.status_code == 206 and part.data == whole.data[:5]
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    beyond = client.get(url, headers={"Range": f"bytes={len(whole.data) + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(whole.data)}"


def test_pieces_are_the_same_bytes_on_sqlite(tmp_path):
    """The embedded set-up stores files as SQLite blobs: its substr() counts bytes from 1 as PostgreSQL's does."""
    from sqlalchemy import create_engine, insert

    from commissioning.core.models import utcnow
    from commissioning.files.models import StoredFile
    from commissioning.files.util import piece_query
    engine = create_engine(f"sqlite:///{tmp_path / 'files.sqlite'}")
    db.metadata.create_all(engine)
    data = bytes(range(256)) * 10 + "ŵ".encode()
    with engine.begin() as conn:
        file_id = conn.execute(insert(StoredFile).values(filename="a.bin", content_type="text/plain", size=len(data),
                                                         sha256="x" * 64, data=data, created_at=utcnow())
                               ).inserted_primary_key[0]
        for at, length in ((0, 10), (255, 3), (len(data) - 2, 2), (100, 1000)):
            assert conn.execute(piece_query(file_id, at, length)).scalar() == data[at:at + length]
    engine.dispose()
