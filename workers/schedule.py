"""The whole beat schedule, in one place. Beat runs once; workers scale out."""
from datetime import timedelta

SCHEDULE = {
    "outbox-dispatch-pending": {
        "task": "outbox.dispatch_pending",
        "schedule": timedelta(seconds=15),
        "options": {"expires": 14},
    },
    "opportunities-close-due": {
        "task": "opportunities.close_due",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    "panels-close-due": {
        "task": "panels.close_due",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
}
