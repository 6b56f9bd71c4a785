"""Tokens and the second factor: sign in for a token, enrol and confirm an authenticator."""
