"""The refund application use cases: find orders, quote, file."""
