"""Refund ticket values and their states."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, Optional, Tuple

from bot.tickets.labels import DUPLICATE_KIND_LABEL, KIND_LABELS, STATUS_LABELS, VOUCHER_STATUS_LABELS
from bot.vocabulary import OPEN_STATUSES, RefundReason, TicketKind, TicketStatus


@dataclass(frozen=True)
class Evidence:
    kind: str  # text | link | transaction | file
    content: str
    created_at: datetime


@dataclass(frozen=True)
class TicketEvent:
    at: datetime
    actor: str
    from_status: Optional[str]
    to_status: str
    reason_code: Optional[str]
    note: str


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    customer_id: str
    order_id: str
    product_code: str
    reason: str
    rule: str
    status: str
    manual_review: bool
    quoted_amount: Decimal
    quote: Dict[str, Any]
    details: Dict[str, Any]
    conversation_id: str | None
    created_at: datetime
    updated_at: datetime
    evidence: Tuple[Evidence, ...] = field(default_factory=tuple)
    events: Tuple[TicketEvent, ...] = field(default_factory=tuple)
    stage_due: Optional[date] = None
    reviewer_id: Optional[str] = None
    approved_by: Optional[str] = None  # the reviewer who approved it
    manager_id: Optional[str] = None  # the manager who approved it as the second person
    final_amount: Optional[Decimal] = None
    adjustment_reason: Optional[str] = None
    info_requested: Tuple[str, ...] = ()
    rejection_code: Optional[str] = None
    rejection_note: Optional[str] = None
    appeal_statement: Optional[str] = None
    payout_reference: Optional[str] = None
    paid_at: Optional[datetime] = None
    kind: str = TicketKind.REFUND.value
    ledger_key: str = ""  # the root order of the ticket's order family (bot/tickets/ledger.py)
    claim_key: Optional[str] = None  # the outage month its SLA voucher compensates

    @property
    def kind_label(self) -> str:
        """What the ticket asks for, in Chinese (a duplicate charge refunded keeps the resource)."""
        return DUPLICATE_KIND_LABEL if self.refunds_duplicate else KIND_LABELS[self.kind]

    @property
    def refunds_duplicate(self) -> bool:
        """A refund of a charge made twice: the service goes on."""
        return self.kind == TicketKind.REFUND and self.reason == RefundReason.DUPLICATE_PAYMENT

    @property
    def keeps_resource(self) -> bool:
        """A downgrade, an SLA claim or a duplicate charge refunded: nothing is released."""
        return self.kind != TicketKind.REFUND.value or self.refunds_duplicate

    @property
    def note_to_customer(self) -> str:
        """What the reviewer wrote to the customer when asking for more (「给客户的说明」), while
        the ticket waits for it; empty otherwise."""
        if self.status != TicketStatus.NEEDS_INFO:
            return ""
        asked = [e for e in self.events if e.to_status == TicketStatus.NEEDS_INFO]
        return asked[-1].note.strip() if asked else ""

    @property
    def pays_voucher(self) -> bool:
        """An SLA claim is paid as a voucher (credit), never as money."""
        return self.kind == TicketKind.SLA_CLAIM.value

    @property
    def status_label(self) -> str:
        """The state in plain Chinese."""
        return self.state_label(self.status)

    def state_label(self, status: str) -> str:
        """A state of this ticket in plain Chinese (an SLA claim's payout is a voucher)."""
        return (VOUCHER_STATUS_LABELS if self.pays_voucher else STATUS_LABELS)[status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
