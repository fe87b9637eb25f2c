"""Open data: what was funded, published in the 360Giving standard (OCDS to follow)."""
