"""Files in and out: uploads checked by content (not just the name) and size, with names cleaned
by the input policy; and every download sent by one helper, whatever the name's alphabet."""
import hashlib
import zipfile
from io import BytesIO
from pathlib import PurePath

from flask import current_app, send_file

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


def send_download(data, filename, mimetype, inline=False, headers=None):
    """The one way a file, CSV or PDF leaves the service.

    ``data`` is bytes, text (sent as UTF-8) or a binary file object. The name goes through
    the input policy and then werkzeug's ``send_file``, which writes ``Content-Disposition``
    with an ASCII ``filename`` and, for any other name, RFC 6266 / RFC 5987
    ``filename*=UTF-8''...``: a header must be Latin-1 (gunicorn refuses anything else), and
    ``Southside’s return – Q3.pdf`` or ``cyfradd-ŵyn-ifanc.csv`` are not. ``inline`` opens it
    in the browser instead of saving it; ``headers`` are added as they are (X-Content-SHA256).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    stream = BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    response = send_file(stream, mimetype=mimetype, as_attachment=not inline,
                         download_name=clean_filename(filename, fallback="download"), etag=False)
    # send_file says no-cache; leave caching to the app's one rule (no-store when signed in).
    response.cache_control.no_cache = None
    response.headers.update(headers or {})
    return response
