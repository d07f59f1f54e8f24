"""Signed tokens and password hashing shared by the website, the chat channel and the actions."""
