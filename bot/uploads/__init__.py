"""Evidence uploads: type checks by content, limits, content-addressed storage."""
