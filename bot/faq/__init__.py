"""Refund policy questions: a topic classifier and answers generated from the active policy."""
