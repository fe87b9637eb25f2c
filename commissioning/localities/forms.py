"""A postcode field for searches by distance, and the check of a venue's own postcode."""
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import ValidationError

from commissioning.localities.postcodes import normalise_postcode, postcode_lookup

BAD_POSTCODE = "Enter a postcode, like L11 0BP"


def well_formed_postcode(form, field):
    """A postcode that could exist, written the usual way; empty is left to other validators."""
    if not (field.data or "").strip():
        return
    postcode = normalise_postcode(field.data)
    if postcode is None:
        raise ValidationError(BAD_POSTCODE)
    field.data = postcode


def known_postcode(form, field):
    """A postcode the lookup can place; the place is kept on the field as ``field.place``."""
    field.place = None
    if not (field.data or "").strip():
        return
    well_formed_postcode(form, field)
    field.place = postcode_lookup().locate(field.data)
    if field.place is None:
        raise ValidationError(f"We could not find {field.data}. Check the postcode, or enter only its "
                              "first part, like L11")


class PostcodeField(StringField):
    """Where to measure from: a postcode (or its first part), validated and located."""

    place = None

    def __init__(self, label="Postcode", **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        kwargs.setdefault("description", "To list the nearest first, for example L11 0BP")
        kwargs.setdefault("render_kw", {"autocomplete": "postal-code", "spellcheck": "false"})
        kwargs.setdefault("validators", [known_postcode])
        super().__init__(label, **kwargs)
