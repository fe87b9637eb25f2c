"""The whole beat schedule, in one place. Beat runs once; workers scale out."""
from datetime import timedelta

from celery.schedules import crontab

SCHEDULE = {
    "outbox-dispatch-pending": {
        "task": "outbox.dispatch_pending",
        "schedule": timedelta(seconds=15),
        "options": {"expires": 14},
    },
    "outbox-clean-up": {
        "task": "outbox.clean_up",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    "opportunities-close-due": {
        "task": "opportunities.close_due",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    "monitoring-sweep-reminders": {
        "task": "monitoring.sweep_reminders",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 14 * 60},
    },
    "monitoring-send-digests": {
        "task": "monitoring.send_digests",
        "schedule": crontab(hour=7, minute=0),   # the app's time zone is Europe/London
        "options": {"expires": 3600},
    },
    "opendata-publish-releases": {
        "task": "opendata.publish_releases",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    "notices-draft-due": {
        "task": "notices.draft_due",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 4 * 60},
    },
    "panels-close-due": {
        "task": "panels.close_due",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
}
