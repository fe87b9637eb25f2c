"""Forms for monitoring: the filters of the list of returns."""
from wtforms import SelectField
from wtforms.validators import Optional

from commissioning.accounts.models import Organisation
from commissioning.contracts.models import AgreementKind, ReturnDue
from commissioning.core.pagination import ListForm
from commissioning.core.widgets import GovSelect
from commissioning.monitoring.models import Rag
from commissioning.monitoring.util import RETURN_STATES, return_state_rank


def _by_status():
    # The rank needs today's date, so the order is built when the list is read, not at import.
    return (return_state_rank(), ReturnDue.due_on, ReturnDue.id)


class ReturnListForm(ListForm):
    """The search, filters and orders of the returns list; statuses are the words its tags use."""

    SEARCH_HINT = "Provider or agreement reference, like CON-0001"
    SORTS = {
        "status": ("Status (overdue first)", _by_status),
        "due": ("Due date (earliest first)", (ReturnDue.due_on, ReturnDue.id)),
        "due_latest": ("Due date (latest first)", (ReturnDue.due_on.desc(), ReturnDue.id.desc())),
        "provider": ("Provider (A to Z)", (Organisation.name, ReturnDue.due_on, ReturnDue.id)),
    }

    status = SelectField("Status", widget=GovSelect(), validators=[Optional()],
                         choices=[("", "Any status")] + [(key, words) for key, (words, _c) in RETURN_STATES.items()])
    rag = SelectField("Overall rating", widget=GovSelect(), validators=[Optional()],
                      choices=[("", "Any rating")] + [(r.value, r.title) for r in Rag] + [("none", "Not rated")])
    kind = SelectField("Kind of agreement", widget=GovSelect(), validators=[Optional()],
                       choices=[("", "Any kind")] + AgreementKind.choices())
