"""login_sessions: logins the server can end (logout, password change, staff removal)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 14:40:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_sessions',
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', bot.storage.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', bot.storage.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_index('ix_login_sessions_subject', 'login_sessions', ['kind', 'subject'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_sessions_subject', table_name='login_sessions')
    op.drop_table('login_sessions')
