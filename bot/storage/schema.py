"""Database tables: the demo billing system and the assistant's own tickets."""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.storage.types import ExactDecimal, Money, UTCDateTime

Base: Any = declarative_base()  # typed Any: SQLAlchemy 1.4's declarative base has no stubs
# RF + the Beijing date + a daily sequence of at least 4 digits (5 and more past 9,999 a day).
TICKET_ID_LENGTH = 20
# The ticket states that count in an order's ledger (bot.vocabulary.COMMITTED_STATUSES), as SQL.
COUNTING = "status NOT IN ('rejected', 'withdrawn', 'final_rejected')"
FULL_REFUND = f"kind = 'refund' AND reason != 'duplicate_payment' AND {COUNTING}"


# --- demo billing system (a real provider swaps the billing adapter instead) ---------------

class CustomerRow(Base):
    __tablename__ = "customers"
    customer_id = Column(String(32), primary_key=True)
    name = Column(String(100), nullable=False)
    is_demo = Column(Boolean, nullable=False, default=False)
    password_hash = Column(String(200))  # demo website login
    # The registered e-mail address (lower case): the only address mail about the account goes to.
    email = Column(String(254), unique=True)


class InstanceRow(Base):
    __tablename__ = "instances"
    instance_id = Column(String(32), primary_key=True)
    customer_id = Column(String(32), ForeignKey("customers.customer_id"), nullable=False, index=True)
    product_code = Column(String(32), nullable=False)
    name = Column(String(100), nullable=False)
    region = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False)


class OrderRow(Base):
    __tablename__ = "orders"
    order_id = Column(String(16), primary_key=True)
    customer_id = Column(String(32), ForeignKey("customers.customer_id"), nullable=False, index=True)
    product_code = Column(String(32), nullable=False)
    product_name = Column(String(100), nullable=False)
    instance_id = Column(String(32), ForeignKey("instances.instance_id"), index=True)
    billing_mode = Column(String(16), nullable=False)
    order_type = Column(String(16), nullable=False)
    term_months = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    activated_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime)
    list_monthly_price = Column(Money(), nullable=False, default=0)
    discount_rate = Column(ExactDecimal(6, 4), nullable=False, default=1)
    hourly_tiers = Column(JSON, nullable=False, default=list)
    promotional_no_refund = Column(Boolean, nullable=False, default=False)
    transferred = Column(Boolean, nullable=False, default=False)
    has_unpaid_items = Column(Boolean, nullable=False, default=False)
    converted_from_payg = Column(Boolean, nullable=False, default=False)
    invoiced = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False, default="active")
    quantity = Column(Integer, nullable=False, default=1, server_default="1")
    original_price = Column(Money(), nullable=False, default=0, server_default="0")
    # The order this one renews or upgrades (its changes are settled with it).
    parent_order_id = Column(String(16), ForeignKey("orders.order_id"), index=True)
    spec_code = Column(String(32), ForeignKey("product_specs.spec_code"))  # the configuration bought
    package_total = Column(ExactDecimal(14, 3))  # resource packages: quantity bought...
    package_used = Column(ExactDecimal(14, 3))   # ...and taken so far
    package_unit = Column(String(16))
    items = relationship("OrderItemRow", lazy="selectin", order_by="OrderItemRow.id")
    payments = relationship("PaymentRow", lazy="selectin", order_by="PaymentRow.paid_at")
    spec = relationship("ProductSpecRow", lazy="selectin")


