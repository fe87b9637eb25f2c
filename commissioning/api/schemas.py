"""What the API accepts and returns. The OpenAPI document is generated from these."""
import marshmallow as ma
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from commissioning.contracts.models import AgreementKind, AgreementStatus
from commissioning.core.inputs import MAX_ID, has_control_characters, text_pattern
from commissioning.core.vocabulary import EcmOutcome, Tier, VulnerableGroup
from commissioning.monitoring.models import ReturnStatus
from commissioning.needs.models import MAX_AGE, MAX_AGE_STANDARD, MIN_AGE, NeedStatus
from commissioning.opportunities.models import OpportunityKind, OpportunityStatus


def _values(enum, *extra):
    return [m.value for m in enum] + list(extra)


class PlainText(validate.Regexp):
    """The input policy (core/inputs.py) for an API string: no control characters, and tab and
    line breaks only in ``multiline`` text. A Regexp, so the OpenAPI document gives the same rule
    as a pattern; the check itself is the policy's own ``has_control_characters``."""

    def __init__(self, multiline=False, not_blank=False):
        super().__init__(text_pattern(multiline, not_blank), error=(
            "Remove the control characters from the text." if multiline else
            "Remove the control characters from the text: no tabs or line breaks here either."))
        self.multiline, self.not_blank = multiline, not_blank

    def __call__(self, value):
        if not isinstance(value, str):
            return value
        if has_control_characters(value, multiline=self.multiline):
            raise ValidationError(self.error)
        if self.not_blank and not value.strip():
            raise ValidationError("Enter some text: not only spaces.")
        return value


def Text(max_length, required=False, multiline=False, **kwargs):  # noqa: N802 (a field factory, named like a field)
    """A string for people's words: at most ``max_length``, no control characters (tab and line
    breaks only if ``multiline``), and not blank if required."""
    validators = [validate.Length(min=1 if required else 0, max=max_length),
                  PlainText(multiline=multiline, not_blank=required)]
    return fields.String(required=required, validate=validators, **kwargs)


def _strings_in(field):
    """``field`` and the fields inside it (a list's items, a dict's keys and values)."""
    yield field
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                  getattr(field, "value_field", None), *(getattr(field, "tuple_fields", None) or ())):
        if inner is not None:
            yield from _strings_in(inner)


class WholeNumber(fields.Integer):
    """A JSON number with no fractional part: 17 and 17.0 pass; 12.5 and "12" are refused, never truncated."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Schema(ma.Schema):
    class Meta:
        ordered = True


class InputSchema(Schema):
    """What the API reads (bodies and queries): every string field follows the input policy.

    A string field declared without ``Text`` (or a fixed list of choices) still gets the
    single-line rule, so a new field cannot forget it."""

    def on_bind_field(self, field_name, field_obj):
        for field in _strings_in(field_obj):
            if isinstance(field, fields.String) and not any(
                    isinstance(v, (PlainText, validate.OneOf)) for v in field.validators):
                field.validators.append(PlainText())


# --- queries --------------------------------------------------------------------------------

class PageArgs(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100),
                              metadata={"description": "Items per page, at most 100."})


def _date(description):
    return fields.Date(metadata={"description": description + " (YYYY-MM-DD, inclusive, UK time)."})


class NeedArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(_values(NeedStatus)))
    tier = fields.String(validate=validate.OneOf(_values(Tier)))
    updated_from = _date("Changed on or after this day")
    updated_to = _date("Changed on or before this day")


class OpportunityArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(_values(OpportunityStatus)[1:]),
                           metadata={"description": "Drafts are never published."})
    kind = fields.String(validate=validate.OneOf(_values(OpportunityKind)))
    closing_from = _date("Bids close on or after this day")
    closing_to = _date("Bids close on or before this day")


class ContractArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(_values(AgreementStatus)))
    kind = fields.String(validate=validate.OneOf(_values(AgreementKind)))
    ending_from = _date("Ends on or after this day")
    ending_to = _date("Ends on or before this day")


class ReturnArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(_values(ReturnStatus, "not_started")))
    contract_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    due_from = _date("Due on or after this day")
    due_to = _date("Due on or before this day")


class ResultArgs(PageArgs):
    decided_from = _date("Counted on or after this day")
    decided_to = _date("Counted on or before this day")


# --- responses --------------------------------------------------------------------------------

class Links(Schema):
    self = fields.String(required=True)
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


def page_of(item_schema, name):
    """A page envelope around ``item_schema``: the same shape for every list."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True),
        "links": fields.Nested(Links, required=True),
    })


class NeedOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(NeedStatus)))
    tier = fields.String(required=True, validate=validate.OneOf(_values(Tier)))
    age_min = fields.Integer(required=True)
    age_max = fields.Integer(required=True)
    for_lldd = fields.Boolean(required=True)
    localities = fields.List(fields.String(), required=True)
    locality_ids = fields.List(fields.Integer(), required=True)
    groups = fields.List(fields.String(), required=True)
    outcomes = fields.List(fields.String(), required=True)
    need_not_met = fields.String(required=True)
    how_identified = fields.String(required=True, allow_none=True)
    desired_outcomes = fields.String(required=True, allow_none=True)
    plan_priorities = fields.String(required=True, allow_none=True)
    effectiveness_rating = fields.Integer(required=True, allow_none=True)
    evidence_items = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    url = fields.String(required=True, metadata={"description": "The need's page in the service."})


class NeedIn(InputSchema):
    title = Text(200, required=True)
    tier = fields.String(required=True, validate=validate.OneOf(_values(Tier)))
    age_min = WholeNumber(required=True, validate=validate.Range(
        MIN_AGE, MAX_AGE, error=f"The youngest age must be between {MIN_AGE} and {MAX_AGE}"))
    age_max = WholeNumber(required=True, validate=validate.Range(
        MIN_AGE, MAX_AGE, error=f"The oldest age must be between {MIN_AGE} and {MAX_AGE}"))
    for_lldd = fields.Boolean(load_default=False, metadata={
        "description": f"Young people with learning difficulties or disabilities: ages above {MAX_AGE_STANDARD} "
                       "are allowed only then."})
    need_not_met = Text(10_000, required=True, multiline=True)
    how_identified = Text(10_000, multiline=True)
    desired_outcomes = Text(10_000, multiline=True)
    plan_priorities = Text(10_000, multiline=True)
    effectiveness_rating = WholeNumber(validate=validate.Range(1, 5), allow_none=True)
    locality_ids = fields.List(WholeNumber(validate=validate.Range(min=1, max=MAX_ID)), required=True,
                               validate=validate.Length(min=1, max=100, error="Choose at least one locality"))
    groups = fields.List(fields.String(validate=validate.OneOf(_values(VulnerableGroup))), load_default=list,
                         validate=validate.Length(max=20))
    outcomes = fields.List(fields.String(validate=validate.OneOf(_values(EcmOutcome))), required=True,
                           validate=validate.Length(min=1, max=10, error="Choose at least one outcome"))

    class Meta:
        ordered = True
        unknown = ma.RAISE

    @post_load
    def strip(self, data, **_kwargs):
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}

    @validates_schema
    def ages(self, data, **_kwargs):
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and high < low:
            raise ValidationError("The oldest age must be the same as or more than the youngest age", "age_max")
        if high is not None and high > MAX_AGE_STANDARD and not data.get("for_lldd"):
            raise ValidationError(f"The oldest age can be above {MAX_AGE_STANDARD} only when for_lldd is true",
                                  "age_max")


class IndicatorYearOut(Schema):
    year = fields.Integer(required=True)
    label = fields.String(required=True)
    target = fields.Float(required=True, allow_none=True)
    actual = fields.Float(required=True, allow_none=True)
    rag = fields.String(required=True, allow_none=True, validate=validate.OneOf(["green", "amber", "red"]))


class IndicatorOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    polarity = fields.String(required=True)
    baseline_year = fields.Integer(required=True)
    baseline_value = fields.Float(required=True)
    tolerance = fields.Float(required=True)
    latest_rag = fields.String(required=True, allow_none=True)
    years = fields.List(fields.Nested(IndicatorYearOut), required=True)
    url = fields.String(required=True)


class LotOut(Schema):
    name = fields.String(required=True)
    value_pence = fields.Integer(required=True)


class OpportunityOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(_values(OpportunityKind)))
    status = fields.String(required=True, validate=validate.OneOf(_values(OpportunityStatus)))
    max_value_pence = fields.Integer(required=True)
    lots = fields.List(fields.Nested(LotOut), required=True)
    opened_at = fields.DateTime(required=True, allow_none=True)
    clarification_deadline = fields.DateTime(required=True)
    submission_deadline = fields.DateTime(required=True)
    planned_award_date = fields.Date(required=True, allow_none=True,
                                     metadata={"description": "When the award was planned, in the timetable."})
    awarded_on = fields.Date(required=True, allow_none=True,
                             metadata={"description": "When the award was announced, once it has been."})
    url = fields.String(required=True)


class LocalityOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)


