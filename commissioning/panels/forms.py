from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextInput)
from wtforms import DecimalField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import ValidationError, DataRequired, InputRequired, Length, NumberRange, Optional

from commissioning.core.forms import DayMonthYearField, EmailAddress, EnumRadioField
from commissioning.core.money import MoneyField
from commissioning.core.widgets import GovSelect
from commissioning.panels.models import COMPLETIONS, TIE_BREAKS, UTILITIES, AgeBand, AllocationRule, BallotType
from commissioning.panels.operations import SUMMARY_MAX_WORDS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class HoursField(DecimalField):
    """Hours as a finite decimal: "NaN", "inf" and the like are refused, not passed on."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter the hours, like 1.5")


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class PanelForm(Form):
    name = StringField("Panel name", widget=GovTextInput(), filters=[_strip],
                       validators=[DataRequired("Enter the panel’s name"), Length(max=200)])
    locality = SelectField("Area it covers", widget=GovSelect(), coerce=_optional_int, validators=[Optional()])
    facilitator = SelectField("Facilitating youth worker", widget=GovSelect(), coerce=int,
                              validators=[InputRequired("Choose the facilitator")])
    submit = SubmitField("Save panel", widget=GovSubmitInput())


class MemberForm(Form):
    display_name = StringField("Name to show", widget=GovTextInput(),
                               description="A first name or a nickname is enough", filters=[_strip],
                               validators=[DataRequired("Enter a name to show"), Length(max=60)])
    age_band = EnumRadioField("Age", enum=AgeBand, validators=[InputRequired("Choose the member’s age")])
    locality = SelectField("Where they live", widget=GovSelect(), coerce=_optional_int, validators=[Optional()])
    email = StringField("Email address (optional)", widget=GovTextInput(),
                        description="Leave empty if they have none: you will get a joining code to give them",
                        validators=[Optional(), Length(max=254), EmailAddress()])
    submit = SubmitField("Add member", widget=GovSubmitInput())


class ConsentForm(Form):
    note = StringField("Who gave consent, and how", widget=GovTextInput(),
                       description="For example, ‘Mother, signed form on 3 March’", filters=[_strip],
                       validators=[DataRequired("Say who gave consent and how"), Length(max=300)])
    submit = SubmitField("Record consent", widget=GovSubmitInput())


class ContributionForm(Form):
    on = DayMonthYearField("Date", validators=[InputRequired("Enter the date")])
    activity = StringField("What they did", widget=GovTextInput(),
                           description="For example, panel meeting, visit to a project, training",
                           filters=[_strip], validators=[DataRequired("Say what they did"), Length(max=200)])
    hours = HoursField("Hours", widget=GovTextInput(), places=2, render_kw={"inputmode": "decimal"},
                         validators=[InputRequired("Enter the hours, like 1.5"),
                                     NumberRange(0.25, 24, "Enter between 0.25 and 24 hours")])
    submit = SubmitField("Record time", widget=GovSubmitInput())


def _number(label, description=None, most=100):
    return IntegerField(label, widget=GovTextInput(), description=description, render_kw={"inputmode": "numeric"},
                        validators=[Optional(), NumberRange(1, most, f"Enter a whole number from 1 to {most}")])


class RoundForm(Form):
    title = StringField("Round name", widget=GovTextInput(), filters=[_strip],
                        validators=[DataRequired("Enter the round’s name"), Length(max=200)])
    pot = SelectField("Pot the money comes from", widget=GovSelect(), coerce=int,
                      validators=[InputRequired("Choose the pot")])
    budget = MoneyField("Budget, in whole pounds", widget=GovTextInput(), minimum=100,
                        validators=[InputRequired("Enter the budget")])
    ballot_type = EnumRadioField("How members choose", enum=BallotType,
                                 validators=[InputRequired("Choose how members choose")])
    max_projects = _number("Most projects a member can choose, or put in order",
                           "Only when members choose up to a number of projects, or put them in order")
    min_projects = _number("Fewest projects a member must choose, give points to or put in order (optional)",
                           "For example 3, as Świecie asked for")
    total_points = _number("Points each member shares out", "Only for points: for example 10, as Aarau gave", 1000)
    max_points = _number("Most points on one project (optional)", "Only for points", 1000)
    rule = EnumRadioField("How the votes decide", enum=AllocationRule,
                          choices=[(r.value, r.title) for r in (AllocationRule.greedy, AllocationRule.equal_shares)],
                          validators=[InputRequired("Choose how the votes decide")])
    # The options below always show one choice ticked; a form sent without them (an older page) keeps
    # the defaults rather than failing on a question the person never saw.
    utility = RadioField("With equal shares and ticked choices, what a funded project counts for",
                         widget=GovRadioInput(), choices=list(UTILITIES.items()), default="cost",
                         validators=[Optional()])
    completion = RadioField("With equal shares, what is done with money left over", widget=GovRadioInput(),
                            choices=list(COMPLETIONS.items()), default="add1",
                            validators=[Optional()])
    compare = RadioField("Compare the result with most votes first?", widget=GovRadioInput(),
                         description="If more voters would be happier with the most-votes-first result than less "
                                     "happy, it is used instead. Świecie did this in 2024",
                         choices=[("no", "No"), ("greedy", "Yes, and use it if more voters prefer it")],
                         default="no", validators=[Optional()])
    fund_unvoted = RadioField("May money left over fund projects nobody chose?", widget=GovRadioInput(),
                              description="We say no by default: a project nobody chose has no young person backing "
                                          "it. The pabutools reference says yes",
                              choices=[("no", "No, never fund a project nobody chose"),
                                       ("yes", "Yes, if money is left after the projects people chose")],
                              default="no", validators=[Optional()])
    tie_break = RadioField("When two projects are level", widget=GovRadioInput(), choices=list(TIE_BREAKS.items()),
                           default="approvals-then-id", validators=[Optional()])
    quorum = IntegerField("Fewest ballots for the result to stand (optional)", widget=GovTextInput(),
                          validators=[Optional(), NumberRange(1, 100000, "Enter a whole number, 1 or more")])
    min_approval_percent = IntegerField("Least share of voters a project needs, in % (optional)",
                                        widget=GovTextInput(),
                                        validators=[Optional(), NumberRange(1, 100, "Enter a number from 1 to 100")])
    closes = DayMonthYearField("Voting closes at the end of", validators=[InputRequired("Enter the closing date")])
    submit = SubmitField("Save round", widget=GovSubmitInput())


class ProjectForm(Form):
    title = StringField("Project name", widget=GovTextInput(), filters=[_strip],
                        validators=[DataRequired("Enter the project’s name"), Length(max=200)])
    summary = StringField("Summary for young people", widget=GovCharacterCount(),
                          description=f"Plain words, {SUMMARY_MAX_WORDS} at most: what it is, who it is for, "
                                      "what will change",
                          filters=[_strip],
                          validators=[DataRequired("Write a summary young people can follow"), Length(max=2000)])
    cost = MoneyField("Cost, in whole pounds", widget=GovTextInput(), minimum=0,
                      validators=[InputRequired("Enter the cost")])
    organisation = SelectField("Who would run it (optional)", widget=GovSelect(), coerce=_optional_int,
                               validators=[Optional()])
    submit = SubmitField("Save project", widget=GovSubmitInput())


    def validate_summary(self, field):
        if len((field.data or "").split()) > SUMMARY_MAX_WORDS:
            raise ValidationError(f"Keep the summary to {SUMMARY_MAX_WORDS} words or fewer")


class LinksForm(Form):
    organisations = SelectMultipleField("Groups you have a link to", widget=GovCheckboxesInput(), coerce=int,
                                        description="For example, you go there, you help out, or family work there",
                                        validators=[Optional()])
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class JoinForm(Form):
    code = StringField("Joining code", widget=GovTextInput(),
                       description="The 8 letters and numbers your youth worker gave you, like ABCD-2345",
                       validators=[InputRequired("Enter your joining code"), Length(max=20)])
    submit = SubmitField("Join", widget=GovSubmitInput())


class SendToPanelForm(Form):
    panel = SelectField("Panel", widget=GovSelect(), coerce=int, validators=[InputRequired("Choose a panel")])
    bids = SelectMultipleField("Shortlisted bids to put to the panel", widget=GovCheckboxesInput(), coerce=int,
                               validators=[InputRequired("Choose at least one bid")])
    submit = SubmitField("Create the panel round", widget=GovSubmitInput())
