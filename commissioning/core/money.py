"""Money is integer pence everywhere; these convert at the edges (forms and pages)."""
import re
from decimal import Decimal, InvalidOperation

from wtforms import StringField
from wtforms.validators import ValidationError

_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
#: £10 billion: more than any council pot, and well inside a 64-bit column.
MAX_PENCE = 10 ** 12


def parse_pounds(text):
    """'£1,234.5' -> 123450 pence. Raises ValueError on anything else."""
    cleaned = (text or "").strip().replace(",", "").replace("£", "").strip()
    if not _MONEY.match(cleaned):
        raise ValueError(text)
    try:
        return int((Decimal(cleaned) * 100).to_integral_exact())
    except InvalidOperation:
        raise ValueError(text) from None


def format_pounds(pence, show_pence=None):
    """123450 -> '£1,234.50'; whole pounds drop the pence unless asked."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(int(pence)), 100)
    if show_pence or (show_pence is None and rem):
        return f"{sign}£{pounds:,}.{rem:02d}"
    return f"{sign}£{pounds:,}"


class MoneyField(StringField):
    """A pounds-and-pence input whose ``data`` is integer pence (or None when empty)."""

    def __init__(self, label=None, validators=None, minimum=0, maximum=MAX_PENCE, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        if not self.raw.strip():
            self.data = None
            return
        try:
            self.data = parse_pounds(self.raw)
        except ValueError:
            self.data = None
            raise ValueError("Enter an amount in pounds, like 1500 or 1500.50") from None
        if self.minimum is not None and self.data < self.minimum:
            raise ValueError(f"The amount must be at least {format_pounds(self.minimum)}")
        if self.maximum is not None and self.data > self.maximum:
            raise ValueError(f"The amount must be no more than {format_pounds(self.maximum)}")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data / 100:.2f}".removesuffix(".00")

    def pre_validate(self, form):
        if self.process_errors:
            raise ValidationError(self.process_errors[0])
