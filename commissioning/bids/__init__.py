"""Bids: drafts, sealed submissions (each an immutable version), withdrawals and receipts."""
