"""Files in and out: uploads checked by content (not just the name) and size, with names cleaned
by the input policy; and every download sent by one helper, whatever the name's alphabet."""
import hashlib
import zipfile
from io import BytesIO
from pathlib import PurePath

from flask import current_app, request, send_file
from werkzeug.datastructures import ContentRange
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from commissioning.core.inputs import clean_filename

# extension -> (content type, check of the first bytes or whole content)
ALLOWED = {
    ".pdf": ("application/pdf", lambda b: b.startswith(b"%PDF-")),
    ".png": ("image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              lambda b: _zip_has(b, "word/")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              lambda b: _zip_has(b, "xl/")),
    ".odt": ("application/vnd.oasis.opendocument.text", lambda b: _zip_has(b, "content.xml")),
    ".csv": ("text/csv", lambda b: _is_text(b)),
    ".txt": ("text/plain", lambda b: _is_text(b)),
}


def _zip_has(data, prefix):
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return any(name.startswith(prefix) for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _is_text(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


class UploadError(ValueError):
    """The message is shown to the person who uploaded the file."""


def check_upload(storage):
    """Read and check a werkzeug FileStorage; return (filename, content_type, data)."""
    # No controls, bidi overrides or folders: the name is stored, shown and served back later.
    filename = clean_filename(storage.filename, fallback="", max_length=255)
    if not filename:
        raise UploadError("Choose a file to upload")
    ext = PurePath(filename).suffix.lower()
    if ext not in ALLOWED:
        raise UploadError("The file must be a PDF, Word document, spreadsheet, CSV, text file or image (PNG or JPEG)")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"The file must be smaller than {limit // (1024 * 1024)} MB")
    if not data:
        raise UploadError("The selected file is empty")
    content_type, looks_right = ALLOWED[ext]
    if not looks_right(data):
        raise UploadError(f"The file’s contents do not match its name ({ext})")
    return filename, content_type, data


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


#: Bytes read from the database per query when a stored file is sent.
CHUNK_BYTES = 256 * 1024


def send_download(data, filename, mimetype, inline=False, headers=None):
    """The one way a file, CSV or PDF leaves the service.

    ``data`` is a ``StoredFile`` (streamed from the database in pieces, never read whole),
    bytes, text (sent as UTF-8) or a binary file object. The name goes through the input
    policy and then werkzeug's ``send_file``, which writes ``Content-Disposition`` with an
    ASCII ``filename`` and, for any other name, RFC 6266 / RFC 5987
    ``filename*=UTF-8''...``: a header must be Latin-1 (gunicorn refuses anything else), and
    ``Southside’s return – Q3.pdf`` or ``cyfradd-ŵyn-ifanc.csv`` are not. ``inline`` opens it
    in the browser instead of saving it; ``headers`` are added as they are (X-Content-SHA256).

    Every answer takes ``Range`` (206, or 416 with ``Content-Range: bytes */size``) and has a
    strong ``ETag`` from its SHA-256 where the bytes are known, so a repeat is a 304.
    """
    name = clean_filename(filename, fallback="download")
    if _is_stored(data):
        response = _send_stored(data, name, mimetype, inline)
    else:
        if isinstance(data, str):
            data = data.encode("utf-8")
        known = isinstance(data, (bytes, bytearray, memoryview))
        stream = BytesIO(data) if known else data
        try:
            response = send_file(stream, mimetype=mimetype, as_attachment=not inline, download_name=name,
                                 etag=sha256_of(data) if known else False, conditional=True)
        except RequestedRangeNotSatisfiable:
            response = _unsatisfiable(len(data) if known else None)
    # send_file says no-cache; leave caching to the app's one rule (core/caching.py: no-store when signed in).
    response.cache_control.no_cache = None
    response.headers.update(headers or {})
    return response


def _is_stored(data):
    from commissioning.files.models import StoredFile
    return isinstance(data, StoredFile)


def _send_stored(stored, name, mimetype, inline):
    """A stored file as a stream of pieces read from the database, the whole of it or one byte range."""
    # The headers werkzeug writes for a download (type, disposition), from an empty body.
    shell = send_file(BytesIO(), mimetype=mimetype, as_attachment=not inline, download_name=name, etag=False,
                      conditional=False)
    span = _requested_span(stored.size, stored.sha256)
    if span is False:
        response = _unsatisfiable(stored.size)
        response.set_etag(stored.sha256)
        return response
    start, stop = span or (0, stored.size)
    response = current_app.response_class(read_pieces(stored.id, start, stop),
                                          status=206 if span else 200, direct_passthrough=True)
    for header in ("Content-Type", "Content-Disposition"):
        response.headers[header] = shell.headers[header]
    shell.close()
    response.headers["Content-Length"] = str(stop - start)
    response.accept_ranges = "bytes"
    if span:
        response.content_range = ContentRange("bytes", start, stop, stored.size)
    response.set_etag(stored.sha256)
    return response.make_conditional(request)  # If-None-Match: 304, and no piece is read


def _requested_span(size, etag):
    """The one byte range asked for as (start, stop); None for the whole file (no Range, one not
    understood, several ranges, or an If-Range the file no longer matches); False if unsatisfiable."""
    if request.method not in ("GET", "HEAD") or "Range" not in request.headers:
        return None
    if_range = request.if_range
    if if_range.date is not None or (if_range.etag is not None and if_range.etag != etag):
        return None  # no Last-Modified here, and a changed ETag means the part held is stale
    wanted = request.range
    if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
        return None
    span = wanted.range_for_length(size)
    return span if span is not None else False


def _unsatisfiable(size):
    response = current_app.response_class(status=416)
    if size is not None:
        response.headers["Content-Range"] = f"bytes */{size}"
    response.accept_ranges = "bytes"
    return response


def read_pieces(file_id, start, stop, chunk=CHUNK_BYTES):
    """Bytes ``start`` to ``stop`` of a stored file, ``chunk`` at a time, each by its own query
    (``substr`` counts from 1, on PostgreSQL bytea as on SQLite blobs).

    The pieces are read after the request has ended, while the body is sent: each in an app
    context of its own, pushed and popped around its query, so no connection is held while the
    client takes a piece and nothing is left open if the body is never read (HEAD, 304).
    """
    return _pieces(current_app._get_current_object(), file_id, start, stop, chunk)


def piece_query(file_id, at, length):
    """``length`` bytes of a stored file from offset ``at`` (0-based), as one SELECT."""
    from commissioning.extensions import db
    from commissioning.files.models import StoredFile
    return db.select(db.func.substr(StoredFile.data, at + 1, length)).where(StoredFile.id == file_id)


def _pieces(app, file_id, start, stop, chunk):
    from commissioning.extensions import db
    at = start
    while at < stop:
        with app.app_context():
            piece = db.session.scalar(piece_query(file_id, at, min(chunk, stop - at)))
        if not piece:
            return  # deleted while it was being sent: the short body tells the client
        yield bytes(piece)
        at += len(piece)
