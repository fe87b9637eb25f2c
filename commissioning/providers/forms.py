from commissioning.core.forms import Form
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from commissioning.core.forms import DayMonthYearField, EmailAddress, EnumRadioField
from commissioning.providers.models import DocumentKind, OrganisationSize


class ProfileForm(Form):
    name = StringField("Legal name", widget=GovTextInput(), validators=[InputRequired("Enter the legal name"), Length(max=200)])
    charity_number = StringField("Charity number", widget=GovTextInput(), validators=[Optional(), Length(max=20)])
    company_number = StringField("Company number", widget=GovTextInput(), validators=[Optional(), Length(max=20)])
    address = TextAreaField("Address", widget=GovTextArea(), validators=[InputRequired("Enter the address"), Length(max=1000)])
    localities = SelectMultipleField("Localities you serve", coerce=int, widget=GovCheckboxesInput(),
                                     validators=[InputRequired("Choose at least one locality")])
    safeguarding_lead = StringField("Safeguarding lead", widget=GovTextInput(), description="Name and contact",
                                    validators=[InputRequired("Name your safeguarding lead"), Length(max=200)])
    size = EnumRadioField("Size (yearly income)", enum=OrganisationSize, validators=[InputRequired("Choose the size")])
    description = TextAreaField("What your organisation does", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save profile", widget=GovSubmitInput())


class DocumentForm(Form):
    kind = EnumRadioField("Kind of document", enum=DocumentKind, validators=[InputRequired("Choose the kind of document")])
    title = StringField("Title", widget=GovTextInput(), validators=[InputRequired("Enter a title"), Length(max=200)])
    expires_on = DayMonthYearField("Valid until", description="For a policy, the date it is next reviewed",
                                   validators=[InputRequired("Enter the date it expires")])
    file = FileField("File", widget=GovFileInput(), description="PDF, Word, spreadsheet, CSV, text or image, up to 5 MB")
    submit = SubmitField("Upload document", widget=GovSubmitInput())


class InviteForm(Form):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired("Enter their name"), Length(max=120)])
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter their email address"), EmailAddress(), Length(max=254)])
    submit = SubmitField("Add to the organisation", widget=GovSubmitInput())
