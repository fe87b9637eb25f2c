"""Contracts and grant agreements: made from awards, rendered by workers, signed, varied, registered."""
