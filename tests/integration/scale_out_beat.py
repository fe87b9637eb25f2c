"""The production Celery app for the `celery beat` of test_scale_out.py, its reminder sweep every few seconds.

``celery -A tests.integration.scale_out_beat beat`` runs workers/celery_app.py's app and
workers/schedule.py's entries unchanged (task names, options, every other interval); only the
reminder sweep's 15 minutes become SCALE_OUT_REMINDER_SWEEP_SECONDS, so that a test can watch
several sweep ticks. Production has no such knob: its beat is ``-A workers.celery_app``.
"""
import os
from datetime import timedelta

from workers.celery_app import celery
from workers.schedule import SCHEDULE

SWEEP = "monitoring-sweep-reminders"

celery.conf.beat_schedule = {
    **SCHEDULE,
    SWEEP: {**SCHEDULE[SWEEP], "schedule": timedelta(seconds=float(os.environ["SCALE_OUT_REMINDER_SWEEP_SECONDS"]))},
}
app = celery
