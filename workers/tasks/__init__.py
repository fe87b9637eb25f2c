"""Thin tasks: take ids, call an operation, commit (done by workers.base.task)."""
