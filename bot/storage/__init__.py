"""Persistence: SQLAlchemy schema and engine set-up (SQLite by default, PostgreSQL in production)."""
