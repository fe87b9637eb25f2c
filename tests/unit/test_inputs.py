"""The one input policy (issue 14): downloads whatever the name's alphabet, upload names without
controls or bidi tricks, query strings and API fields without control characters, and ids from
the query string or a form that are out of range or not numbers."""
import ast
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.monitoring import operations as monitoring
from tests.unit.test_api import NEED, assert_error, bearer, token_for  # noqa: F401  (fixture)
from tests.unit.test_monitoring import _first_due, active  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
TYPOGRAPHIC = "Southside’s return – Q3.pdf"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def assert_wsgi_headers(response):
    """PEP 3333: header values are Latin-1, and no line breaks or NUL. gunicorn answers 500 otherwise;
    the test client does not check, so this does."""
    for name, value in response.headers.items():
        value.encode("latin-1")          # UnicodeEncodeError here is the 500 testers saw under gunicorn
        assert not re.search(r"[\x00-\x1f\x7f]", value), (name, value)


def download_name(response):
    """The name a browser saves the file as: ``filename*`` (RFC 6266 / 5987) if given, else ``filename``."""
    header = response.headers["Content-Disposition"]
    extended = re.search(r"filename\*=UTF-8''([^;\s]+)", header, re.IGNORECASE)
    if extended:
        return unquote(extended.group(1), encoding="utf-8", errors="strict")
    plain = re.search(r'filename="?([^";]+)"?', header)
    return plain.group(1)


def ascii_fallback(response):
    return re.search(r'filename="?([^";]*)"?(;|$)', response.headers["Content-Disposition"]).group(1)


# --- a. downloads --------------------------------------------------------------------------------

