from commissioning.core.forms import Form
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from commissioning.core.money import MoneyField


class BidForm(Form):
    """Fixed fields; the answers and eligibility questions vary and are read from the request."""

    price = MoneyField("Your price, in pounds", widget=GovTextInput(), validators=[Optional()])
    price_breakdown = TextAreaField("Price breakdown", widget=GovTextArea(), validators=[Optional(), Length(max=10000)])
    declarations = BooleanField("I confirm the information is true, and that my organisation has not colluded with "
                                "any other bidder or been offered anything by the council", widget=GovCheckboxInput())
    save = SubmitField("Save draft", widget=GovSubmitInput())


class AttachmentForm(Form):
    file = FileField("Attach a file", widget=GovFileInput(), description="PDF, Word, spreadsheet, CSV, text or image, up to 5 MB")
    submit = SubmitField("Attach", widget=GovSubmitInput())


class SubmitForm(Form):
    token = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])
    submit = SubmitField("Submit the bid", widget=GovSubmitInput())
