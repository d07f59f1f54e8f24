"""handoff_messages: every line of a handoff (the customer's words, the agents' replies) for the
console's full-text history search, which found only the customer's last message; filled from
what the handoffs already hold (the left message, the last words).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 04:00:00
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('who', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_handoff_messages_handoff_id'), 'handoff_messages', ['handoff_id'], unique=False)
    for column, stamp in (("message", "created_at"), ("last_customer_text", "COALESCE(last_customer_at, created_at)")):
        op.execute(f"INSERT INTO handoff_messages (handoff_id, who, text, created_at) "
                   f"SELECT id, 'customer', {column}, {stamp} FROM handoffs WHERE {column} IS NOT NULL")


def downgrade() -> None:
    op.drop_index(op.f('ix_handoff_messages_handoff_id'), table_name='handoff_messages')
    op.drop_table('handoff_messages')
