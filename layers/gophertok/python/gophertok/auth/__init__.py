"""Tokens and password hashing."""
