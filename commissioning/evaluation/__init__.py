"""Evaluation: evaluators, conflicts of interest, independent scores, moderation and the scoring run."""
