"""Order ledgers: each ticket knows its order family (ledger_key, the root order of renewals and
upgrades) and the outage month its SLA voucher compensates (claim_key); one lock row per family
(order_ledgers); partial unique indexes allow one counting full refund per family and one
counting compensation per outage month.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COUNTING = "status NOT IN ('rejected', 'withdrawn', 'final_rejected')"
FULL_REFUND = f"kind = 'refund' AND reason != 'duplicate_payment' AND {COUNTING}"


def upgrade() -> None:
    op.create_table('order_ledgers',
    sa.Column('ledger_key', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('ledger_key')
    )
    with op.batch_alter_table('refund_tickets') as batch:
        batch.add_column(sa.Column('ledger_key', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('claim_key', sa.String(length=64), nullable=True))
    # Existing tickets: a renewal's or upgrade's family is its base order. Claims keep no key:
    # their month was not recorded (one claim per outage holds from here on).
    op.execute("UPDATE refund_tickets SET ledger_key = COALESCE((SELECT orders.parent_order_id FROM orders "
               "WHERE orders.order_id = refund_tickets.order_id), order_id)")
    op.execute("INSERT INTO order_ledgers (ledger_key, version) SELECT DISTINCT ledger_key, 1 FROM refund_tickets")
    with op.batch_alter_table('refund_tickets') as batch:
        batch.alter_column('ledger_key', existing_type=sa.String(length=16), nullable=False)
        batch.create_index('ix_refund_tickets_ledger_key', ['ledger_key'], unique=False)
        batch.create_index('uq_tickets_one_claim_per_outage', ['claim_key'], unique=True,
                           postgresql_where=sa.text(COUNTING), sqlite_where=sa.text(COUNTING))
        batch.create_index('uq_tickets_one_full_refund', ['ledger_key'], unique=True,
                           postgresql_where=sa.text(FULL_REFUND), sqlite_where=sa.text(FULL_REFUND))


def downgrade() -> None:
    with op.batch_alter_table('refund_tickets') as batch:
        batch.drop_index('uq_tickets_one_full_refund')
        batch.drop_index('uq_tickets_one_claim_per_outage')
        batch.drop_index('ix_refund_tickets_ledger_key')
        batch.drop_column('claim_key')
        batch.drop_column('ledger_key')
    op.drop_table('order_ledgers')
