from commissioning.audit.operations import log_action
from commissioning.core.enums import InvalidTransition
from commissioning.extensions import db
from commissioning.files.operations import store_file
from commissioning.needs.models import (
    EvidenceItem, Need, NeedGroup, NeedOption, NeedOutcome, NeedStatus, OptionKind)

_SCALAR_FIELDS = ("title", "tier", "age_min", "age_max", "for_lldd", "need_not_met", "how_identified",
                  "desired_outcomes", "plan_priorities", "deficits_opportunities", "effectiveness_rating",
                  "gaps_barriers", "financing", "monitoring")


def _apply(need, localities, groups, outcomes, fields):
    for key in _SCALAR_FIELDS:
        if key in fields:
            setattr(need, key, fields[key])
    need.localities = list(localities)
    need.groups = [NeedGroup(group=g) for g in groups]
    need.outcomes = [NeedOutcome(outcome=o) for o in outcomes]


def create_need(user, localities=(), groups=(), outcomes=(), **fields):
    """A new draft need, with the two options every appraisal must weigh: doing nothing and very little."""
    need = Need(created_by_id=user.id if user else None, status=NeedStatus.draft)
    _apply(need, localities, groups, outcomes, fields)
    need.options = [
        NeedOption(kind=OptionKind.do_nothing, position=0, title="Do nothing",
                   description="Carry on as now, with no new service."),
        NeedOption(kind=OptionKind.do_very_little, position=1, title="Do very little",
                   description="Small changes to existing provision only."),
    ]
    db.session.add(need)
    db.session.flush()
    log_action(need, "need.created", f"Need “{need.title}” recorded", tier=need.tier.value)
    return need


def update_need(need, localities=(), groups=(), outcomes=(), **fields):
    before = {k: str(getattr(need, k)) for k in _SCALAR_FIELDS}
    _apply(need, localities, groups, outcomes, fields)
    changed = sorted(k for k in _SCALAR_FIELDS if str(getattr(need, k)) != before[k])
    log_action(need, "need.updated", f"Need “{need.title}” updated", changed=changed)
    return need


def change_need_status(need, status, reason=None):
    """The one place a need's status changes; the rules are on NeedStatus and Need.problems_before."""
    status = NeedStatus(status)
    if not need.status.can_become(status):
        raise InvalidTransition(f"A {need.status.title.lower()} need cannot become {status.title.lower()}")
    problems = need.problems_before(status)
    if problems:
        raise InvalidTransition(". ".join(problems))
    old = need.status
    need.status = status
    log_action(need, "need.status_changed", f"Need “{need.title}” moved from {old.title} to {status.title}",
               old=old.value, new=status.value, reason=reason)
    return need


def mark_need_specified(need, specification_ref):
    """Called by the specifications stage when a specification for this need is approved."""
    if need.status is not NeedStatus.prioritised:
        raise InvalidTransition("Only a prioritised need can be specified")
    old = need.status
    need.status = NeedStatus.specified
    log_action(need, "need.status_changed", f"Need “{need.title}” specified by {specification_ref}",
               old=old.value, new=need.status.value, specification=specification_ref)
    return need


def add_evidence(need, user, source, date, summary, link=None, upload=None):
    """``upload`` is a checked (filename, content_type, data) triple, stored in the same transaction."""
    stored = store_file(*upload, user=user) if upload else None
    item = EvidenceItem(need=need, source=source, date=date, summary=summary, link=link or None,
                        file_id=stored.id if stored else None)
    db.session.add(item)
    db.session.flush()
    log_action(need, "need.evidence_added", f"Evidence from {source.title.lower()} added to “{need.title}”",
               evidence_id=item.id, file=stored.filename if stored else None)
    return item


def removal_problem(item):
    """Why ``item`` cannot be removed, or None: asked before the confirmation page too."""
    need = item.need
    if need.status in (NeedStatus.evidenced, NeedStatus.prioritised) and len(need.evidence) <= 1:
        return (f"A {need.status.title.lower()} need must keep at least one evidence item: "
                "add another first, or move the need back to draft")
    return None


def remove_evidence(item):
    need = item.need
    problem = removal_problem(item)
    if problem:
        raise InvalidTransition(problem)
    db.session.delete(item)
    log_action(need, "need.evidence_removed", f"Evidence item {item.id} removed from “{need.title}”",
               evidence_id=item.id)


def save_option(need, option=None, **fields):
    if option is None:
        option = NeedOption(need=need, kind=OptionKind.proposal,
                            position=max((o.position for o in need.options), default=0) + 1)
        db.session.add(option)
        action = "need.option_added"
    else:
        action = "need.option_updated"
    if option.kind is not OptionKind.proposal:
        fields.pop("title", None)  # "Do nothing" and "Do very little" keep their names
    for key, value in fields.items():
        setattr(option, key, value)
    db.session.flush()
    log_action(need, action, f"Option “{option.title}” saved for “{need.title}”", option_id=option.id,
               risk_score=option.risk_score, preferred=option.is_preferred)
    return option


def link_provision(need, provisions):
    need.provision = list(provisions)
    log_action(need, "need.provision_linked", f"Existing provision for “{need.title}” updated",
               provision_ids=sorted(p.id for p in provisions))
