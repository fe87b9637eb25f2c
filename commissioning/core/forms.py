"""Validators shared by every domain's forms."""
import re

from wtforms.validators import ValidationError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EmailAddress:
    """A plain shape check for email addresses.

    ``email_validator`` refuses reserved domains such as ``.test`` used by the demo
    accounts; deliverability is proven by the mail we send, not by the form.
    """

    def __init__(self, message="Enter an email address in the correct format, like name@example.org"):
        self.message = message

    def __call__(self, form, field):
        if field.data and not _EMAIL.match(field.data.strip()):
            raise ValidationError(self.message)
