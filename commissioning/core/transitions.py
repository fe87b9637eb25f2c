"""The one way an object's status changes: check the enum's transitions, set, audit."""
from commissioning.audit.operations import log_action
from commissioning.core.enums import InvalidTransition


def move(obj, status, why, noun, action):
    """Move ``obj.status`` to ``status`` or raise InvalidTransition in words a person can act on."""
    if not obj.status.can_become(status):
        raise InvalidTransition(f"{noun} that is {obj.status.title.lower()} cannot become {status.title.lower()}. "
                                "It may have changed since the page was opened: reload it to see where it stands")
    old = obj.status
    obj.status = status
    log_action(obj, action, f"{obj.reference} moved from {old.title} to {status.title}: {why}",
               old=old.value, new=status.value)
