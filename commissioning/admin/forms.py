from commissioning.accounts.models import Role
from commissioning.core.forms import DayMonthYearField, EnumMultiField, Form
from commissioning.core.widgets import GovSelect
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError


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
    date_from = DayMonthYearField("From", validators=[Optional(), _sensible_year], description="For example, 27 3 2026")
    date_to = DayMonthYearField("To", validators=[Optional(), _sensible_year], description="For example, 31 3 2026")
    submit = SubmitField("Filter", widget=GovSubmitInput())


class PeopleFilterForm(Form):
    """A GET form: the list's search and filters live in the query string."""

    class Meta:
        csrf = False

    q = StringField("Name or email", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    role = SelectField("Role", widget=GovSelect(), choices=[("", "Any role")] + Role.choices(),
                       validators=[Optional()])
    status = SelectField("Account", widget=GovSelect(), validators=[Optional()],
                         choices=[("", "Active or deactivated"), ("active", "Active"),
                                  ("deactivated", "Deactivated")])
    submit = SubmitField("Search", widget=GovSubmitInput())


class RolesForm(Form):
    roles = EnumMultiField("Roles", enum=Role, validators=[Optional()],
                           description="What the person can do. Changes apply from their next page.")
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class MembershipForm(Form):
    organisation = SelectField("Organisation", widget=GovSelect(),
                               validators=[InputRequired("Choose an organisation")])
    is_org_admin = BooleanField("Can manage the organisation's people and documents", widget=GovCheckboxInput())
    submit = SubmitField("Add to organisation", widget=GovSubmitInput())


class OrgAdminForm(Form):
    """One button: make the member an organisation administrator, or stop them being one."""

    make_admin = HiddenField(validators=[AnyOf(["yes", "no"], message="Reload the page and try again")])
