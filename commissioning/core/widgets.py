"""GOV.UK widgets the app renders faster than govuk-frontend-wtf does, with the same markup.

``GovSelect``: the library renders each ``<option>`` through the GOV.UK Jinja macro (a
``govukAttributes`` call, filters and tests per option) inside a full ``render_template``
(every context processor again, per field). A filter of 300 providers cost a third of the
contracts register's time. Here the GOV.UK macro still draws the form group, label, hint,
error and ``<select>`` itself; only the options are written in Python, as the macro writes
them (``tests/unit/test_widgets.py`` compares the two). Forms import ``GovSelect`` from
here, never from the library (the same test fails when one does).
"""
from flask import current_app
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovSelect as _LibrarySelect
from markupsafe import Markup, escape


def render_params(template, params):
    """A widget's template with its ``params`` alone, as Markup.

    The library renders each field with ``render_template``, which runs every context
    processor again per field (the sign-out form and its CSRF token among them, on every
    page of someone signed in). Its widget templates only pass ``params`` to a GOV.UK macro,
    and macros imported without context see nothing else: the markup is the same.
    """
    return Markup(current_app.jinja_env.get_template(template).render(params=params))


def _render(self, params):
    return render_params(self.template, params)


def install():
    """Every GOV.UK widget (text inputs, buttons, checkboxes... from the library or from here)
    renders through render_params. Called once by create_app (setup.configure_templates)."""
    GovFormBase.render = _render


def _option(item):
    value = item.get("value")
    if isinstance(value, bool):
        value = str(value).lower()
    attributes = "" if value is None else f' value="{escape(value)}"'
    selected = " selected" if item.get("selected") else ""
    disabled = " disabled" if item.get("disabled") else ""
    return f"<option{attributes}{selected}{disabled}>{escape(item.get('text', ''))}</option>"


class GovSelect(_LibrarySelect):
    """A GOV.UK select whose options are written directly (same HTML as the macro's)."""

    def render(self, params):
        items = [item for item in params.pop("items", None) or [] if item]
        if any(item.get("attributes") or item.get("selected") is None for item in items):
            params["items"] = items  # what only the macro knows how to write
            return super().render(params)
        html = str(render_params(self.template, params))
        cut = html.rindex("</select>")
        return Markup(html[:cut] + "".join(_option(item) for item in items) + html[cut:])
