"""Accounts, passwords, access and refresh tokens, and integrators' API keys."""