class KpiOut(Schema):
    name = fields.String(required=True)
    unit = fields.String(required=True)
    target = fields.String(required=True, metadata={"description": "As written in the contract, e.g. 120 or 80%."})
    frequency = fields.String(required=True)


class PaymentOut(Schema):
    due = fields.Date(required=True)
    amount_pence = fields.Integer(required=True)
    conditional = fields.Boolean(required=True)


class ContractOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(_values(AgreementKind)))
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(AgreementStatus)))
    provider = fields.String(required=True)
    provider_id = fields.Integer(required=True)
    opportunity_reference = fields.String(required=True, allow_none=True)
    value_pence = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    monitoring_frequency = fields.String(required=True)
    kpis = fields.List(fields.Nested(KpiOut), required=True)
    payments = fields.List(fields.Nested(PaymentOut), required=True)
    url = fields.String(required=True)


class ReturnOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "The due return's id (one per period)."})
    contract_id = fields.Integer(required=True)
    contract_reference = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(ReturnStatus, "not_started")))
    kpi_actuals = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    spend_pence = fields.Integer(required=True, allow_none=True)
    reach = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                        required=True)
    feedback_responses = fields.Integer(required=True, allow_none=True)
    feedback_positive = fields.Integer(required=True, allow_none=True)
    feedback_quotes = fields.String(required=True)
    achievements = fields.String(required=True)
    issues = fields.String(required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)
    suggested_rag = fields.String(required=True, allow_none=True)
    overall_rag = fields.String(required=True, allow_none=True)
    monitor_comments = fields.String(required=True, allow_none=True)
    accepted_at = fields.DateTime(required=True, allow_none=True)
    url = fields.String(required=True)


def _at_most_keys(limit):
    def check(value):
        if len(value) > limit:
            raise ValidationError(f"Send at most {limit} entries.")
    return check


class ReturnIn(InputSchema):
    """Only what is sent changes; ``submit`` also sends the return for review, and if it cannot
    be submitted (a KPI or the spend missing) nothing is saved."""

    kpi_actuals = fields.Dict(keys=Text(200), values=fields.Float(validate=validate.Range(min=0, max=1e12)),
                              validate=_at_most_keys(50),
                              metadata={"description": "KPI name (as in the contract) to this period's actual.",
                                        "maxProperties": 50})
    spend_pence = WholeNumber(validate=validate.Range(min=0, max=10**13), allow_none=True)
    feedback_responses = WholeNumber(validate=validate.Range(min=0, max=10**9), allow_none=True)
    feedback_positive = WholeNumber(validate=validate.Range(min=0, max=10**9), allow_none=True)
    feedback_quotes = Text(5000, multiline=True)
    achievements = Text(10_000, multiline=True)
    issues = Text(10_000, multiline=True)
    submit = fields.Boolean(load_default=False)

    class Meta:
        ordered = True
        unknown = ma.RAISE


class ResultProjectOut(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    organisation = fields.String(required=True, allow_none=True)
    cost_pence = fields.Integer(required=True)
    approvals = fields.Integer(required=True)
    funded = fields.Boolean(required=True)
    below_threshold = fields.Boolean(required=True)


class PanelResultOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "The round's id."})
    reference = fields.String(required=True)
    title = fields.String(required=True)
    panel = fields.String(required=True)
    budget_pence = fields.Integer(required=True)
    rule = fields.String(required=True)
    computed_at = fields.DateTime(required=True)
    ballots = fields.Integer(required=True)
    eligible_voters = fields.Integer(required=True)
    quorum_met = fields.Boolean(required=True)
    spent_pence = fields.Integer(required=True)
    confirmed_at = fields.DateTime(required=True, allow_none=True)
    ballots_sha256 = fields.String(required=True)
    projects = fields.List(fields.Nested(ResultProjectOut), required=True)
    url = fields.String(required=True)


NeedPage = page_of(NeedOut, "NeedPage")
IndicatorPage = page_of(IndicatorOut, "IndicatorPage")
OpportunityPage = page_of(OpportunityOut, "OpportunityPage")
ContractPage = page_of(ContractOut, "ContractPage")
ReturnPage = page_of(ReturnOut, "ReturnPage")
PanelResultPage = page_of(PanelResultOut, "PanelResultPage")
LocalityPage = page_of(LocalityOut, "LocalityPage")


class Error(Schema):
    """Every error the API returns has this shape."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True, metadata={"description": "The HTTP status, in words."})
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person to read."})
    errors = fields.Dict(metadata={"description": "Field name to its problems, when the input was refused."})
