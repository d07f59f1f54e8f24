"""Logs that carry conversation and ticket ids, with personal data masked."""
