from commissioning.monitoring.operations import send_digests, sweep_reminders
from workers.base import task


@task("monitoring.sweep_reminders", max_retries=3)
def sweep_reminders_task():
    """Create every reminder now due; each is a keyed row, so a second run sends nothing again."""
    return sweep_reminders()


@task("monitoring.send_digests", max_retries=3)
def send_digests_task():
    """One mail a day per person with the reminders they chose as a digest."""
    return send_digests()
