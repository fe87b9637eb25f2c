"""Enums that carry their display titles, and a status base with its transitions in one place."""
import enum


class TitledEnum(str, enum.Enum):
    """A string enum whose members carry a human title: ``Role.admin.title``."""

    def __new__(cls, value, title=None):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.title = title or value.replace("_", " ").capitalize()
        return obj

    @classmethod
    def choices(cls):
        return [(m.value, m.title) for m in cls]


class StatusEnum(TitledEnum):
    """A status whose allowed transitions are declared once, on the enum itself.

    Subclasses define ``__transitions__ = {"draft": {"open"}, ...}`` by value.
    """

    def can_become(self, other):
        return other.value in type(self).__transitions__.get(self.value, set())


class InvalidTransition(ValueError):
    """Raised by operations when a status change is not allowed."""
