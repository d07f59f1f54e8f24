"""Staff offboarding: several named, expiring, revocable API tokens per staff member
(staff_api_tokens), a disabled mark instead of deleting a departed person, and grants
(the operators' transcripts grant). Existing tokens move to the new table, named 「迁移」 and
expiring 90 days after the upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

MIGRATED_TOKEN_DAYS = 90


def upgrade() -> None:
    tokens = op.create_table('staff_api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', bot.storage.types.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', bot.storage.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', bot.storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.staff_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_staff_api_tokens_staff_id', 'staff_api_tokens', ['staff_id'], unique=False)
    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    staff = sa.table('staff', sa.column('staff_id', sa.String), sa.column('api_token_hash', sa.String))
    rows = connection.execute(sa.select(staff.c.staff_id, staff.c.api_token_hash)
                              .where(staff.c.api_token_hash.is_not(None))).all()
    if rows:
        op.bulk_insert(tokens, [{"staff_id": staff_id, "name": "迁移", "token_hash": digest, "created_at": now,
                                 "expires_at": now + timedelta(days=MIGRATED_TOKEN_DAYS)} for staff_id, digest in rows])
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('grants', sa.String(length=64), server_default='', nullable=False))
        batch.add_column(sa.Column('disabled_at', bot.storage.types.UTCDateTime(), nullable=True))
        batch.drop_column('api_token_hash')


def downgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('api_token_hash', sa.String(length=64), nullable=True))
        batch.drop_column('disabled_at')
        batch.drop_column('grants')
    op.drop_index('ix_staff_api_tokens_staff_id', table_name='staff_api_tokens')
    op.drop_table('staff_api_tokens')
