"""Approval by role and amount: who approved a ticket, and the manager who approved it as the
second person above the policy's limit (a ticket may now wait in state manager_review).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refund_tickets') as batch:
        batch.add_column(sa.Column('approved_by', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('manager_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('refund_tickets') as batch:
        batch.drop_column('manager_id')
        batch.drop_column('approved_by')
