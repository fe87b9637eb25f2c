"""Validators shared by every domain's forms."""
import re
from datetime import date
from types import SimpleNamespace

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
        ok = self._refuse_controls(self) and ok
        plain_messages(self)
        return ok

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


def _lower_first(label):
    """ "Start date" -> "start date", keeping acronyms and names: "KPI", "CPV code", "Liverpool"."""
    word = label.split(" ", 1)[0]
    return label if len(word) > 1 and (word[1].isupper() or word[1].isdigit()) else label[:1].lower() + label[1:]


def _is_choice(field):
    return field.type in ("SelectField", "SelectMultipleField", "RadioField", "BooleanField", "EnumRadioField",
                          "EnumMultiField", "QuerySelectField") or "Radio" in type(field.widget).__name__ \
        or "Checkbox" in type(field.widget).__name__ or "Select" in type(field.widget).__name__


def _required(field, _m):
    if field.type in ("FileField", "MultipleFileField"):
        return f"Choose {_lower_first(field.label.text)} to upload"
    return f"{'Select' if _is_choice(field) else 'Enter'} {_lower_first(field.label.text)}"


# WTForms' and Flask-WTF's own messages, as patterns, each with what a person reads instead.
# They are written for developers ("Not a valid integer value."); nobody filling in a council form
# should see one. Matched by text, so sub-forms in FieldLists and validators built without a
# message are covered wherever they come from.
_STOCK_MESSAGES = [
    (r"This field is required\.", _required),
    (r"Not a valid integer value\.", lambda f, m: f"{f.label.text} must be a whole number, like 12"),
    (r"Not a valid (decimal|float) value\.", lambda f, m: f"{f.label.text} must be a number, like 12.5"),
    (r"Not a valid choice\.|Invalid Choice: could not coerce\.|'.*' is not a valid choice for this field\.|"
     r"Invalid choice\(s\): .*|'.*' are not valid choices for this field\.|"
     r"Invalid value, must be one of: .*\.|Invalid value, can't be any of: .*\.|Choices cannot be None\.",
     lambda f, m: f"Select {_lower_first(f.label.text)} from the options shown"),
    (r"Not a valid (date|datetime|time|week) value\.",
     lambda f, m: f"{f.label.text} must be a real date, like 27 3 2026"),
    (r"Field must be at least (\d+) characters? long\.",
     lambda f, m: f"{f.label.text} must be {m[1]} characters or more"),
    (r"Field cannot be longer than (\d+) characters?\.",
     lambda f, m: f"{f.label.text} must be {m[1]} characters or fewer"),
    (r"Field must be exactly (\d+) characters? long\.",
     lambda f, m: f"{f.label.text} must be {m[1]} characters long"),
    (r"Field must be between (\d+) and (\d+) characters long\.",
     lambda f, m: f"{f.label.text} must be between {m[1]} and {m[2]} characters"),
    (r"Number must be at least (.+)\.", lambda f, m: f"{f.label.text} must be {m[1]} or more"),
    (r"Number must be at most (.+)\.", lambda f, m: f"{f.label.text} must be {m[1]} or less"),
    (r"Number must be between (.+) and (.+)\.", lambda f, m: f"{f.label.text} must be between {m[1]} and {m[2]}"),
    (r"Date must be at least (.+)\.", lambda f, m: f"{f.label.text} must be on or after {m[1]}"),
    (r"Date must be at most (.+)\.", lambda f, m: f"{f.label.text} must be on or before {m[1]}"),
    (r"Date must be between (.+) and (.+)\.", lambda f, m: f"{f.label.text} must be between {m[1]} and {m[2]}"),
    (r"Invalid email address\.",
     lambda f, m: "Enter an email address in the correct format, like name@example.org"),
    (r"Invalid URL\.", lambda f, m: f"Enter {_lower_first(f.label.text)} as a full web address, like "
                                      "https://www.example.org"),
    (r"Field must be equal to (.+)\.", lambda f, m: f"{f.label.text} must match {_lower_first(m[1])}"),
    (r"File does not have an approved extension(: (.*))?\.?",
     lambda f, m: f"{f.label.text} must be a file of a type listed" + (f": {m[2]}" if m[2] else "")),
    (r"The CSRF (session )?tokens? (is missing|has expired|is invalid|do not match)\.|CSRF (failed|token expired|"
     r"token missing)\.|Invalid CSRF Token\.",
     lambda f, m: "This page had been open too long. Check your answers and send the form again"),
    (r"Invalid (input|IP address|Mac address|UUID|field name '.*')\.|This field cannot be edited\.|"
     r"This field is disabled and cannot have a value\.",
     lambda f, m: f"Check {_lower_first(f.label.text)}: it is not in a form we can read"),
]
_STOCK = [(re.compile(pattern + r"\Z"), plain) for pattern, plain in _STOCK_MESSAGES]


def plain_message(field, message):
    """The message a person reads for one of WTForms' own, or ``message`` unchanged."""
    if not isinstance(message, str):
        return message
    for pattern, plain in _STOCK:
        match = pattern.match(message.strip())
        if match:
            return plain(field, match)
    return message


def plain_messages(form):
    """Rewrite every stock WTForms message in a form (sub-forms and lists included) in plain words."""
    for field in form:
        entries = getattr(field, "entries", None)
        sub = getattr(field, "form", None)
        if entries is not None:
            for entry in entries:
                inner = getattr(entry, "form", None)
                if inner is not None and hasattr(inner, "_fields"):
                    plain_messages(inner)
                else:
                    _rewrite(entry)
            _rewrite(field)
        elif sub is not None and hasattr(sub, "_fields"):
            plain_messages(sub)
        else:
            _rewrite(field)
    form_errors = getattr(form, "form_errors", None)
    if isinstance(form_errors, list):
        form_errors[:] = [plain_message(_FormLabel, e) for e in form_errors]
    if hasattr(form, "_errors"):
        form._errors = None  # BaseForm caches .errors: let it see the rewritten messages


_FormLabel = SimpleNamespace(type="Form", widget=None, label=SimpleNamespace(text="This answer"))
"""Stands in for a field when a message belongs to the whole form."""


def _rewrite(field):
    if isinstance(field.errors, list):
        field.errors[:] = [plain_message(field, e) for e in field.errors]
    elif isinstance(field.errors, tuple):
        field.errors = [plain_message(field, e) for e in field.errors]


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
        try:
            self.data = parse_day_month_year(valuelist, self.label.text)
        except ValueError:
            self.data = None
            raise


def parse_day_month_year(values, label):
    """A date from the GOV.UK date input's day, month and year boxes: None when all are empty.

    The one place that reads such boxes, for WTForms fields and for the few forms written by hand.
    People also type "31/12/2026" or "31-12-2026" into the day box: that is read as the whole date.
    """
    values = [v.strip() if isinstance(v, str) else "" for v in (list(values) + ["", "", ""])[:3]]
    if not any(values):
        return None
    if values[0] and not any(values[1:]):
        parts = re.split(r"\s*[/.\- ]\s*", values[0])
        if len(parts) == 3 and len(parts[0]) == 4:  # 2026-12-31, as a machine writes it
            parts.reverse()
        values = (parts + ["", "", ""])[:3]
    example = f"{label} must be a real date, like 27 3 2026"
    if not all(v.isdigit() for v in values):
        raise ValueError(example)
    day, month, year = (int(v) for v in values)
    if not 1900 <= year <= 2100:
        raise ValueError(f"{label} must have a four-digit year, like 2026")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(example) from None


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

