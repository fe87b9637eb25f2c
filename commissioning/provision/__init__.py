"""The provision directory (what is on, by whom, where) and the venue bank partners share."""
