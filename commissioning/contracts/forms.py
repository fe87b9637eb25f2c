from commissioning.core.forms import Form
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovFileInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import Form as RowForm
from wtforms import BooleanField, FieldList, FormField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from commissioning.contracts.models import Agreement, AgreementKind, AgreementStatus
from commissioning.core.pagination import ListForm
from commissioning.core.widgets import GovSelect
from commissioning.monitoring.models import Rag
from commissioning.core.forms import DayMonthYearField
from commissioning.core.money import MoneyField

EXTRA_PAYMENT_ROWS = 2


class KpiTargetRow(RowForm):
    target = StringField("Target", widget=GovTextInput(), validators=[Optional(), Length(max=60)])


class PaymentRow(RowForm):
    due = DayMonthYearField("Due", validators=[Optional()])
    amount = MoneyField("Amount", widget=GovTextInput(), validators=[Optional()])
    conditional = BooleanField("Only after the previous return is accepted", widget=GovCheckboxInput())


class DraftForm(Form):
    start = DayMonthYearField("Start date", validators=[InputRequired("Enter the start date")])
    end = DayMonthYearField("End date", validators=[InputRequired("Enter the end date")])
    extension_options = StringField("Extension options", widget=GovTextInput(), validators=[Optional(), Length(max=300)])
    monitor = SelectField("Contract monitor", widget=GovSelect(), coerce=lambda v: int(v) if v else None,
                          validators=[Optional()])
    kpis = FieldList(FormField(KpiTargetRow))
    payments = FieldList(FormField(PaymentRow))
    review_clause = TextAreaField("Review clause", widget=GovTextArea(), validators=[Optional(), Length(max=3000)])
    break_clause = TextAreaField("Break clause", widget=GovTextArea(), validators=[Optional(), Length(max=3000)])
    special_conditions = TextAreaField("Special conditions (optional)", widget=GovTextArea(),
                                       validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save draft", widget=GovSubmitInput())


class SignForm(Form):
    name = StringField("Your full name", widget=GovTextInput(),
                       validators=[InputRequired("Enter your full name"), Length(max=120)])
    role = StringField("Your role", widget=GovTextInput(), description="For example, Chief Executive",
                       validators=[InputRequired("Enter your role"), Length(max=120)])
    sha256 = HiddenField()
    submit = SubmitField("Accept and sign", widget=GovSubmitInput())


class SignedCopyForm(Form):
    name = StringField("Name of the person who signed", widget=GovTextInput(),
                       validators=[InputRequired("Enter the name of the person who signed"), Length(max=120)])
    role = StringField("Their role", widget=GovTextInput(), validators=[InputRequired("Enter their role"),
                                                                        Length(max=120)])
    file = FileField("Signed copy (PDF)", widget=GovFileInput(), validators=[FileRequired("Choose the signed copy")])
    sha256 = HiddenField()
    submit = SubmitField("Upload signed copy", widget=GovSubmitInput())


class EndForm(Form):
    early = RadioField("How is it ending?", widget=GovRadioInput(),
                       choices=[("no", "It has reached its end date"), ("yes", "It is being terminated early")],
                       validators=[InputRequired("Choose how it is ending")])
    reason = TextAreaField("Reason", widget=GovTextArea(), description="Needed when it ends early",
                           validators=[Optional(), Length(max=3000)])
    submit = SubmitField("End the agreement", widget=GovSubmitInput())


class VariationForm(Form):
    reason = TextAreaField("Why it needs to change", widget=GovTextArea(),
                           validators=[InputRequired("Say why the agreement needs to change"), Length(max=3000)])
    value = MoneyField("New value (optional)", widget=GovTextInput(), minimum=1,
                       description="Payments not yet due are planned again to add up to it",
                       validators=[Optional()])
    end = DayMonthYearField("New end date (optional)", validators=[Optional()])
    kpis = FieldList(FormField(KpiTargetRow))
    special_conditions = TextAreaField("Special conditions", widget=GovTextArea(),
                                       validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Propose the variation", widget=GovSubmitInput())


class ClauseForm(Form):
    title = StringField("Title", widget=GovTextInput(), validators=[InputRequired("Enter the title"), Length(max=200)])
    body = TextAreaField("Text", widget=GovTextArea(), validators=[InputRequired("Enter the clause’s text"),
                                                                    Length(max=10000)])
    submit = SubmitField("Save clause", widget=GovSubmitInput())


def _by_provider():
    from commissioning.accounts.models import Organisation
    return (Organisation.name, Agreement.reference, Agreement.id)


class RegisterFilterForm(ListForm):
    """The register's search, filters and sort orders; the provider filter's choices are set by the view."""

    SEARCH_HINT = "Provider, title or reference, like GRA-0003"
    SORTS = {
        "reference": ("Reference", (Agreement.reference, Agreement.id)),
        "ending": ("Ending soonest", (Agreement.end_date, Agreement.id)),
        "newest": ("Starting latest", (Agreement.start_date.desc(), Agreement.id.desc())),
        "value": ("Highest value", (Agreement.value_pence.desc(), Agreement.id)),
        "value_low": ("Lowest value", (Agreement.value_pence, Agreement.id)),
        "provider": ("Provider (A to Z)", _by_provider),
    }

    status = SelectField("Status", widget=GovSelect(), choices=[("", "Any status")] + AgreementStatus.choices(),
                         validators=[Optional()])
    kind = SelectField("Kind", widget=GovSelect(), choices=[("", "Any kind")] + AgreementKind.choices(),
                       validators=[Optional()])
    rag = SelectField("Latest rating", widget=GovSelect(), validators=[Optional()],
                      choices=[("", "Any rating")] + [(r.value, r.title) for r in Rag] + [("none", "Not rated yet")])
    provider = SelectField("Provider", widget=GovSelect(), choices=[("", "Any provider")], validators=[Optional()])

    def __init__(self, providers=(), **kwargs):
        super().__init__(**kwargs)
        self.provider.choices = [("", "Any provider"), *providers]


class PaymentForm(Form):
    """A payment made, as the finance system shows it: against a scheduled payment, or not."""
    instalment = SelectField("Which scheduled payment it pays", widget=GovSelect(), choices=[],
                             validate_choice=False, validators=[InputRequired("Choose the scheduled payment, or none")])
    amount = MoneyField("Amount paid, in pounds", widget=GovTextInput(), minimum=1,
                        render_kw={"inputmode": "decimal"}, validators=[InputRequired("Enter the amount paid")])
    paid_on = DayMonthYearField("Date paid", validators=[InputRequired("Enter the date it was paid")])
    reference = StringField("Payment reference", widget=GovTextInput(),
                            description="The payment or remittance number in the finance system",
                            filters=[lambda v: (v or "").strip()],
                            validators=[InputRequired("Enter the payment reference"), Length(max=60)])
    submit = SubmitField("Record payment", widget=GovSubmitInput())

    def with_schedule(self, agreement, paid):
        """Offer each scheduled payment not yet paid in full, and "none"."""
        from datetime import date

        from commissioning.core.money import format_pounds
        self.instalment.choices = [("", "Choose")] + [
            (str(i), f"Due {date.fromisoformat(p['due']).strftime('%-d %B %Y')}: {format_pounds(p['amount_pence'] - paid[i])} left of "
                     f"{format_pounds(p['amount_pence'])}")
            for i, p in enumerate(agreement.payments) if paid[i] < p["amount_pence"]] + [
            ("none", "None: a payment outside the schedule")]
        return self
