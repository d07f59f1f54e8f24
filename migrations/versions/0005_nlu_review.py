"""nlu_review (messages the assistant did not understand well, for operators to label) and the
dashboard's daily counts (conversation_days, message_days)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:20:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nlu_review',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('predicted_intent', sa.String(length=64), nullable=False),
    sa.Column('confidence', bot.storage.types.ExactDecimal(precision=4, scale=3), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.Column('first_seen', bot.storage.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen', bot.storage.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=True),
    sa.Column('labelled_by', sa.String(length=32), nullable=True),
    sa.Column('labelled_at', bot.storage.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('text_hash')
    )
    op.create_index('ix_nlu_review_last_seen', 'nlu_review', ['last_seen'], unique=False)
    op.create_index('ix_nlu_review_status', 'nlu_review', ['status'], unique=False)
    op.create_table('conversation_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('day', 'conversation_id')
    )
    op.create_table('message_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('fallbacks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('message_days')
    op.drop_table('conversation_days')
    op.drop_index('ix_nlu_review_status', table_name='nlu_review')
    op.drop_index('ix_nlu_review_last_seen', table_name='nlu_review')
    op.drop_table('nlu_review')
