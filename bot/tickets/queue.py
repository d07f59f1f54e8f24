"""The reviewers' ticket queue: which tickets a filter keeps, and in what order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable, Dict, List, Mapping, Optional

from bot.tickets.models import Ticket
from bot.vocabulary import PROVIDER_STAGES, RefundReason, TicketStatus

SORTS: Dict[str, str] = {"due": "到期日", "created": "提交时间", "amount": "金额（高到低）"}


@dataclass(frozen=True)
class TicketFilter:
    """What a reviewer asked the queue for (every field optional)."""

    status: Optional[str] = None
    reason: Optional[str] = None
    text: str = ""  # a ticket, order or customer id (or the start of one)
    overdue: bool = False
    escalated: bool = False
    appealed: bool = False
    min_amount: Optional[Decimal] = None
    max_amount: Optional[Decimal] = None
    sort: str = "due"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "TicketFilter":
        """From the query string; what is not understood is left out, never an error page."""
        def amount(key: str) -> Optional[Decimal]:
            try:
                value = Decimal(args.get(key, "").strip())
            except InvalidOperation:
                return None
            return value if value.is_finite() and value >= 0 else None

        status, reason = TicketStatus.parse(args.get("status")), RefundReason.parse(args.get("reason"))
        return cls(status=status.value if status else None, reason=reason.value if reason else None,
                   text=args.get("q", "").strip()[:40], overdue=args.get("overdue") == "1",
                   escalated=args.get("escalated") == "1", appealed=args.get("appealed") == "1",
                   min_amount=amount("min"), max_amount=amount("max"),
                   sort=sort if (sort := args.get("sort", "")) in SORTS else "due")

    def keeps(self, ticket: Ticket, is_overdue: Callable[[Ticket], bool]) -> bool:
        text = self.text.upper()
        return ((not self.status or ticket.status == self.status)
                and (not self.reason or ticket.reason == self.reason)
                and (not text or any(value.upper().startswith(text)
                                     for value in (ticket.ticket_id, ticket.order_id, ticket.customer_id)))
                and (not self.overdue or is_overdue(ticket))
                and (not self.escalated or was_escalated(ticket))
                and (not self.appealed or ticket.appeal_statement is not None)
                and (self.min_amount is None or ticket.quoted_amount >= self.min_amount)
                and (self.max_amount is None or ticket.quoted_amount <= self.max_amount))


def was_escalated(ticket: Ticket) -> bool:
    """A 催办 was recorded for the ticket (an overdue stage the customer chased)."""
    return any(event.reason_code == "escalated" for event in ticket.events)


def arrange(tickets: List[Ticket], wanted: TicketFilter, is_overdue: Callable[[Ticket], bool]) -> List[Ticket]:
    """The tickets the filter keeps, in its order: by due date (tickets waiting on us first,
    undated last), newest first, or largest amount first."""
    kept = [t for t in tickets if wanted.keeps(t, is_overdue)]
    if wanted.sort == "created":
        return sorted(kept, key=lambda t: t.created_at, reverse=True)
    if wanted.sort == "amount":
        return sorted(kept, key=lambda t: t.quoted_amount, reverse=True)
    return sorted(kept, key=lambda t: (t.status not in PROVIDER_STAGES, t.stage_due or date.max, t.created_at))
