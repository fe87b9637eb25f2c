"""Validators shared by every domain's forms."""
import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

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


class ConfirmForm(FlaskForm):
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