class ProductSpecRow(Base):
    """The configurations a product is sold in, with monthly list prices (downgrade targets)."""

    __tablename__ = "product_specs"
    spec_code = Column(String(32), primary_key=True)
    product_code = Column(String(32), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    monthly_price = Column(Money(), nullable=False)


class OrderItemRow(Base):
    __tablename__ = "order_items"
    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(String(16), ForeignKey("orders.order_id"), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    description = Column(String(200), nullable=False)
    amount = Column(Money(), nullable=False)


class PaymentRow(Base):
    __tablename__ = "payments"
    txn_id = Column(String(32), primary_key=True)
    order_id = Column(String(16), ForeignKey("orders.order_id"), nullable=False, index=True)
    paid_at = Column(UTCDateTime, nullable=False)
    method = Column(String(16), nullable=False)
    cash = Column(Money(), nullable=False, default=0)
    gift_credit = Column(Money(), nullable=False, default=0)
    voucher = Column(Money(), nullable=False, default=0)
    coupon = Column(Money(), nullable=False, default=0)
    status = Column(String(16), nullable=False, default="success")


class OutageRow(Base):
    __tablename__ = "outages"
    id = Column(Integer, primary_key=True, autoincrement=True)
    instance_id = Column(String(32), ForeignKey("instances.instance_id"), nullable=False, index=True)
    started_at = Column(UTCDateTime, nullable=False)
    ended_at = Column(UTCDateTime, nullable=False)
    summary = Column(String(200), nullable=False, default="")


# --- the assistant's refund tickets ---------------------------------------------------------

class TicketRow(Base):
    __tablename__ = "refund_tickets"
    ticket_id = Column(String(TICKET_ID_LENGTH), primary_key=True)
    customer_id = Column(String(32), nullable=False, index=True)
    order_id = Column(String(16), nullable=False, index=True)
    # Equals order_id while the ticket is open and NULL once closed: the unique constraint
    # then allows exactly one open ticket per order on every database.
    open_order_id = Column(String(16), unique=True)
    kind = Column(String(16), nullable=False, default="refund", server_default="refund")  # TicketKind
    product_code = Column(String(32), nullable=False)
    reason = Column(String(32), nullable=False)
    rule = Column(String(32), nullable=False)
    status = Column(String(24), nullable=False)
    manual_review = Column(Boolean, nullable=False, default=False)
    quoted_amount = Column(Money(), nullable=False)
    quote = Column(JSON, nullable=False)
    details = Column(JSON, nullable=False, default=dict)
    conversation_id = Column(String(128))
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    # Lifecycle (see bot/tickets/lifecycle.py)
    stage_due = Column(Date)  # customer-local date by which the current stage should be done
    reviewer_id = Column(String(32))
    approved_by = Column(String(32))  # the reviewer who approved (the first person above the limit)
    manager_id = Column(String(32))  # the manager who approved as the second person
    final_amount = Column(Money())
    adjustment_reason = Column(Text)
    info_requested = Column(JSON)  # what the reviewer asked the customer to add
    rejection_code = Column(String(32))
    rejection_note = Column(Text)
    appeal_statement = Column(Text)
    payout_reference = Column(String(64))
    paid_at = Column(UTCDateTime)
    # The order's ledger (bot/tickets/ledger.py): the root order of its renewals and upgrades,
    # and the outage month ("ins-…:2026-11") an SLA voucher of this ticket compensates.
    ledger_key = Column(String(16), nullable=False, index=True)
    claim_key = Column(String(64))
    evidence = relationship("EvidenceRow", lazy="selectin", order_by="EvidenceRow.id")
    events = relationship("TicketEventRow", lazy="selectin", order_by="TicketEventRow.id")

    __table_args__ = (
        Index("ix_tickets_customer_created", "customer_id", "created_at"),
        # While a ticket counts in its ledger: one compensation per outage month, one full refund
        # per order (with its changes). The last line of defence behind the ledger's row lock.
        Index("uq_tickets_one_claim_per_outage", "claim_key", unique=True,
              postgresql_where=text(COUNTING), sqlite_where=text(COUNTING)),
        Index("uq_tickets_one_full_refund", "ledger_key", unique=True,
              postgresql_where=text(FULL_REFUND), sqlite_where=text(FULL_REFUND)),
    )


class OrderLedgerRow(Base):
    """One row per order family: filing and money-moving transitions lock it first, so two of
    them on the same order never decide at once (PostgreSQL row lock; SQLite's write lock)."""

    __tablename__ = "order_ledgers"
    ledger_key = Column(String(16), primary_key=True)
    version = Column(Integer, nullable=False)


class TicketSequenceRow(Base):
    __tablename__ = "ticket_sequences"
    day = Column(String(8), primary_key=True)
    last = Column(Integer, nullable=False)


class EvidenceRow(Base):
    __tablename__ = "ticket_evidence"
    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # text | link | transaction | file
    content = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class EscalationRow(Base):
    """A 催办 recorded for an overdue stage; one per ticket, stage and missed due date."""

    __tablename__ = "ticket_escalations"
    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"), nullable=False, index=True)
    status = Column(String(24), nullable=False)
    missed_due = Column(Date, nullable=False)
    new_due = Column(Date, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("ticket_id", "status", "missed_due"),)


class CustomerVisitRow(Base):
    """When the customer was last told about their tickets (for 'changed since your last visit')."""

    __tablename__ = "customer_visits"
    customer_id = Column(String(32), primary_key=True)
    last_seen_at = Column(UTCDateTime, nullable=False)


class StaffRow(Base):
    """Support agents, billing reviewers and operators (roles: comma-separated agent, reviewer,
    operator; grants: comma-separated extra permissions such as transcripts). A departed
    person is disabled, never deleted: tickets, notes and handoffs keep naming them."""

    __tablename__ = "staff"
    staff_id = Column(String(32), primary_key=True)
    name = Column(String(100), nullable=False)
    roles = Column(String(64), nullable=False)
    password_hash = Column(String(200), nullable=False)
    grants = Column(String(64), nullable=False, default="", server_default="")
    disabled_at = Column(UTCDateTime)  # set by `make staff ARGS='disable ID'`: nothing they hold works


class StaffTokenRow(Base):
    """A back-office API token of a staff member (several each, named), stored as its SHA-256;
    it works until it expires or is revoked, and never for a disabled person."""

    __tablename__ = "staff_api_tokens"
    id = Column(Integer, primary_key=True, autoincrement=True)
    staff_id = Column(String(32), ForeignKey("staff.staff_id"), nullable=False, index=True)
    name = Column(String(64), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime)  # NULL only for the development demo tokens
    last_used_at = Column(UTCDateTime)
    revoked_at = Column(UTCDateTime)


class IdempotencyRow(Base):
    """A back-office request already answered, by (actor, Idempotency-Key)."""

    __tablename__ = "idempotency_records"
    actor = Column(String(32), primary_key=True)
    key = Column(String(128), primary_key=True)
    request_hash = Column(String(64), nullable=False)
    status = Column(Integer, nullable=False)
    body = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class HandoffRow(Base):
    """A conversation handed to (or waiting for) a human agent."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_created_at", "created_at"),)  # the history's date filter
    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    customer_id = Column(String(32), index=True)
    reason = Column(String(32), nullable=False)  # requested | fallback | dissatisfied | large_amount | flagged | complaint
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"))
    summary = Column(JSON, nullable=False, default=dict)
    status = Column(String(16), nullable=False, index=True)  # waiting | active | resolved | timed_out | message
    agent_id = Column(String(32), ForeignKey("staff.staff_id"))
    kind = Column(String(16), nullable=False, default="live")  # live | message | callback
    message = Column(Text)
    callback_phone = Column(String(32))
    created_at = Column(UTCDateTime, nullable=False)
    claimed_at = Column(UTCDateTime)
    resolved_at = Column(UTCDateTime)
    outcome = Column(String(16))  # handed_back | closed | timed_out
    # Bumped by every change (claim, reply, note, customer message...): the console's live view
    # compares it instead of re-reading the conversation.
    version = Column(Integer, nullable=False, default=1, server_default="1")
    updated_at = Column(UTCDateTime)
    last_customer_text = Column(Text)  # the newest thing the customer wrote while handed off
    last_customer_at = Column(UTCDateTime)
    customer_typing_at = Column(UTCDateTime)
    # How many messages the customer wrote while handed off (unread counts compare with it).
    customer_messages = Column(Integer, nullable=False, default=0, server_default="0")


class HandoffReadRow(Base):
    """How many of a handoff's customer messages one staff member has seen (the unread badge)."""

    __tablename__ = "handoff_reads"
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), primary_key=True)
    staff_id = Column(String(32), ForeignKey("staff.staff_id"), primary_key=True)
    seen_messages = Column(Integer, nullable=False)
    seen_at = Column(UTCDateTime, nullable=False)


