"""Refund policy: configuration, engine and explanations."""