def _return_with_attachment(active, login, client, name, content):
    agreement, provider, monitor, _c = active()
    due = _first_due(agreement)
    login(provider)
    response = client.post(f"/returns/{due.id}", data={"action": "save", "attachment": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return due, monitoring.return_for(due), monitor


def test_a_return_attachment_with_a_typographic_name_downloads_under_that_name(active, login, client):
    due, ret, _monitor = _return_with_attachment(active, login, client, TYPOGRAPHIC, PDF)
    assert db.session.get(StoredFile, ret.attachment_file_id).filename == TYPOGRAPHIC
    response = client.get(f"/returns/{due.id}/attachment")
    assert response.status_code == 200 and response.data == PDF
    assert_wsgi_headers(response)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert download_name(response) == TYPOGRAPHIC
    assert ascii_fallback(response).endswith("Q3.pdf") and ascii_fallback(response).isascii()
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"      # signed in: the app's one caching rule


def test_a_welsh_indicator_name_gives_a_csv_download(client, create_indicator):
    indicator = create_indicator(name="Cyfradd ŵyn ifanc")
    response = client.get(f"/indicators/{indicator.id}.csv")
    assert response.status_code == 200
    assert_wsgi_headers(response)
    assert download_name(response) == "cyfradd-ŵyn-ifanc.csv"
    assert ascii_fallback(response) == "cyfradd-wyn-ifanc.csv"
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert "Cyfradd ŵyn ifanc" in response.get_data(as_text=True)


def test_a_contract_document_opens_inline_and_keeps_its_hash_header(active, login, client):
    agreement, provider, _m, _c = active()
    document = agreement.document
    login(provider)
    response = client.get(f"/contracts/{agreement.id}/documents/{document.version}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert_wsgi_headers(response)
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert download_name(response) == f"{agreement.reference}-v{document.version}.pdf"
    assert response.headers["X-Content-SHA256"] == document.sha256
    assert response.mimetype == "application/pdf"


def test_a_name_stored_before_the_policy_is_served_without_its_controls(app):
    from commissioning.files.util import send_download
    with app.test_request_context("/"):
        response = send_download(b"x", "old\x00report\u202e\n.pdf", "application/pdf")
    assert_wsgi_headers(response)
    assert download_name(response) == "oldreport .pdf"


def _source_files():
    return sorted((ROOT / "commissioning").rglob("*.py"))


def test_every_download_goes_through_send_download():
    """A route that writes Content-Disposition by hand (or calls send_file itself) fails here: the one
    helper is what makes names outside Latin-1 work and keeps them clean."""
    helper = ROOT / "commissioning" / "files" / "util.py"
    found = []
    for path in _source_files():
        if path == helper:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and "content-disposition" in node.value.lower():
                found.append(f"{where} writes Content-Disposition")
            elif isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", "")) \
                    == "send_file":
                found.append(f"{where} calls send_file")
            elif isinstance(node, ast.ImportFrom) and any(a.name == "send_file" for a in node.names):
                found.append(f"{where} imports send_file")
    assert found == [], "use commissioning.files.util.send_download instead:\n" + "\n".join(found)


# --- b. upload names ------------------------------------------------------------------------------

def test_a_right_to_left_override_is_not_kept_in_a_stored_name(active, login, client):
    # Shown as "Q3 figurestxt.csv" with the override; it is really a .txt file.
    _due, ret, _monitor = _return_with_attachment(active, login, client, "Q3 figures\u202ecsv.txt",
                                                  b"name,sessions\nA,3\n")
    stored = db.session.get(StoredFile, ret.attachment_file_id)
    assert stored.filename == "Q3 figurescsv.txt"


@pytest.mark.parametrize("sent, kept", [
    ("report\x00.pdf", "report.pdf"),                      # SQLite stored the NUL, and served it
    ("report\u202efdp.pdf", "reportfdp.pdf"),
    ("\u2067Southside\u2069 plan.pdf", "Southside plan.pdf"),
    ("line\nbreak\tand\u2028more.pdf", "line break and more.pdf"),
    ("C:\\fakepath\\minutes\x85.pdf", "minutes .pdf"),
    ("../../etc/.hidden.pdf", "hidden.pdf"),
    (TYPOGRAPHIC, TYPOGRAPHIC),
    ("Cyfradd ŵyn ifanc.pdf", "Cyfradd ŵyn ifanc.pdf"),
    ("w" * 300 + ".pdf", "w" * 251 + ".pdf"),              # shortened in the stem: still a PDF
])
def test_uploaded_names_lose_controls_bidi_overrides_and_folders(app, sent, kept):
    from commissioning.files.util import check_upload
    filename, content_type, _data = check_upload(FileStorage(io.BytesIO(PDF), filename=sent))
    assert filename == kept and content_type == "application/pdf"


def test_a_name_of_only_controls_is_no_name(app):
    from commissioning.files.util import UploadError, check_upload
    with pytest.raises(UploadError, match="Choose a file"):
        check_upload(FileStorage(io.BytesIO(PDF), filename="\x00\u202e"))


# --- c. query strings and API fields --------------------------------------------------------------

@pytest.mark.parametrize("url, name", [("/admin/mail?to=%00", "to"), ("/admin/audit?action=%00", "action"),
                                       ("/admin/audit?action=need.created&user=1%0A", "user"),
                                       ("/admin/mail?%00to=x", "to")])
def test_control_characters_in_a_query_string_are_a_clear_400(login, create_user, url, name):
    client = login(create_user(Role.admin))
    response = client.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There was a problem with your request" in page
    assert f"hidden control characters in “{name}”" in page
    assert client.get("/admin/mail?to=someone").status_code == 200


def test_the_error_page_shows_what_abort_said_but_not_werkzeugs_stock_sentences():
    from werkzeug.exceptions import BadRequest, BadRequestKeyError, NotFound

    from commissioning.setup import _described
    assert _described(BadRequest(description="The date is not a date")) == "The date is not a date"
    assert [_described(e) for e in (BadRequest(), BadRequestKeyError("lot"), NotFound())] == [None, None, None]


def test_the_query_check_covers_public_pages_too(client):
    assert client.get("/whats-on?q=a%09b").status_code == 400
    assert client.get("/indicators?x=%1b").status_code == 400
    assert client.get("/whats-on?q=caf%C3%A9").status_code == 200        # accents are not controls


def test_control_characters_in_an_api_query_get_the_api_error_shape(app, create_user, token_for):
    client = app.test_client()
    headers = bearer(token_for(create_user(Role.commissioner)))
    body = assert_error(client.get("/api/v1/needs?status=%00", headers=headers), 400)
    assert list(body["errors"]) == ["status"] and "control characters" in body["message"]
    assert assert_error(client.get("/api/v1/indicators?page=1%00"), 400)["errors"] == {
        "page": [body["message"].replace("“status”", "“page”")]}


NEED_STRINGS = [("title", "Bad\x00title"), ("title", "Two\nlines"), ("title", "A\ttab"),
                ("need_not_met", "No\x00pe"), ("how_identified", "\x1b[31mred"), ("desired_outcomes", "\x7f"),
                ("plan_priorities", "\ud800"), ("tier", "universal\x00"), ("groups", ["young_carers\x00"]),
                ("outcomes", ["enjoy_and_achieve\x00"])]


@pytest.mark.parametrize("field, value", NEED_STRINGS)
def test_every_string_field_of_an_api_write_refuses_control_characters(app, create_user, create_locality,
                                                                       token_for, field, value):
    headers = bearer(token_for(create_user(Role.commissioner), "write"))
    need = {**NEED, "locality_ids": [create_locality().id], field: value}
    body = assert_error(app.test_client().post("/api/v1/needs", json=need, headers=headers), 422)
    assert list(body["errors"]) == [field], body


def test_long_text_in_the_api_may_have_tabs_and_line_breaks(app, create_user, create_locality, token_for):
    headers = bearer(token_for(create_user(Role.commissioner), "write"))
    need = {**NEED, "locality_ids": [create_locality().id], "need_not_met": "First line\nSecond\tline"}
    response = app.test_client().post("/api/v1/needs", json=need, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["need_not_met"] == "First line\nSecond\tline"


def test_a_kpi_name_with_a_line_break_is_refused_as_a_field(app, active, create_user, token_for):
    agreement, provider, _m, _c = active()
    headers = bearer(token_for(provider, "write"))
    kpi = agreement.kpis[0]["name"]
    url = f"/api/v1/returns/{_first_due(agreement).id}"
    body = assert_error(app.test_client().patch(url, json={"kpi_actuals": {kpi + "\n": 3}}, headers=headers), 422)
    assert list(body["errors"]) == ["kpi_actuals"] and "control characters" in str(body["errors"])
    body = assert_error(app.test_client().patch(url, json={"issues": "late\x00"}, headers=headers), 422)
    assert list(body["errors"]) == ["issues"]


def test_every_api_input_schema_applies_the_policy_to_every_string_field(app):
    """A string field added to an input schema without Text() still gets the single-line rule."""
    from marshmallow import fields, validate

    from commissioning.api import schemas
    inputs = [c for c in vars(schemas).values() if isinstance(c, type) and issubclass(c, schemas.Schema)
              and (c.__name__.endswith("In") or c.__name__.endswith("Args"))]
    assert {"NeedIn", "ReturnIn", "NeedArgs", "ReturnArgs"} <= {c.__name__ for c in inputs}
    for cls in inputs:
        assert issubclass(cls, schemas.InputSchema), cls
        for name, field in cls().fields.items():
            for inner in schemas._strings_in(field):
                if isinstance(inner, fields.String):
                    assert any(isinstance(v, (schemas.PlainText, validate.OneOf)) for v in inner.validators), \
                        (cls.__name__, name)

    class Later(schemas.InputSchema):
        note = fields.String()
        tags = fields.List(fields.String())
    errors = Later().validate({"note": "a\x00", "tags": ["ok", "b\nc"]})
    assert set(errors) == {"note", "tags"} and list(errors["tags"]) == [1]


def test_the_openapi_document_gives_the_same_rule_as_a_pattern(app):
    from commissioning.core.inputs import has_control_characters
    spec = app.test_client().get("/api/openapi.json").get_json()
    need = spec["components"]["schemas"]["NeedIn"]["properties"]
    title, long_text = re.compile(need["title"]["pattern"]), re.compile(need["need_not_met"]["pattern"])
    for text in ("plain", "a\tb", "a\nb", "a\x00b", "a\x85b", "ŵyn"):
        assert bool(long_text.match(text)) is not has_control_characters(text, multiline=True), text
        assert bool(title.match(text)) is not has_control_characters(text), text


# --- d. ids from the query string and forms -------------------------------------------------------

@pytest.mark.parametrize("spec", ["99999999999999999999", "2147483648", "-1", "abc", "1e3", ""])
def test_a_spec_that_cannot_be_an_id_is_not_chosen(login, create_user, spec):
    client = login(create_user(Role.commissioner))
    response = client.get(f"/opportunities/new?spec={spec}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/specifications")


def test_ids_in_query_strings_and_forms_are_32_bit(app):
    from werkzeug.datastructures import MultiDict

    from commissioning.core.inputs import MAX_ID, arg_id, arg_ids, to_id
    assert [to_id(v) for v in ("1", " 42 ", str(MAX_ID), str(MAX_ID + 1), "0", "-3", "٣", "²", "1.0", "", None)] \
        == [1, 42, MAX_ID, None, None, None, None, None, None, None, None]
    with app.test_request_context("/?need=3&need=99999999999999999999&need=x&need=4&spec=7"):
        assert arg_ids("need") == [3, 4] and arg_id("spec") == 7 and arg_id("missing") is None
        assert arg_id("bid", MultiDict({"bid": "99999999999999999999"})) is None


def test_query_and_form_ids_are_read_by_one_helper():
    """No view turns a query-string or form value into an id with int() or type=int by itself."""
    found = []
    for path in (ROOT / "commissioning").rglob("views.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"type=int|\bint\(request\.args|\bint\(\w+\) for \w+ in request\.|"
                         r"db\.session\.get\([^)]*request\.", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "use commissioning.core.inputs.arg_id / arg_ids / to_id:\n" + "\n".join(found)
