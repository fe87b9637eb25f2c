"""People, organisations, memberships, roles, sign-in and password reset."""
