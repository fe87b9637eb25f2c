"""Funding streams and pooled budgets (pots), their ledger, and locality allocation."""
