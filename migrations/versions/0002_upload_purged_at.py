"""uploads.purged_at: the retention job deletes old files but keeps their record

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:40:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('uploads') as batch:
        batch.add_column(sa.Column('purged_at', bot.storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('uploads') as batch:
        batch.drop_column('purged_at')
