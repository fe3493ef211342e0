"""The small shared kernel: settings, database sessions, money, errors, internal auth, pagination.

Nothing domain-specific lives here.
"""
