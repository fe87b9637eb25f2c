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


def _option_html(value, text, selected=False, disabled=False):
    if isinstance(value, bool):
        value = str(value).lower()
    attributes = "" if value is None else f' value="{escape(value)}"'
    return f"<option{attributes}{' selected' if selected else ''}{' disabled' if disabled else ''}>{escape(text)}</option>"


def _option(item):
    return _option_html(item.get("value"), item.get("text", ""), item.get("selected"), item.get("disabled"))


class GovSelect(_LibrarySelect):
    """A GOV.UK select whose options are written directly (same HTML as the macro's)."""

    def __call__(self, field, **kwargs):
        """As the library's, but each choice goes straight to its ``<option>``, with no item dict
        between (a register's provider filter has hundreds)."""
        if self.multiple or "items" in (kwargs.get("params") or {}):
            return super().__call__(field, **kwargs)  # the library's refusal, or items merged by the macro
        choices = [(value, label, selected) for value, label, selected, _render_kw in field.iter_choices()]
        if any(selected is None for _value, _label, selected in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        kwargs["items"] = []
        params = self.map_gov_params(field, **kwargs)
        params.pop("items", None)
        return self._with_options(params, "".join(_option_html(*choice) for choice in choices))

    def render(self, params):
        items = [item for item in params.pop("items", None) or [] if item]
        if any(item.get("attributes") or item.get("selected") is None for item in items):
            params["items"] = items  # what only the macro knows how to write
            return super().render(params)
        return self._with_options(params, "".join(_option(item) for item in items))

    def _with_options(self, params, options):
        """The macro's select without options, and the options written in before ``</select>``."""
        html = str(render_params(self.template, params))
        cut = html.rindex("</select>")
        return Markup(html[:cut] + options + html[cut:])
