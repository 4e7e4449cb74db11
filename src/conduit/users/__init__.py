"""Accounts: registration, sign-in, and one's own details."""
