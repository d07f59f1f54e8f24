"""Command lines over the same services as the chat and the website."""
