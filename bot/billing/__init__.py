"""Billing adapter: the assistant's read-only view of the provider's billing system."""
