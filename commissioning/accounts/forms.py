from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from commissioning.core.forms import ConfirmForm, EmailAddress


class LoginForm(Form):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address"),
                                   EmailAddress()])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class PasswordResetRequestForm(Form):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address"),
                                   EmailAddress()])
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class PasswordResetForm(Form):
    password = PasswordField(
        "New password", widget=GovPasswordInput(),
        description="Use at least 12 characters. A few unrelated words work well.",
        validators=[InputRequired("Enter a new password"),
                    Length(min=12, max=200, message="Your password must be between 12 and 200 characters")])
    confirm = PasswordField(
        "Confirm new password", widget=GovPasswordInput(),
        validators=[InputRequired("Enter your new password again"),
                    EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


#: Sign-out is a POST with a CSRF token, so another site cannot sign people out.
LogoutForm = ConfirmForm


class ChangePasswordForm(Form):
    current = PasswordField("Current password", widget=GovPasswordInput(),
                            validators=[InputRequired("Enter your current password")])
    password = PasswordField(
        "New password", widget=GovPasswordInput(),
        description="Use at least 12 characters. A few unrelated words work well.",
        validators=[InputRequired("Enter a new password"),
                    Length(min=12, max=200, message="Your password must be between 12 and 200 characters")])
    confirm = PasswordField(
        "Confirm new password", widget=GovPasswordInput(),
        validators=[InputRequired("Enter your new password again"),
                    EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())
