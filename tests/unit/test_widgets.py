"""The app's GovSelect writes the same markup as govuk-frontend-wtf's, faster; every form uses it."""
import ast
import re
from pathlib import Path

import pytest
from govuk_frontend_wtf.wtforms_widgets import GovSelect as LibrarySelect
from wtforms import Form, SelectField

from commissioning.core.widgets import GovSelect

ROOT = Path(__file__).resolve().parents[2] / "commissioning"
CHOICES = [("", "Any provider"), ("1", "Alt Valley Youth Partnership"), ("2", "Southside Young People's Arts CIC"),
           ("3", 'Croxteth "Gems" & <Friends>'), ("4", "Ŵyn Ifanc – Cymru")]


def _form(widget, **field_args):
    class F(Form):
        provider = SelectField("Provider", choices=CHOICES, widget=widget(), **field_args)
    return F


def _same(html):
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("data, errors, render_args", [
    ({}, None, {}),
    ({"provider": "3"}, None, {}),
    ({"provider": "2"}, ["Select a provider"], {"params": {"classes": "govuk-!-width-full"}}),
], ids=["nothing chosen", "one chosen (quotes and angle brackets escaped)", "error and classes"])
def test_the_select_is_written_as_the_gov_uk_macro_writes_it(app, data, errors, render_args):
    from werkzeug.datastructures import MultiDict
    with app.test_request_context():
        ours = _form(GovSelect, description="Choose one")(MultiDict(data))
        theirs = _form(LibrarySelect, description="Choose one")(MultiDict(data))
        if errors:
            ours.provider.errors = theirs.provider.errors = errors
        mine, reference = ours.provider(**render_args), theirs.provider(**render_args)
    assert _same(mine) == _same(reference)
    assert mine.count("<option") == len(CHOICES)
    assert "&lt;Friends&gt;" in mine and "<Friends>" not in mine
    if data:
        assert f'value="{data["provider"]}" selected' in mine


def test_every_form_uses_the_apps_select():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.name == "widgets.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("govuk_frontend_wtf") \
                    and any(alias.name == "GovSelect" for alias in node.names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"import GovSelect from commissioning.core.widgets in {offenders}"