class HandoffNoteRow(Base):
    """An agent's internal note: never shown to the customer."""

    __tablename__ = "handoff_notes"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    agent_id = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class HandoffMessageRow(Base):
    """Every line said in a handoff, kept for the console's full-text history search: what the
    customer wrote (before and while handed off, or left as a message) and the agents' replies
    (the transcript itself lives in Rasa's tracker, which cannot be searched across conversations)."""

    __tablename__ = "handoff_messages"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    who = Column(String(16), nullable=False)  # customer | agent
    agent_id = Column(String(32))  # the agent who replied
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class SurveyRow(Base):
    """Satisfaction after a handoff or a filed ticket."""

    __tablename__ = "surveys"
    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    customer_id = Column(String(32))
    handoff_id = Column(Integer, ForeignKey("handoffs.id"))
    ticket_id = Column(String(TICKET_ID_LENGTH))
    score = Column(Integer, nullable=False)
    comment = Column(Text)
    created_at = Column(UTCDateTime, nullable=False)


class NluReviewRow(Base):
    """A customer message the assistant did not understand well (masked), for an operator to label."""

    __tablename__ = "nlu_review"
    id = Column(Integer, primary_key=True, autoincrement=True)
    text = Column(String(500), nullable=False)  # masked like the logs
    text_hash = Column(String(64), nullable=False, unique=True)  # of the normalised masked text: one row per wording
    predicted_intent = Column(String(64), nullable=False)
    confidence = Column(ExactDecimal(4, 3), nullable=False)
    seen = Column(Integer, nullable=False, default=1)
    first_seen = Column(UTCDateTime, nullable=False)
    last_seen = Column(UTCDateTime, nullable=False, index=True)
    status = Column(String(16), nullable=False, default="new", index=True)  # new | labelled | dismissed
    label = Column(String(64))
    labelled_by = Column(String(32))
    labelled_at = Column(UTCDateTime)
    conversation_id = Column(String(128))  # the conversation it was last said in (its transcript)


