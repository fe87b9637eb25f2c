from commissioning.core.forms import Form
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, ValidationError

from commissioning.core.forms import DayMonthYearField, EnumMultiField, EnumRadioField
from commissioning.core.vocabulary import EcmOutcome, Tier, VulnerableGroup
from commissioning.core.widgets import GovSelect
from commissioning.needs.models import MAX_AGE, MAX_AGE_STANDARD, MIN_AGE, EvidenceSource, NeedStatus


def _text(label, hint=None, required=None):
    validators = [InputRequired(required)] if required else [Optional()]
    return TextAreaField(label, widget=GovTextArea(), description=hint,
                         validators=validators + [Length(max=10000, message=f"{label} must be 10,000 characters or fewer")])


class NeedForm(Form):
    title = StringField("Name of the proposed service or need", widget=GovTextInput(),
                        validators=[InputRequired("Enter a name for the need"),
                                    Length(max=200, message="The name must be 200 characters or fewer")])
    tier = EnumRadioField("Tier", enum=Tier, validators=[InputRequired("Choose a tier")])
    localities = SelectMultipleField("Localities", widget=GovCheckboxesInput(), coerce=int,
                                     validators=[InputRequired("Choose at least one locality")])
    age_min = IntegerField("Youngest age", widget=GovTextInput(),
                           validators=[InputRequired("Enter the youngest age, like 13"),
                                       NumberRange(MIN_AGE, MAX_AGE, f"The youngest age must be between {MIN_AGE} and {MAX_AGE}")],
                           render_kw={"inputmode": "numeric"})
    age_max = IntegerField("Oldest age", widget=GovTextInput(),
                           description="Up to 19, or up to 25 for young people with learning difficulties or disabilities",
                           validators=[InputRequired("Enter the oldest age, like 19"),
                                       NumberRange(MIN_AGE, MAX_AGE, f"The oldest age must be between {MIN_AGE} and {MAX_AGE}")],
                           render_kw={"inputmode": "numeric"})
    for_lldd = BooleanField("This need is for young people with learning difficulties or disabilities",
                            widget=GovCheckboxInput())
    groups = EnumMultiField("Target vulnerable groups", enum=VulnerableGroup, validators=[Optional()])
    outcomes = EnumMultiField("Outcomes for young people", enum=EcmOutcome,
                              description="From the youth services duty's statutory guidance (2023) and Youth "
                                          "Matters, the national youth strategy (2025)",
                              validators=[InputRequired("Choose at least one outcome")])
    need_not_met = _text("1. What need is not currently being met?", required="Describe the need that is not met")
    how_identified = _text("2. How was the need identified?")
    desired_outcomes = _text("3. What outcomes do you want?")
    plan_priorities = _text("4. Which plan priorities does it address?",
                            hint="The outcomes for young people are chosen above")
    deficits_opportunities = _text("5. Deficits and opportunities")
    effectiveness_rating = SelectField(
        "10. How effective is the preferred option likely to be?", widget=GovRadioInput(),
        choices=[("", "Not assessed yet"), ("1", "1 – highly effective"), ("2", "2"), ("3", "3"), ("4", "4"),
                 ("5", "5 – not effective")], default="", validators=[Optional()])
    gaps_barriers = _text("11. Gaps in service and barriers to effectiveness")
    financing = _text("12. How will a new service be financed?")
    monitoring = _text("13. How will it be monitored and evaluated?")
    submit = SubmitField("Save need", widget=GovSubmitInput())

    def validate_age_max(self, field):
        if self.age_min.data is not None and field.data is not None and field.data < self.age_min.data:
            raise ValidationError("The oldest age must be the same as or more than the youngest age")
        if field.data is not None and field.data > MAX_AGE_STANDARD and not self.for_lldd.data:
            raise ValidationError(f"The oldest age can be above {MAX_AGE_STANDARD} only for young people "
                                  "with learning difficulties or disabilities: tick that box or lower the age")

    def rating(self):
        return int(self.effectiveness_rating.data) if self.effectiveness_rating.data else None


class EvidenceForm(Form):
    source = EnumRadioField("Where does the evidence come from?", enum=EvidenceSource,
                            validators=[InputRequired("Choose where the evidence comes from")])
    date = DayMonthYearField("Date of the evidence", description="For example, 27 3 2026",
                             validators=[InputRequired("Enter the date of the evidence")])
    summary = TextAreaField("Summary", widget=GovTextArea(),
                            validators=[InputRequired("Summarise what the evidence shows"),
                                        Length(max=5000, message="The summary must be 5,000 characters or fewer")])
    link = StringField("Link (optional)", widget=GovTextInput(), description="A web address, like https://example.org/report",
                       validators=[Optional(), URL(message="Enter a web address starting with https:// or http://"),
                                   Length(max=500, message="The link must be 500 characters or fewer")])
    file = FileField("File (optional)", widget=GovFileInput(),
                     description="PDF, Word, spreadsheet, CSV, text or image, up to 5 MB")
    submit = SubmitField("Add evidence", widget=GovSubmitInput())


class OptionForm(Form):
    title = StringField("Option", widget=GovTextInput(),
                        validators=[InputRequired("Enter a name for the option"),
                                    Length(max=200, message="The name must be 200 characters or fewer")])
    description = TextAreaField("Description", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    likelihood = SelectField("Likelihood of the risk", widget=GovRadioInput(), coerce=int,
                             choices=[(i, f"{i}{' – very unlikely' if i == 1 else ' – very likely' if i == 5 else ''}")
                                      for i in range(1, 6)],
                             validators=[InputRequired("Choose how likely the risk is")])
    impact = SelectField("Impact if it happens", widget=GovRadioInput(), coerce=int,
                         choices=[(i, f"{i}{' – very low' if i == 1 else ' – very high' if i == 5 else ''}")
                                  for i in range(1, 6)],
                         validators=[InputRequired("Choose how serious the impact would be")])
    risk_notes = TextAreaField("Risk assessment", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    is_preferred = BooleanField("This is a preferred option", widget=GovCheckboxInput())
    submit = SubmitField("Save option", widget=GovSubmitInput())


class StatusForm(Form):
    status = SelectField("Move to", widget=GovSelect(), validators=[InputRequired("Choose a status")])
    reason = StringField("Reason (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=300)])
    submit = SubmitField("Change status", widget=GovSubmitInput())

    def set_choices(self, need):
        self.status.choices = [(s.value, s.title) for s in NeedStatus
                               if need.status.can_become(s) and s is not NeedStatus.specified]


class ProvisionLinkForm(Form):
    provision = SelectMultipleField("Existing provision that meets part of this need", coerce=int,
                                    widget=GovCheckboxesInput(), validators=[Optional()])
    submit = SubmitField("Save existing provision", widget=GovSubmitInput())


class NeedFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField("Search", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    locality = SelectField("Locality", widget=GovSelect(), validators=[Optional()])
    tier = SelectField("Tier", widget=GovSelect(), choices=[("", "Any tier")] + Tier.choices(), validators=[Optional()])
    group = SelectField("Vulnerable group", widget=GovSelect(), choices=[("", "Any group")] + VulnerableGroup.choices(),
                        validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(), choices=[("", "Any status")] + NeedStatus.choices(),
                         validators=[Optional()])
    outcome = SelectField("Outcome", widget=GovSelect(), choices=[("", "Any outcome")] + EcmOutcome.choices(),
                          validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())
