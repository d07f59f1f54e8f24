"""handoffs: version, updated_at and the customer's latest message and typing, for the console's live view

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:30:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoffs') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('updated_at', bot.storage.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('last_customer_text', sa.Text(), nullable=True))
        batch.add_column(sa.Column('last_customer_at', bot.storage.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('customer_typing_at', bot.storage.types.UTCDateTime(), nullable=True))
    op.create_index('ix_handoffs_created_at', 'handoffs', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_handoffs_created_at', table_name='handoffs')
    with op.batch_alter_table('handoffs') as batch:
        for column in ('customer_typing_at', 'last_customer_at', 'last_customer_text', 'updated_at', 'version'):
            batch.drop_column(column)
