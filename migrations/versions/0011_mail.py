"""E-mail intake and replies: customers' registered addresses, received messages, the outbox
(its Message-IDs find threads) and one-time links.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.create_unique_constraint('uq_customers_email', ['email'])
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('customer_id', sa.String(length=32), nullable=True),
    sa.Column('ticket_id', sa.String(length=20), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['refund_tickets.ticket_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index('ix_mail_outbox_customer_id', 'mail_outbox', ['customer_id'], unique=False)
    op.create_index('ix_mail_outbox_status', 'mail_outbox', ['status'], unique=False)
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('envelope_from', sa.String(length=254), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=True),
    sa.Column('customer_id', sa.String(length=32), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('auth_passed', sa.Boolean(), nullable=True),
    sa.Column('thread_of', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.String(length=20), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ),
    sa.ForeignKeyConstraint(['thread_of'], ['mail_outbox.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['refund_tickets.ticket_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_mail_messages_customer_id', 'mail_messages', ['customer_id'], unique=False)
    op.create_index('ix_mail_messages_from_address', 'mail_messages', ['from_address'], unique=False)
    op.create_index('ix_mail_messages_message_id', 'mail_messages', ['message_id'], unique=False)
    op.create_index('ix_mail_messages_received_at', 'mail_messages', ['received_at'], unique=False)
    op.create_table('mail_links',
    sa.Column('jti', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('ticket_id', sa.String(length=20), nullable=True),
    sa.Column('prefill', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('used_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('jti')
    )
    op.create_index('ix_mail_links_customer_id', 'mail_links', ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_mail_links_customer_id', table_name='mail_links')
    op.drop_table('mail_links')
    for name in ('received_at', 'message_id', 'from_address', 'customer_id'):
        op.drop_index(f'ix_mail_messages_{name}', table_name='mail_messages')
    op.drop_table('mail_messages')
    op.drop_index('ix_mail_outbox_status', table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_customer_id', table_name='mail_outbox')
    op.drop_table('mail_outbox')
    with op.batch_alter_table('customers') as batch:
        batch.drop_constraint('uq_customers_email', type_='unique')
        batch.drop_column('email')
