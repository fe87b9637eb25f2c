"""Working days for the standstill period: weekends and England and Wales bank holidays excluded."""
from datetime import date, timedelta

#: England and Wales bank holidays; admins can replace the list in settings.
DEFAULT_BANK_HOLIDAYS = [
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
    "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
]
STANDSTILL_WORKING_DAYS = 8


def add_working_days(start, days, holidays):
    """The date ``days`` working days after ``start`` (which itself does not count)."""
    holidays = {date.fromisoformat(h) if isinstance(h, str) else h for h in holidays}
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            counted += 1
    return current
