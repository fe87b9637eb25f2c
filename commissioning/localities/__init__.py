"""Localities (districts): the unit of local planning that every stage refers to."""
