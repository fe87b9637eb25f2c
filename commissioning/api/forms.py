from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from commissioning.api.models import TokenScope
from commissioning.core.forms import EnumRadioField

EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TokenForm(Form):
    name = StringField("Name", widget=GovTextInput(), filters=[_strip],
                       description="Say what will use it, like “Finance system nightly import”",
                       validators=[DataRequired("Enter a name for the token"),
                                   Length(max=80, message="The name must be 80 characters or fewer")])
    scope = EnumRadioField("What it can do", enum=TokenScope,
                           validators=[InputRequired("Choose what the token can do")])
    expiry = RadioField("Expires after", widget=GovRadioInput(), choices=EXPIRY_CHOICES, default="90",
                        validators=[InputRequired("Choose when the token expires")])
    submit = SubmitField("Create token", widget=GovSubmitInput())
