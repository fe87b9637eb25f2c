from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from commissioning.core.forms import DayMonthYearField, Form
from commissioning.notices.rules import KINDS


class StartForm(Form):
    """Start an optional notice from the timeline."""
    code = HiddenField(validators=[InputRequired("Choose a notice from the timeline")])
    submit = SubmitField("Start this notice", widget=GovSubmitInput())

    def validate_code(self, field):
        if field.data not in KINDS:
            raise ValidationError("Choose a notice from the timeline")


class DetailsForm(Form):
    """What the commissioner adds before a notice goes out; only the fields its type asks for are shown."""
    engagement = TextAreaField("How did you engage the market?", widget=GovTextArea(),
                               description="Who you talked to, how (events, questionnaires, meetings) and what you asked.",
                               validators=[Optional(), Length(max=4000, message="Keep it under 4,000 characters")])
    tender_notice_on = DayMonthYearField("When will the tender notice be published?", validators=[Optional()],
                                         description="For example, 27 3 2027")
    no_lots_reason = TextAreaField("Why is the contract not divided into lots?", widget=GovTextArea(),
                                   description="The Act asks for the reason when a contract could have been split.",
                                   validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters")])
    no_engagement_reason = TextAreaField(
        "If you held no preliminary market engagement notice, why not? (optional)", widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters")])
    justification = TextAreaField("Why is the contract awarded directly?", widget=GovTextArea(),
                                  validators=[Optional(), Length(max=4000, message="Keep it under 4,000 characters")])
    reason = TextAreaField("Why was the procurement stopped?", widget=GovTextArea(),
                           validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters")])
    submit = SubmitField("Save the details", widget=GovSubmitInput())

    FIELDS = {"UK2": ("engagement",), "UK3": ("tender_notice_on",), "UK4": ("no_lots_reason", "no_engagement_reason"),
              "UK5": ("justification",), "UK12": ("reason",)}

    def values(self, code):
        out = {}
        for name in self.FIELDS.get(code, ()):
            value = getattr(self, name).data
            out[name] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        return out