class ConversationRow(Base):
    """A conversation with the assistant, for the operator dashboard: when the customer first and
    last wrote to the assistant (not to a person during a handoff), how many messages, and the
    signs it went wrong (bot/nlu/turn_signals.py); what it reached is read with the tickets and
    handoffs that name it, plus the two outcomes only the actions see (answered, withdrawn)."""

    __tablename__ = "conversations"
    conversation_id = Column(String(128), primary_key=True)
    started_at = Column(UTCDateTime, nullable=False, index=True)
    last_message_at = Column(UTCDateTime, nullable=False)
    messages = Column(Integer, nullable=False, default=0)     # customer messages to the assistant
    fallbacks = Column(Integer, nullable=False, default=0)    # of them: not understood (fallback intent)
    repeats = Column(Integer, nullable=False, default=0)      # of them: the customer said it again
    corrections = Column(Integer, nullable=False, default=0)  # of them: 「不是」「我说的是…」
    last_form = Column(String(64))  # the form the customer's latest message answered (None: outside one)
    answered = Column(Boolean, nullable=False, default=False)   # the assistant answered a question
    withdrawn = Column(Boolean, nullable=False, default=False)  # the customer stopped an application or withdrew a ticket


class UploadRow(Base):
    """An evidence file a customer uploaded; the bytes live on disk under their SHA-256."""

    __tablename__ = "uploads"
    id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"), index=True)
    sha256 = Column(String(64), nullable=False, index=True)
    filename = Column(String(120), nullable=False)
    content_type = Column(String(64), nullable=False)
    size = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    purged_at = Column(UTCDateTime)  # set when the retention job deleted the bytes


