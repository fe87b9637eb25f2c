import re
from datetime import datetime, time

from commissioning.core.forms import Form
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from sqlalchemy import case
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from commissioning.core.forms import DayMonthYearField
from commissioning.core.models import LONDON
from commissioning.core.pagination import ListForm
from commissioning.core.widgets import GovSelect
from commissioning.opportunities.models import Opportunity, OpportunityKind, OpportunityStatus

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def _time_validator(form, field):
    match = _TIME.match((field.data or "").strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValidationError(f"Enter {field.label.text.lower()} as a 24-hour time, like 12:00 or 17:30")


def london_datetime(day, clock):
    """A date and an HH:MM time in UK time, as an aware datetime (right across clock changes)."""
    hours, minutes = (int(x) for x in _TIME.match(clock.strip()).groups())
    return datetime.combine(day, time(hours, minutes), LONDON)


class OpportunityForm(Form):
    title = StringField("Title", widget=GovTextInput(), validators=[InputRequired("Enter a title"), Length(max=200)])
    summary = TextAreaField("Summary for bidders", widget=GovTextArea(),
                            validators=[InputRequired("Write a summary for bidders"), Length(max=10000)])
    clarification_date = DayMonthYearField("Clarification questions close on",
                                           validators=[InputRequired("Enter the date clarification questions close")])
    clarification_time = StringField("Clarification questions close at", widget=GovTextInput(), default="12:00",
                                     validators=[InputRequired("Enter the time clarification questions close"), _time_validator])
    deadline_date = DayMonthYearField("Bids must arrive by", validators=[InputRequired("Enter the submission deadline")])
    deadline_time = StringField("Time bids must arrive by", widget=GovTextInput(), default="12:00",
                                validators=[InputRequired("Enter the time of the deadline"), _time_validator])
    evaluation_date = DayMonthYearField("Evaluation (optional)", validators=[Optional()])
    award_date = DayMonthYearField("Award (optional)", validators=[Optional()])
    word_limit = IntegerField("Word limit per answer", widget=GovTextInput(), default=500,
                              validators=[InputRequired("Enter a word limit"), NumberRange(50, 5000, "Enter a limit from 50 to 5,000 words")])
    lots = TextAreaField("Lots (optional)", widget=GovTextArea(), description="One a line; leave empty for a single lot",
                         validators=[Optional(), Length(max=2000)])
    eligibility = TextAreaField("Pass or fail eligibility questions (optional)", widget=GovTextArea(),
                                description="One a line; a bidder must answer yes to pass. Start a line with NO: when "
                                            "the passing answer is no.",
                                validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save opportunity", widget=GovSubmitInput())

    def deadlines(self):
        return (london_datetime(self.clarification_date.data, self.clarification_time.data),
                london_datetime(self.deadline_date.data, self.deadline_time.data))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid:
            clarification, deadline = self.deadlines()
            if clarification >= deadline:
                self.clarification_date.errors = [*self.clarification_date.errors,
                                                  "Clarification questions must close before the submission deadline"]
                return False
        return valid

    def lot_list(self):
        return [{"name": line.strip()} for line in (self.lots.data or "").splitlines() if line.strip()]

    def eligibility_list(self):
        questions = []
        for line in (self.eligibility.data or "").splitlines():
            line = line.strip()
            if not line:
                continue
            if line.upper().startswith("NO:"):
                questions.append({"question": line[3:].strip(), "pass_answer": "no"})
            else:
                questions.append({"question": line, "pass_answer": "yes"})
        return questions


class ClarificationForm(Form):
    question = TextAreaField("Your question", widget=GovTextArea(),
                             description="Only the council sees who asked. If the answer is published, your question is shown without your name.",
                             validators=[InputRequired("Enter your question"), Length(max=3000)])
    submit = SubmitField("Send question", widget=GovSubmitInput())


class AnswerForm(Form):
    published_question = TextAreaField("Question as published (anonymised)", widget=GovTextArea(),
                                       description="Leave empty to answer only the organisation that asked",
                                       validators=[Optional(), Length(max=3000)])
    answer = TextAreaField("Answer", widget=GovTextArea(), validators=[InputRequired("Enter the answer"), Length(max=5000)])
    submit = SubmitField("Send answer", widget=GovSubmitInput())


class CancelForm(Form):
    reason = StringField("Reason", widget=GovTextInput(), validators=[InputRequired("Say why the opportunity is cancelled"),
                                                                     Length(max=500)])
    submit = SubmitField("Cancel the opportunity", widget=GovSubmitInput())


def _status_order():
    """Open ones first, then in the order of an opportunity's life; drafts and cancelled ones last."""
    order = [OpportunityStatus.open, OpportunityStatus.closed, OpportunityStatus.evaluation,
             OpportunityStatus.awarded, OpportunityStatus.draft, OpportunityStatus.cancelled]
    return (case({s: i for i, s in enumerate(order)}, value=Opportunity.status, else_=len(order)),
            Opportunity.submission_deadline, Opportunity.id)


class OpportunityListForm(ListForm):
    """Filters of the opportunities list; the public never sees or filters on drafts."""

    SEARCH_HINT = "Words in the title or summary, or a reference like OPP-0012"
    SORTS = {
        "status": ("Open first, closing soonest", _status_order),
        "deadline": ("Closing soonest", (Opportunity.submission_deadline, Opportunity.id)),
        "latest": ("Closing latest", (Opportunity.submission_deadline.desc(), Opportunity.id.desc())),
        "value": ("Highest value", (Opportunity.max_value_pence.desc(), Opportunity.id)),
        "value_low": ("Lowest value", (Opportunity.max_value_pence, Opportunity.id)),
        "title": ("Title (A to Z)", (Opportunity.title, Opportunity.id)),
    }

    status = SelectField("Status", widget=GovSelect(), validators=[Optional()])
    kind = SelectField("Kind", widget=GovSelect(), choices=[("", "Any kind")] + OpportunityKind.choices(),
                       validators=[Optional()])

    def __init__(self, manage=False, **kwargs):
        super().__init__(**kwargs)
        self.status.choices = [("", "Any status")] + [
            (s.value, s.title) for s in OpportunityStatus if manage or s is not OpportunityStatus.draft]


class BidListForm(ListForm):
    """Filters of the bids received, once the deadline has unsealed them; sorted in Python (prices are in the bid)."""

    SEARCH_HINT = "The bidder’s name"
    SORTS = {
        "bidder": ("Bidder (A to Z)", None),
        "price": ("Lowest price first", None),
        "price_high": ("Highest price first", None),
        "received": ("Received first", None),
        "received_last": ("Received last", None),
    }

    eligibility = SelectField("Eligibility", widget=GovSelect(), validators=[Optional()],
                              choices=[("", "Passing or failing"), ("passes", "Passes every question"),
                                       ("fails", "Fails a question")])
    lot = SelectField("Lot", widget=GovSelect(), validators=[Optional()])

    def __init__(self, lots=(), **kwargs):
        super().__init__(**kwargs)
        self.lot.choices = [("", "Any lot")] + [(name, name) for name in lots]


def _bid_order(*keys):
    """ORDER BY for the provider's list, built when asked: bids are a later stage than this module."""
    def order():
        from commissioning.bids.models import Bid
        columns = {"changed": Bid.updated_at.desc(), "deadline": Opportunity.submission_deadline,
                   "deadline_last": Opportunity.submission_deadline.desc(), "title": Opportunity.title}
        return tuple(columns[k] for k in keys) + (Bid.id.desc(),)
    return order


class MyBidsForm(ListForm):
    """Filters of a provider's own bids (/my-bids)."""

    SEARCH_HINT = "Words in the opportunity’s title, or its reference"
    SORTS = {
        "changed": ("Recently changed", _bid_order("changed")),
        "deadline": ("Deadline soonest", _bid_order("deadline")),
        "deadline_last": ("Deadline latest", _bid_order("deadline_last")),
        "title": ("Opportunity (A to Z)", _bid_order("title")),
    }

    status = SelectField("Your bid", widget=GovSelect(), validators=[Optional()])
    stage = SelectField("The opportunity", widget=GovSelect(), validators=[Optional()],
                        choices=[("", "At any stage")] + [(s.value, s.title) for s in OpportunityStatus
                                                          if s is not OpportunityStatus.draft])

    def __init__(self, **kwargs):
        from commissioning.bids.models import BidStatus
        super().__init__(**kwargs)
        self.status.choices = [("", "Any status")] + BidStatus.choices()
