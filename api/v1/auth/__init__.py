"""Tokens: a user trades a username and password for the token the API takes."""
