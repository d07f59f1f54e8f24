"""conversations: one row per conversation with the assistant (messages, the signs it went wrong,
outcomes only the actions see) for the operator dashboard, replacing the daily counts
(conversation_days, message_days: a conversation over two days was counted twice); the NLU
review inbox keeps the conversation each wording was last said in.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=False),
    sa.Column('last_message_at', UTCDateTime(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('fallbacks', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('corrections', sa.Integer(), nullable=False),
    sa.Column('last_form', sa.String(length=64), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id')
    )
    op.create_index('ix_conversations_started_at', 'conversations', ['started_at'], unique=False)
    op.drop_table('message_days')
    op.drop_table('conversation_days')
    with op.batch_alter_table('nlu_review') as batch:
        batch.add_column(sa.Column('conversation_id', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nlu_review') as batch:
        batch.drop_column('conversation_id')
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
    op.drop_index('ix_conversations_started_at', table_name='conversations')
    op.drop_table('conversations')
