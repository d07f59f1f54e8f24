"""agent attention: each handoff counts the customer's messages, and each agent's reading of a
conversation is kept (handoff_reads: how many of those messages they have seen), so the
console shows unread counts per conversation that survive a reload.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 04:00:00
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoffs') as batch:
        batch.add_column(sa.Column('customer_messages', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('handoff_reads',
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('seen_messages', sa.Integer(), nullable=False),
    sa.Column('seen_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.staff_id'], ),
    sa.PrimaryKeyConstraint('handoff_id', 'staff_id')
    )


def downgrade() -> None:
    op.drop_table('handoff_reads')
    with op.batch_alter_table('handoffs') as batch:
        batch.drop_column('customer_messages')
