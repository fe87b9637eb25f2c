"""Checks for uploads: allowed kinds by content (not just the name) and a size limit."""
import hashlib
import zipfile
from io import BytesIO
from pathlib import PurePath

from flask import current_app

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
    filename = PurePath((storage.filename or "").replace("\\", "/")).name.strip()
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
    return filename[-255:], content_type, data


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()
