"""Order kinds: several instances per order, original price, links between an order and its
renewals/upgrades, resource packages, configurations (product_specs) for downgrades, and the
kind of a ticket (refund, downgrade, SLA claim)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_specs',
    sa.Column('spec_code', sa.String(length=32), nullable=False),
    sa.Column('product_code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('monthly_price', bot.storage.types.Money(), nullable=False),
    sa.PrimaryKeyConstraint('spec_code')
    )
    op.create_index('ix_product_specs_product_code', 'product_specs', ['product_code'], unique=False)
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('quantity', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('original_price', bot.storage.types.Money(), server_default='0', nullable=False))
        batch.add_column(sa.Column('parent_order_id', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('spec_code', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('package_total', bot.storage.types.ExactDecimal(precision=14, scale=3), nullable=True))
        batch.add_column(sa.Column('package_used', bot.storage.types.ExactDecimal(precision=14, scale=3), nullable=True))
        batch.add_column(sa.Column('package_unit', sa.String(length=16), nullable=True))
        batch.create_index('ix_orders_parent_order_id', ['parent_order_id'], unique=False)
        batch.create_foreign_key('fk_orders_parent_order_id', 'orders', ['parent_order_id'], ['order_id'])
        batch.create_foreign_key('fk_orders_spec_code', 'product_specs', ['spec_code'], ['spec_code'])
    with op.batch_alter_table('refund_tickets') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), server_default='refund', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('refund_tickets') as batch:
        batch.drop_column('kind')
    with op.batch_alter_table('orders') as batch:
        batch.drop_constraint('fk_orders_spec_code', type_='foreignkey')
        batch.drop_constraint('fk_orders_parent_order_id', type_='foreignkey')
        batch.drop_index('ix_orders_parent_order_id')
        for column in ('package_unit', 'package_used', 'package_total', 'spec_code', 'parent_order_id',
                       'original_price', 'quantity'):
            batch.drop_column(column)
    op.drop_index('ix_product_specs_product_code', table_name='product_specs')
    op.drop_table('product_specs')
