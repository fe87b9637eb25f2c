"""Identify need: the needs register, its evidence, options appraisal and status."""
