from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from commissioning.core.forms import EnumMultiField, EnumRadioField
from commissioning.core.money import MoneyField
from commissioning.core.vocabulary import Tier
from commissioning.core.widgets import GovSelect
from commissioning.funding.models import ContributionKind, PotKind


class PotForm(Form):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired("Enter the pot’s name"), Length(max=200)])
    kind = EnumRadioField("Kind", enum=PotKind, validators=[InputRequired("Choose the kind of pot")])
    funder = SelectField("Funder or lead partner", widget=GovSelect(), coerce=int,
                         validators=[InputRequired("Choose the funder")])
    financial_year = IntegerField("Financial year it starts", widget=GovTextInput(), description="2026 for 2026/27",
                                  render_kw={"inputmode": "numeric"},
                                  validators=[InputRequired("Enter the financial year"),
                                              NumberRange(1990, 2100, "Enter a year like 2026")])
    amount = MoneyField("Amount, in pounds", widget=GovTextInput(),
                        description="For a pooled budget, leave empty: its amount is the sum of the partners’ cash",
                        validators=[Optional()])
    ring_fenced = BooleanField("Ring-fenced", widget=GovCheckboxInput())
    tiers = EnumMultiField("Tiers it may fund", enum=Tier, validators=[InputRequired("Choose at least one tier")])
    conditions = TextAreaField("Conditions", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save pot", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.kind.data is PotKind.funding_stream and self.amount.data is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, "Enter the amount of the funding stream"]
            return False
        return valid


class ContributionForm(Form):
    organisation = SelectField("Partner", widget=GovSelect(), coerce=int, validators=[InputRequired("Choose the partner")])
    kind = EnumRadioField("Kind of contribution", enum=ContributionKind,
                          validators=[InputRequired("Choose cash or what is given in kind")])
    description = StringField("Description", widget=GovTextInput(),
                              description="For example, two youth workers for 10 hours a week",
                              validators=[InputRequired("Describe the contribution"), Length(max=300)])
    value = MoneyField("Value, in pounds", widget=GovTextInput(), minimum=1,
                       validators=[InputRequired("Enter the value of the contribution")])
    submit = SubmitField("Add contribution", widget=GovSubmitInput())


class AllocationForm(Form):
    amount = MoneyField("Amount to share, in pounds", widget=GovTextInput(), validators=[InputRequired("Enter the amount to share")])
    weight_young_people = IntegerField("Weight for the number of young people (%)", widget=GovTextInput(),
                                       validators=[InputRequired("Enter a weight"), NumberRange(0, 100, "Enter a whole number from 0 to 100")])
    weight_deprivation = IntegerField("Weight for deprivation (%)", widget=GovTextInput(),
                                      validators=[InputRequired("Enter a weight"), NumberRange(0, 100, "Enter a whole number from 0 to 100")])
    weight_rurality = IntegerField("Weight for rural isolation (%)", widget=GovTextInput(),
                                   validators=[InputRequired("Enter a weight"), NumberRange(0, 100, "Enter a whole number from 0 to 100")])
    note = StringField("Note (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=300)])
    preview = SubmitField("Preview shares", widget=GovSubmitInput())
    save = SubmitField("Save this allocation", widget=GovSubmitInput())

    def weights(self):
        return (self.weight_young_people.data, self.weight_deprivation.data, self.weight_rurality.data)

    def validate_weight_rurality(self, field):
        if None not in self.weights() and sum(self.weights()) != 100:
            raise ValidationError(f"The three weights must add up to 100%: they add up to {sum(self.weights())}%")


def _geo_code(form, field):
    """An ONS (GSS) code of a kind 360Giving names, or nothing."""
    from commissioning.localities.models import GEO_CODE, GEO_CODE_TYPES
    if field.data and not (GEO_CODE.match(field.data) and field.data[:3] in GEO_CODE_TYPES):
        raise ValidationError("Enter an ONS code of a ward, district or other official area: a letter and 8 "
                              "digits, like E08000012 (Liverpool), or leave it empty")


class LocalityFiguresForm(Form):
    young_people = IntegerField("Number of young people", widget=GovTextInput(), render_kw={"inputmode": "numeric"},
                                validators=[InputRequired("Enter the number of young people"),
                                            NumberRange(0, 10_000_000, "Enter a whole number, 0 or more")])
    deprivation_index = DecimalField("Deprivation index", widget=GovTextInput(), places=None,
                                     validators=[InputRequired("Enter the deprivation index"),
                                                 NumberRange(0, 100000, "Enter a number from 0 to 100,000")])
    rurality_index = DecimalField("Rural isolation index", widget=GovTextInput(), places=None,
                                  validators=[InputRequired("Enter the rural isolation index, or 0"),
                                              NumberRange(0, 100000, "Enter a number from 0 to 100,000")])
    geo_code = StringField("ONS geographic code (optional)", widget=GovTextInput(),
                           description="The code of the ward or district it is, or lies in, such as E08000012 for "
                                       "Liverpool. Published with the grants, so people can map them.",
                           filters=[lambda v: (v or "").strip().upper() or None], validators=[_geo_code])
    submit = SubmitField("Save figures", widget=GovSubmitInput())
