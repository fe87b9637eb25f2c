"""Opportunities: procurements and grant rounds published from approved specifications."""
