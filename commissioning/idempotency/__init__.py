"""Exactly-once requests: every state-changing request carries a key, done once, answered twice."""
