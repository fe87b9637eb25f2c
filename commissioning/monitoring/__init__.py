"""Monitoring: returns against KPIs with RAG, reminders sent exactly once, review decisions."""
