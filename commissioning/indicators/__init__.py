"""Indicators with baselines, targets and actuals per year, and their RAG status."""
