"""Validators shared by every domain's forms."""
import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import ValidationError

from commissioning.core.inputs import CONTROL_MESSAGE, has_control_characters, strip_controls


class _KeyedCSRFTokenField(CSRFTokenField):
    """The CSRF token, rendered with a fresh request key beside it.

    Every template already renders ``form.csrf_token``, so every form sends a key without
    a template knowing: see ``commissioning.idempotency`` for what the key does.
    """

    def __call__(self, **kwargs):
        from commissioning.idempotency.operations import FIELD, new_key
        return Markup(f'{super().__call__(**kwargs)}'
                      f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


class _KeyedCSRF(_FlaskFormCSRF):
    field_class = _KeyedCSRFTokenField


def request_key_input():
    """For the rare template that writes its CSRF input by hand."""
    from commissioning.idempotency.operations import FIELD, new_key
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


class Form(FlaskForm):
    """The base of every form: a request key beside the CSRF token, and the one input policy.

    Text fields refuse control characters (newlines and tabs only in text areas) with an
    error on the field, before any validator or the database sees them.
    """

    class Meta:
        csrf_class = _KeyedCSRF

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators=extra_validators)
        return self._refuse_controls(self) and ok

    @staticmethod
    def _refuse_controls(form):
        ok = True
        for field in form:
            entries = getattr(field, "entries", None)
            sub = getattr(field, "form", None)
            if entries is not None:
                for entry in entries:
                    inner = getattr(entry, "form", None)
                    ok = (Form._refuse_controls(inner) if inner is not None else _check_field(entry)) and ok
            elif sub is not None and hasattr(sub, "_fields"):
                ok = Form._refuse_controls(sub) and ok
            else:
                ok = _check_field(field) and ok
        return ok


def _check_field(field):
    if field.type in ("CSRFTokenField", "_KeyedCSRFTokenField", "FileField", "MultipleFileField"):
        return True
    values = field.raw_data or []
    multiline = field.type == "TextAreaField" or type(field.widget).__name__ in ("GovTextArea", "GovCharacterCount")
    if any(has_control_characters(v, multiline=multiline) for v in values if isinstance(v, str)):
        message = CONTROL_MESSAGE.format(label=field.label.text)
        field.errors = [message, *[e for e in field.errors if e != message]] if isinstance(field.errors, list) \
            else [message]
        if hasattr(field, "data") and isinstance(field.data, str):
            field.data = strip_controls(field.data)  # shown back without them
        return False
    return True


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EmailAddress:
    """A plain shape check for email addresses.

    ``email_validator`` refuses reserved domains such as ``.test`` used by the demo
    accounts; deliverability is proven by the mail we send, not by the form.
    """

    def __init__(self, message="Enter an email address in the correct format, like name@example.org"):
        self.message = message

    def __call__(self, form, field):
        if field.data and not _EMAIL.match(field.data.strip()):
            raise ValidationError(self.message)


class DayMonthYearField(DateField):
    """A GOV.UK date input (day, month, year boxes) with messages written for people."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovDateInput())
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if len(valuelist) != 3:
            # The widget shows three boxes; a tampered form must not break it.
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            return
        if len(valuelist) != 3 or not all(v.strip().isdigit() for v in valuelist):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026")
        try:
            day, month, year = (int(v) for v in valuelist)
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from None
        if not 1900 <= year <= 2100:
            self.data = None
            raise ValueError(f"{self.label.text} must have a four-digit year, like 2026")


class EnumMultiField(SelectMultipleField):
    """Checkboxes for a TitledEnum; ``data`` is a list of enum members."""

    def __init__(self, label=None, validators=None, enum=None, **kwargs):
        kwargs.setdefault("widget", GovCheckboxesInput())
        kwargs.setdefault("choices", enum.choices())
        kwargs.setdefault("coerce", enum)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        values = {c[0] for c in self.choices}
        for item in self.data or ():
            if getattr(item, "value", item) not in values:
                raise ValidationError("Choose from the options shown")


class EnumRadioField(SelectField):
    """Radios for a TitledEnum; ``data`` is an enum member."""

    def __init__(self, label=None, validators=None, enum=None, **kwargs):
        kwargs.setdefault("widget", GovRadioInput())
        kwargs.setdefault("choices", enum.choices())
        kwargs.setdefault("coerce", lambda v: v if isinstance(v, enum) else enum(v) if v else None)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if self.data is not None and self.data.value not in {c[0] for c in self.choices}:
            raise ValidationError("Choose from the options shown")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Choose from the options shown") from None


class ConfirmForm(Form):
    """No fields: a button that posts with a CSRF token (sign out, remove, confirm)."""


def error_summary_items(form):
    """Every error of a form, nested lists and sub-forms included, as GOV.UK error-summary items."""
    items = []

    def walk(field):
        entries = getattr(field, "entries", None)
        if entries is not None:  # FieldList
            for entry in entries:
                walk(entry)
            for message in (e for e in field.errors if isinstance(e, str)):
                items.append({"text": message, "href": f"#{field.id}"})
            return
        sub = getattr(field, "form", None)
        if sub is not None and hasattr(sub, "_fields"):  # FormField
            for child in sub:
                walk(child)
            return
        if field.errors:
            anchor = field.id + ("-day" if type(field.widget).__name__ == "GovDateInput" else "")
            items.append({"text": field.errors[0], "href": f"#{anchor}"})

    for field in form:
        if field.type != "CSRFTokenField" or field.errors:
            walk(field)
    return items


class FiniteNumber:
    """Refuse NaN, infinities and numbers too large to chart or store."""

    def __init__(self, limit=10**9):
        self.limit = limit

    def __call__(self, form, field):
        if field.data is not None and (not field.data.is_finite() or abs(field.data) >= self.limit):
            raise ValidationError(f"{field.label.text} must be a number smaller than {self.limit:,}")