class TicketEventRow(Base):
    """Append-only audit trail of every ticket state change."""

    __tablename__ = "ticket_events"
    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(64), nullable=False)
    from_status = Column(String(24))
    to_status = Column(String(24), nullable=False)
    reason_code = Column(String(32))
    note = Column(Text, nullable=False, default="")

    __table_args__ = (UniqueConstraint("ticket_id", "id"),)


class LoginSessionRow(Base):
    """A login on the website (customer) or the console (staff): its signed cookie names it,
    and it counts only while it is here, unexpired and not ended (logout ends it at once)."""

    __tablename__ = "login_sessions"
    session_id = Column(String(32), primary_key=True)
    kind = Column(String(16), nullable=False)  # customer | staff
    subject = Column(String(32), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    ended_at = Column(UTCDateTime)
    __table_args__ = (Index("ix_login_sessions_subject", "kind", "subject"),)


# --- e-mail (bot/mail) -------------------------------------------------------------------------

class MailMessageRow(Base):
    """A message the mail intake received: kept whole (the raw bytes on disk under their SHA-256,
    the readable text here) with what was done about it."""

    __tablename__ = "mail_messages"
    id = Column(Integer, primary_key=True, autoincrement=True)
    message_id = Column(String(255), index=True)  # its Message-ID header
    envelope_from = Column(String(254), nullable=False, default="")  # SMTP MAIL FROM ("" for a bounce)
    from_address = Column(String(254), index=True)  # the From header's address (forgeable)
    customer_id = Column(String(32), index=True)  # whose registered address the From names
    subject = Column(String(300), nullable=False, default="")
    received_at = Column(UTCDateTime, nullable=False, index=True)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    text = Column(Text, nullable=False, default="")  # what the customer wrote, as read
    outcome = Column(String(24), nullable=False)  # bot.vocabulary.MailOutcome
    note = Column(String(200), nullable=False, default="")  # why (a robot's header, a defect, ...)
    auth_passed = Column(Boolean)  # the operator's server said SPF/DKIM/DMARC pass (never identity)
    thread_of = Column(Integer, ForeignKey("mail_outbox.id"))  # the reply of ours it answers
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"))
    handoff_id = Column(Integer, ForeignKey("handoffs.id"))


class MailOutboxRow(Base):
    """A reply to send through the relay (kept after sending: threads are found by its Message-ID)."""

    __tablename__ = "mail_outbox"
    id = Column(Integer, primary_key=True, autoincrement=True)
    message_id = Column(String(255), nullable=False, unique=True)
    to_address = Column(String(254), nullable=False)
    customer_id = Column(String(32), index=True)
    ticket_id = Column(String(TICKET_ID_LENGTH), ForeignKey("refund_tickets.ticket_id"))
    handoff_id = Column(Integer, ForeignKey("handoffs.id"))
    subject = Column(String(300), nullable=False)
    raw = Column(LargeBinary, nullable=False)
    status = Column(String(16), nullable=False, index=True)  # pending | sent | failed | bounced
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    sent_at = Column(UTCDateTime)
    error = Column(String(200))


class MailLinkRow(Base):
    """A one-time link mailed to a registered address: what it opens once its customer has logged in."""

    __tablename__ = "mail_links"
    jti = Column(String(32), primary_key=True)
    customer_id = Column(String(32), nullable=False, index=True)
    purpose = Column(String(16), nullable=False)  # apply | ticket
    ticket_id = Column(String(TICKET_ID_LENGTH))
    prefill = Column(JSON, nullable=False, default=dict)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime)
