"""The JSON API (/api/v1) and the tokens that open it."""
