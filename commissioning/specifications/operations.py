from commissioning.audit.operations import log_action
from commissioning.core.enums import InvalidTransition
from commissioning.core.locks import lock_row
from commissioning.core.money import format_pounds
from commissioning.core.transitions import move
from commissioning.extensions import db
from commissioning.funding.util import balances
from commissioning.needs.models import NeedStatus
from commissioning.needs.operations import mark_need_specified
from commissioning.specifications.models import ApprovalDecision, SpecStatus, Specification, SpecificationVersion
from commissioning.specifications.util import approval_chain, criteria_problems, decision_refusal


class SpecificationError(ValueError):
    """A rule the content breaks; the message is shown to the commissioner."""


def check_content(content):
    problems = criteria_problems(content["criteria"])
    pot_id = content.get("pot_id")
    if pot_id is not None:
        available = balances([pot_id]).get(pot_id)
        if available is None:
            problems.append("Choose a funding source")
        elif content["max_value_pence"] > available.uncommitted:
            problems.append(f"The funding source has only {format_pounds(available.uncommitted)} uncommitted, "
                            f"less than the maximum value of {format_pounds(content['max_value_pence'])}")
    return problems


def create_specification(user, needs, content):
    if not needs or any(n.status is not NeedStatus.prioritised for n in needs):
        raise SpecificationError("A specification is written from one or more prioritised needs")
    problems = check_content(content)
    if problems:
        raise SpecificationError(". ".join(problems))
    spec = Specification(title=content["title"], status=SpecStatus.draft, created_by_id=user.id if user else None)
    spec.needs = list(needs)
    db.session.add(spec)
    db.session.flush()
    spec.reference = f"SPEC-{spec.id:04d}"
    spec.versions.append(SpecificationVersion(number=1, content=content, created_by_id=user.id if user else None))
    db.session.flush()
    log_action(spec, "specification.created", f"{spec.reference} “{spec.title}” drafted from "
               f"{len(needs)} need(s)", need_ids=[n.id for n in needs])
    return spec


def save_version(spec, user, content):
    """Every saved change is a new version; an approved specification is superseded, not edited."""
    if not spec.can_be_edited:
        raise InvalidTransition(f"A specification that is {spec.status.title.lower()} cannot be changed")
    problems = check_content(content)
    if problems:
        raise SpecificationError(". ".join(problems))
    number = spec.current.number + 1
    spec.versions.append(SpecificationVersion(number=number, content=content, created_by_id=user.id if user else None))
    spec.title = content["title"]
    if spec.status is SpecStatus.approved:
        _move(spec, SpecStatus.draft, f"version {number} supersedes approved version {spec.approved_version}")
    db.session.flush()
    log_action(spec, "specification.version_saved", f"{spec.reference} version {number} saved", version=number)
    return spec.current


def _move(spec, status, why):
    move(spec, status, why, "A specification", "specification.status_changed")


def submit_for_review(spec):
    _move(spec, SpecStatus.in_review, f"version {spec.current.number} sent for approval")
    spec.review_stage = 0


def decide(spec, user, approved, comment=None):
    """Record the current stage's decision; the last approval approves the specification.

    Refused to anyone who wrote it or decided an earlier stage of this round (see ``decision_refusal``).
    """
    lock_row(spec)  # two approvers at once: the second waits, then sees the stage the first decided
    db.session.expire(spec, ["decisions", "versions"])
    if spec.status is not SpecStatus.in_review:
        raise InvalidTransition("Only a specification in review can be approved or sent back")
    refusal = decision_refusal(spec, user)
    if refusal:
        raise SpecificationError(refusal)
    if not approved and not (comment or "").strip():
        raise SpecificationError("Say why it is sent back")
    stages = approval_chain(spec.current.content["max_value_pence"])
    stage = stages[spec.review_stage]
    spec.decisions.append(ApprovalDecision(version=spec.current.number, stage=stage, approved=approved,
                                           comment=comment, decided_by_id=user.id if user else None))
    log_action(spec, "specification.decision", f"{stage} {'approved' if approved else 'sent back'} "
               f"{spec.reference} version {spec.current.number}", stage=stage, approved=approved, comment=comment)
    if not approved:
        _move(spec, SpecStatus.draft, f"sent back by {stage}")
        return
    spec.review_stage += 1
    if spec.review_stage >= len(stages):
        _move(spec, SpecStatus.approved, "every stage approved")
        spec.approved_version = spec.current.number
        for need in spec.needs:
            if need.status is NeedStatus.prioritised:
                mark_need_specified(need, spec.reference)
    db.session.flush()
