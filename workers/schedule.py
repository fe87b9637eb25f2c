"""The whole beat schedule, in one place. Beat runs once; workers scale out."""
from datetime import timedelta

SCHEDULE = {
    "outbox-dispatch-pending": {
        "task": "outbox.dispatch_pending",
        "schedule": timedelta(seconds=15),
        "options": {"expires": 14},
    },
}
