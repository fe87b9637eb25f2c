from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import Form as RowForm
from wtforms import (
    BooleanField, FieldList, FormField, IntegerField, SelectField, SelectMultipleField, StringField,
    SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from commissioning.core.forms import EnumMultiField, EnumRadioField
from commissioning.core.money import MoneyField
from commissioning.core.pagination import ListForm
from commissioning.core.vocabulary import VulnerableGroup
from commissioning.core.widgets import GovSelect
from commissioning.specifications.cpv import CODES as CPV_CODES
from commissioning.specifications.cpv import DEFAULT as CPV_DEFAULT
from commissioning.specifications.models import (
    CriterionKind, Frequency, PaymentSchedule, PriceFormula, Route, Specification, SpecStatus)

OUTCOME_ROWS, KPI_ROWS, CRITERIA_ROWS = 5, 6, 10


class OutcomeRow(RowForm):
    text = StringField("Outcome", widget=GovTextInput(), validators=[Optional(), Length(max=500)])
    trace = SelectField("Traced to", widget=GovSelect(), validators=[Optional()])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if (self.text.data or "").strip() and not self.trace.data:
            self.trace.errors = [*self.trace.errors, "Choose the need outcome or indicator this outcome serves"]
            return False
        return valid


class KpiRow(RowForm):
    name = StringField("KPI", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    unit = StringField("Unit", widget=GovTextInput(), validators=[Optional(), Length(max=60)])
    target = StringField("Target", widget=GovTextInput(), validators=[Optional(), Length(max=60)])
    frequency = SelectField("Measured", widget=GovSelect(), choices=Frequency.choices(), default="quarterly")
    indicator = SelectField("Indicator (optional)", widget=GovSelect(), validators=[Optional()])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if (self.name.data or "").strip() and not (self.target.data or "").strip():
            self.target.errors = [*self.target.errors, f"Enter a target for the KPI “{self.name.data.strip()}”"]
            return False
        return valid


class CriterionRow(RowForm):
    name = StringField("Criterion", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    kind = SelectField("Kind", widget=GovSelect(), choices=CriterionKind.choices(), default="quality")
    weight = IntegerField("Weight (%)", widget=GovTextInput(), validators=[Optional(), NumberRange(0, 100, "Enter a weight from 0 to 100")])
    parent = StringField("Part of (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    price_formula = SelectField("Price formula", widget=GovSelect(), choices=PriceFormula.choices(),
                                default="lowest_over_bid")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if (self.name.data or "").strip() and self.weight.data is None and not self.weight.errors:
            self.weight.errors = [*self.weight.errors, f"Enter a weight for “{self.name.data.strip()}”"]
            return False
        return valid


class SpecificationForm(Form):
    needs = SelectMultipleField("Prioritised needs it meets", coerce=int, widget=GovCheckboxesInput(),
                                validators=[InputRequired("Choose at least one prioritised need")])
    title = StringField("Title", widget=GovTextInput(), validators=[InputRequired("Enter a title"), Length(max=200)])
    purpose = TextAreaField("Purpose", widget=GovTextArea(), validators=[InputRequired("Describe the service’s purpose"), Length(max=10000)])
    outcomes = FieldList(FormField(OutcomeRow), min_entries=OUTCOME_ROWS, max_entries=OUTCOME_ROWS)
    outputs = TextAreaField("Outputs", widget=GovTextArea(), description="What will be delivered: sessions, places, hours",
                            validators=[Optional(), Length(max=10000)])
    kpis = FieldList(FormField(KpiRow), min_entries=KPI_ROWS, max_entries=KPI_ROWS)
    requirements = TextAreaField("Service requirements", widget=GovTextArea(), validators=[Optional(), Length(max=20000)])
    target_groups = EnumMultiField("Target groups", enum=VulnerableGroup, validators=[Optional()])
    localities = SelectMultipleField("Localities", coerce=int, widget=GovCheckboxesInput(),
                                     validators=[InputRequired("Choose at least one locality")])
    age_min = IntegerField("Youngest age", widget=GovTextInput(), validators=[InputRequired("Enter the youngest age"), NumberRange(8, 25, "Enter an age from 8 to 25")])
    age_max = IntegerField("Oldest age", widget=GovTextInput(), validators=[InputRequired("Enter the oldest age"), NumberRange(8, 25, "Enter an age from 8 to 25")])
    contract_months = IntegerField("Contract length in months", widget=GovTextInput(),
                                   validators=[InputRequired("Enter the contract length"), NumberRange(1, 120, "Enter a length from 1 to 120 months")])
    extension_options = StringField("Extension options", widget=GovTextInput(), description="For example, up to two extensions of 12 months",
                                    validators=[Optional(), Length(max=300)])
    max_value = MoneyField("Maximum value, in pounds", widget=GovTextInput(), minimum=1,
                           validators=[InputRequired("Enter the maximum value")])
    pot = SelectField("Funding source", widget=GovSelect(), coerce=int, validators=[InputRequired("Choose a funding source")])
    payment_schedule = EnumRadioField("Payment schedule", enum=PaymentSchedule, validators=[InputRequired("Choose a payment schedule")])
    monitoring_frequency = EnumRadioField("Monitoring frequency", enum=Frequency, validators=[InputRequired("Choose how often it is monitored")])
    cpv = SelectField("What kind of service it is (CPV code)", widget=GovSelect(),
                      description="The Common Procurement Vocabulary code notices and the open data classify it by",
                      choices=[(code, f"{code}: {name}") for code, name in CPV_CODES], default=CPV_DEFAULT,
                      validators=[Optional()])   # a form without it (an older page) keeps the default
    light_touch = BooleanField("This is a light-touch service (most youth services are)", widget=GovCheckboxInput(), default=True)
    route = SelectField("Route", widget=GovRadioInput(), choices=[("", "Use the suggested route")] + Route.choices(),
                        validators=[Optional()], default="")
    route_reason = TextAreaField("Why a different route?", widget=GovTextArea(),
                                 validators=[Optional(), Length(max=2000)])
    criteria = FieldList(FormField(CriterionRow), min_entries=CRITERIA_ROWS, max_entries=CRITERIA_ROWS)
    submit = SubmitField("Save specification", widget=GovSubmitInput())

    def validate_age_max(self, field):
        if self.age_min.data is not None and field.data is not None and field.data < self.age_min.data:
            raise ValidationError("The oldest age must be the same as or more than the youngest age")


class DecisionForm(Form):
    decision = SelectField("Decision", widget=GovRadioInput(), choices=[("approve", "Approve"), ("send_back", "Send back")],
                           validators=[InputRequired("Choose approve or send back")])
    comment = TextAreaField("Comment", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class ThresholdsForm(Form):
    threshold_light_touch = MoneyField("Light-touch services threshold", widget=GovTextInput(), validators=[InputRequired("Enter the threshold")])
    threshold_goods_services = MoneyField("Goods and services threshold (sub-central authorities)", widget=GovTextInput(),
                                          validators=[InputRequired("Enter the threshold")])
    threshold_notifiable = MoneyField("Notifiable below-threshold contracts from", widget=GovTextInput(),
                                      validators=[InputRequired("Enter the threshold")])
    key_decision = MoneyField("Key decision value", widget=GovTextInput(), validators=[InputRequired("Enter the value")])
    approval_stages = TextAreaField("Approval stages, one a line", widget=GovTextArea(),
                                    validators=[InputRequired("Enter at least one approval stage"), Length(max=2000)])
    key_decision_stage = StringField("Extra stage for key decisions", widget=GovTextInput(),
                                     validators=[InputRequired("Enter the key-decision stage"), Length(max=120)])
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate_approval_stages(self, field):
        """Blank lines are dropped when saved, so a box of only spaces would leave no stage to approve at."""
        stages = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if not stages:
            raise ValidationError("Enter at least one approval stage, one a line")
        if any(len(stage) > 120 for stage in stages):
            raise ValidationError("Each approval stage must be 120 characters or fewer")


class SpecificationListForm(ListForm):
    SEARCH_HINT = "Words in the title, or a reference like SPEC-0007"
    SORTS = {
        "newest": ("Newest first", (Specification.id.desc(),)),
        "oldest": ("Oldest first", (Specification.id,)),
        "title": ("Title (A to Z)", (Specification.title, Specification.id)),
    }

    status = SelectField("Status", widget=GovSelect(), choices=[("", "Any status")] + SpecStatus.choices(),
                         validators=[Optional()])
