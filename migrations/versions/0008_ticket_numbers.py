"""Ticket numbers without a daily ceiling: a ticket id may have 5 and more sequence digits
(RF + date + 4 digits up to 9,999 a day, then 5, ...), so every ticket_id column widens to 20.
SQLite does not enforce VARCHAR lengths (migrations/env.py ignores them there), so only the
other databases are altered.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Referencing tables first is not needed: widening keeps every value valid.
TICKET_ID_COLUMNS = (("refund_tickets", False), ("ticket_evidence", False), ("ticket_events", False),
                     ("ticket_escalations", False), ("handoffs", True), ("surveys", True), ("uploads", True))


def _alter(old: int, new: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, nullable in TICKET_ID_COLUMNS:
        op.alter_column(table, 'ticket_id', existing_type=sa.String(length=old), type_=sa.String(length=new),
                        existing_nullable=nullable)


def upgrade() -> None:
    _alter(14, 20)


def downgrade() -> None:
    _alter(20, 14)
