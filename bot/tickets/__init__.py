"""Refund tickets: filing, numbering, evidence and lookup."""
