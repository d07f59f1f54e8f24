"""Errors the services raise for the adapters to turn into answers (a 404, a polite reply)."""
from __future__ import annotations


class NotFound(LookupError):
    """What was asked for does not exist, or is not the caller's to see (the two look alike on
    purpose: a customer cannot probe for other customers' tickets)."""
