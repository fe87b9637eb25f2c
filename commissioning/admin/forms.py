from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError


DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y"]


def _sensible_year(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError("Enter a date between 2000 and 2100")


class AuditFilterForm(Form):
    """A GET form: filters live in the query string so that results can be bookmarked."""

    class Meta:
        csrf = False

    action = SelectField("Action", widget=GovSelect(), validators=[Optional()])
    object_type = SelectField("Object", widget=GovSelect(), validators=[Optional()])
    user = SelectField("Person", widget=GovSelect(), validators=[Optional()])
    date_from = DateField("From", widget=GovTextInput(), validators=[Optional(), _sensible_year],
                          description="For example, 27/3/2026", format=DATE_FORMATS,
                          render_kw={"inputmode": "numeric"})
    date_to = DateField("To", widget=GovTextInput(), validators=[Optional(), _sensible_year],
                        description="For example, 31/3/2026", format=DATE_FORMATS,
                        render_kw={"inputmode": "numeric"})
    submit = SubmitField("Filter", widget=GovSubmitInput())
