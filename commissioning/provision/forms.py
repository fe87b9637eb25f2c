from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from commissioning.core.forms import EnumMultiField, EnumRadioField
from commissioning.core.money import MoneyField
from commissioning.core.vocabulary import Tier
from commissioning.core.widgets import GovSelect
from commissioning.localities.forms import PostcodeField, well_formed_postcode
from commissioning.provision.models import Weekday


class ProvisionForm(Form):
    organisation = SelectField("Provider", widget=GovSelect(), coerce=int,
                               validators=[InputRequired("Choose the provider")])
    name = StringField("Name of the service or activity", widget=GovTextInput(),
                       validators=[InputRequired("Enter the name"), Length(max=200)])
    description = TextAreaField("What happens there", widget=GovTextArea(),
                                validators=[InputRequired("Describe what young people can do"), Length(max=5000)])
    locality = SelectField("Locality", widget=GovSelect(), coerce=int, validators=[InputRequired("Choose a locality")])
    tier = EnumRadioField("Tier", enum=Tier, validators=[InputRequired("Choose a tier")])
    age_min = IntegerField("Youngest age", widget=GovTextInput(), render_kw={"inputmode": "numeric"},
                           validators=[InputRequired("Enter the youngest age"),
                                       NumberRange(5, 25, "The youngest age must be between 5 and 25")])
    age_max = IntegerField("Oldest age", widget=GovTextInput(), render_kw={"inputmode": "numeric"},
                           validators=[InputRequired("Enter the oldest age"),
                                       NumberRange(5, 25, "The oldest age must be between 5 and 25")])
    days = EnumMultiField("Days", enum=Weekday, validators=[InputRequired("Choose at least one day")])
    times = StringField("Times", widget=GovTextInput(), description="For example, 6pm to 9pm",
                        validators=[Optional(), Length(max=120)])
    venue = SelectField("Venue", widget=GovSelect(), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    where = StringField("Or where, if not at a listed venue", widget=GovTextInput(), validators=[Optional(), Length(max=300)])
    cost = MoneyField("Cost to young people per session, in pounds", widget=GovTextInput(),
                      description="Enter 0 if it is free", validators=[InputRequired("Enter the cost, or 0 if it is free")])
    contact = StringField("Contact", widget=GovTextInput(), description="A phone number or email address",
                          validators=[InputRequired("Enter a contact"), Length(max=200)])
    is_published = BooleanField("Show it on the public “what’s on” page", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_age_max(self, field):
        if self.age_min.data is not None and field.data is not None and field.data < self.age_min.data:
            raise ValidationError("The oldest age must be the same as or more than the youngest age")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.where.data or "").strip() and not self.venue.data:
            self.where.errors = [*self.where.errors, "Choose a venue or say where it happens"]
            return False
        return valid


class VenueForm(Form):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired("Enter the venue’s name"), Length(max=200)])
    address = TextAreaField("Address", widget=GovTextArea(), validators=[InputRequired("Enter the address"), Length(max=1000)])
    postcode = StringField("Postcode", widget=GovTextInput(), render_kw={"autocomplete": "postal-code"},
                           description="So people can find the nearest venues",
                           validators=[Optional(), Length(max=10), well_formed_postcode])
    locality = SelectField("Locality", widget=GovSelect(), coerce=int, validators=[InputRequired("Choose a locality")])
    capacity = IntegerField("Capacity (people)", widget=GovTextInput(), render_kw={"inputmode": "numeric"},
                            validators=[Optional(), NumberRange(1, 100000, "Capacity must be a whole number of people")])
    accessibility = TextAreaField("Accessibility", widget=GovTextArea(),
                                  description="For example, step-free entrance, hearing loop, accessible toilet",
                                  validators=[Optional(), Length(max=2000)])
    facilities = TextAreaField("Facilities", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    booking_contact = StringField("Booking contact", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    is_public = BooleanField("Show this venue to the public", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save venue", widget=GovSubmitInput())


class NearForm(Form):
    """A search by postcode alone (venues, the provision directory)."""

    class Meta:
        csrf = False

    postcode = PostcodeField()
    submit = SubmitField("Show nearest first", widget=GovSubmitInput())


class WhatsOnForm(Form):
    class Meta:
        csrf = False

    postcode = PostcodeField()
    locality = SelectField("Area", widget=GovSelect(), validators=[Optional()])
    age = IntegerField("Age", widget=GovTextInput(), render_kw={"inputmode": "numeric"},
                       validators=[Optional(), NumberRange(5, 25, "Enter an age between 5 and 25")])
    day = SelectField("Day", widget=GovSelect(), choices=[("", "Any day")] + Weekday.choices(), validators=[Optional()])
    cost = SelectField("Cost", widget=GovSelect(), choices=[("", "Free or paid"), ("free", "Free only"), ("paid", "Paid only")],
                       validators=[Optional()])
    submit = SubmitField("Show activities", widget=GovSubmitInput())
