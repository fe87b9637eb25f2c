from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, DecimalField, IntegerField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from commissioning.core.forms import EnumRadioField, FiniteNumber
from commissioning.indicators.models import Polarity

YEARS = NumberRange(1990, 2100, "Enter a year between 1990 and 2100, like 2026")


class IndicatorForm(Form):
    name = StringField("Name", widget=GovTextInput(),
                       validators=[InputRequired("Enter the indicator’s name"), Length(max=200)])
    unit = StringField("Unit", widget=GovTextInput(), description="For example, % of 16 to 18 year olds, or rate per 1,000",
                       validators=[InputRequired("Enter the unit"), Length(max=60)])
    polarity = EnumRadioField("Which way is better?", enum=Polarity, validators=[InputRequired("Choose which way is better")])
    baseline_year = IntegerField("Baseline year", widget=GovTextInput(), render_kw={"inputmode": "numeric"},
                                 validators=[InputRequired("Enter the baseline year"), YEARS])
    baseline_value = DecimalField("Baseline value", widget=GovTextInput(), places=None,
                                  validators=[InputRequired("Enter the baseline value as a number"), FiniteNumber()])
    tolerance = DecimalField("Amber tolerance", widget=GovTextInput(), places=None,
                             description="How far off target, in the indicator’s unit, still counts as amber rather than red",
                             validators=[InputRequired("Enter the amber tolerance, or 0"),
                                         NumberRange(0, None, "The tolerance cannot be negative"), FiniteNumber()])
    financial_years = BooleanField("Years are financial years (2026 means 2026/27)", widget=GovCheckboxInput(),
                                   default=True)
    story = TextAreaField("Story behind the trend", widget=GovTextArea(), validators=[Optional(), Length(max=10000)])
    needs = SelectMultipleField("Needs this indicator measures", coerce=int, widget=GovCheckboxesInput(),
                                validators=[Optional()])
    submit = SubmitField("Save indicator", widget=GovSubmitInput())


class YearForm(Form):
    year = IntegerField("Year", widget=GovTextInput(), description="The first year of the financial year: 2026 for 2026/27",
                        render_kw={"inputmode": "numeric"}, validators=[InputRequired("Enter the year"), YEARS])
    target = DecimalField("Target", widget=GovTextInput(), places=None, validators=[Optional(), FiniteNumber()])
    actual = DecimalField("Actual", widget=GovTextInput(), places=None, validators=[Optional(), FiniteNumber()])
    submit = SubmitField("Save year", widget=GovSubmitInput())
