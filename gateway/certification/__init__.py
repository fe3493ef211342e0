"""Certificates, public verification, market rules and eligibility, fed by the certification service."""
