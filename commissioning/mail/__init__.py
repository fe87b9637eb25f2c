"""Outgoing mail: written with the transaction, sent by a worker after the commit."""
