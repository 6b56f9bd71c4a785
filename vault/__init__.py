"""Envelope encryption of identifying data, its access log, and crypto-shredding."""
