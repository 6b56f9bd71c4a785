"""People and roles: the user model, role groups, API tokens, the second factor and lockout."""
