"""The task outbox: work recorded in the same transaction as the data it needs.

A row is written with the data; after the commit it is sent to the broker. If the
broker is down the row waits and a periodic sweep sends it later, so a broker outage
delays work but never loses it, and a rolled-back transaction never leaves a task.
"""
