"""Celery worker, beat schedule and thin tasks."""
