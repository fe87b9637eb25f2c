"""Uploaded files, kept in the database so that a file and its record commit together."""
