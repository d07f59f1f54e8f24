"""Refund assistant domain core: policy, billing, tickets and storage (no Rasa imports)."""
