"""Check before an action that cannot be undone: one mechanism for every such route.

A route in ``IRREVERSIBLE`` calls ``ask_first`` once its own permission and ownership checks have
passed. The first POST (from the button on the page) then shows a confirmation page saying what
will happen and what happens next, carrying the form's answers in hidden fields; only the POST
from that page's "Yes" button, marked ``confirmed``, goes on to act. Because the page is a normal
form, it has its own CSRF token and request key: a replayed first POST can never act.
"""
from flask import render_template, request
from markupsafe import Markup

from commissioning.core.forms import ConfirmForm

CONFIRMED = "confirmed"

# endpoint -> what is lost: every POST route that cannot be undone. tests/unit/test_confirm.py
# fails when a POST route whose name says it ends, removes or publishes something is in neither
# this table nor ``UNDOABLE``, or when a route here does not call ask_first.
IRREVERSIBLE = {
    "opportunities.open_for_bids": "publishing the opportunity: it can then only be cancelled",
    "opportunities.cancel": "cancelling the opportunity and telling everyone who started a bid",
    "needs.remove_evidence": "deleting the evidence and its file",
    "api_pages.revoke": "revoking the token for good",
    "admin.revoke_token": "revoking the token for good",
    "panels.remove_project": "taking the project out of the round",
    "panels.open_round": "opening voting: the projects, budget, rule and voters are then fixed",
    "evaluation.award": "awarding: the decision is published and bidders are told",
    "contracts.end": "ending or terminating the agreement",
    "panels.close_round": "closing voting, before its closing date if it is still open",
    "notices.publish": "publishing a Procurement Act notice: it can never be changed or withdrawn",
}

# POST routes whose names sound final but which can be undone or confirm in their own way.
UNDOABLE = {
    "bids.submit": "a submitted bid can be withdrawn and changed until the deadline",
    "bids.withdraw": "a withdrawn bid can be submitted again until the deadline",
    "admin.deactivate": "has its own confirmation page, and the account can be reactivated",
    "admin.remove_membership": "the person can be added to the organisation again",
    "admin.revoke_session": "signing a device out: the person can sign in again",
    "admin.revoke_sessions": "signing devices out: the person can sign in again",
    "accounts.sign_out_device": "signing a device out: you can sign in again",
    "accounts.sign_out_everywhere": "signing out: you can sign in again",
    "providers.remove_member": "the person can be added to the organisation again",
    "panels.remove_member": "the member can be added again with a new joining code",
    "evaluation.unassign": "the evaluator can be assigned again",
    "contracts.create_from_award": "makes draft agreements, which can be changed before they are issued",
    "contracts.upload_signed_copy": "records a signature on paper: the upload form is the confirmation",
    "contracts.sign": "the signature form is the confirmation: name, role and the document's fingerprint",
    "contracts.countersign": "countersigning follows the provider's signature on the page that shows it",
    "contracts.issue": "an issued agreement can be withdrawn and reissued until it is signed",
    "contracts.sign_variation": "the signature form is the confirmation",
    "contracts.variation_step": "each step of a variation is shown with its changes before it is taken",
    "specifications.submit": "a specification sent for approval can be sent back for changes",
}


def ask_first(title, warning, button, what_next=None, back=None):
    """None once the person has confirmed; otherwise the confirmation page to return."""
    if request.method != "POST" or request.form.get(CONFIRMED) == "yes":
        return None
    from commissioning.idempotency.operations import FIELD
    carried = [(key, value) for key, values in request.form.lists() for value in values
               if key not in ("csrf_token", FIELD, CONFIRMED)]
    return render_template("confirm.html", title=title, warning=warning, button=button,
                           what_next=what_next, back=back or request.referrer, carried=carried,
                           form=ConfirmForm(formdata=None), action=request.path)


def warning_text(text):
    """For a warning that names things in bold: callers pass Markup they have escaped."""
    return Markup(text)
