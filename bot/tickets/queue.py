"""The reviewers' ticket queue: its views (mine, unclaimed, all), what a filter keeps and in what
order. The query itself runs in the database (`TicketStore.review_queue`), a page at a time."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Dict, Mapping, Optional, Tuple
from urllib.parse import urlencode

from bot.tickets.models import Ticket
from bot.vocabulary import RefundReason, TicketKind, TicketStatus

SORTS: Dict[str, str] = {"due": "到期日", "created": "提交时间", "amount": "金额（高到低）"}

# The queue's views: the reviewer's own open tickets, those nobody took yet, and every ticket.
MINE, UNCLAIMED, ALL = "mine", "unclaimed", "all"
VIEWS: Dict[str, str] = {MINE: "我的", UNCLAIMED: "未领取", ALL: "全部"}
# A reviewer's own tickets that still need something from a reviewer (waiting for the customer
# or a manager counts as theirs too: they pick it up again).
MINE_STATUSES = (TicketStatus.UNDER_REVIEW, TicketStatus.NEEDS_INFO, TicketStatus.APPEALED,
                 TicketStatus.MANAGER_REVIEW, TicketStatus.APPROVED, TicketStatus.REFUNDING)
PAGE_SIZE = 25


@dataclass(frozen=True)
class TicketFilter:
    """What a reviewer asked the queue for (every field optional)."""

    view: str = ALL
    status: Optional[str] = None
    reason: Optional[str] = None
    kind: Optional[str] = None
    text: str = ""  # a ticket, order or customer id (or the start of one), or part of a customer's name
    overdue: bool = False
    escalated: bool = False
    appealed: bool = False
    min_amount: Optional[Decimal] = None
    max_amount: Optional[Decimal] = None
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], default_view: str = ALL) -> "TicketFilter":
        """From the query string; what is not understood is left out, never an error page."""
        def amount(key: str) -> Optional[Decimal]:
            try:
                value = Decimal(args.get(key, "").strip())
            except InvalidOperation:
                return None
            return value if value.is_finite() and value >= 0 else None

        status, reason = TicketStatus.parse(args.get("status")), RefundReason.parse(args.get("reason"))
        kind = TicketKind.parse(args.get("kind"))
        page = args.get("page", "").strip()
        return cls(view=view if (view := args.get("view", "")) in VIEWS else default_view,
                   status=status.value if status else None, reason=reason.value if reason else None,
                   kind=kind.value if kind else None,
                   text=args.get("q", "").strip()[:40], overdue=args.get("overdue") == "1",
                   escalated=args.get("escalated") == "1", appealed=args.get("appealed") == "1",
                   min_amount=amount("min"), max_amount=amount("max"),
                   sort=sort if (sort := args.get("sort", "")) in SORTS else "due",
                   page=min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1)

    def query(self, **changed: object) -> str:
        """The filter as a query string (`changed` fields replaced), for links that keep it."""
        wanted = replace(self, **changed)  # type: ignore[arg-type]
        pairs: Tuple[Tuple[str, object], ...] = (
            ("view", wanted.view), ("status", wanted.status), ("reason", wanted.reason), ("kind", wanted.kind),
            ("q", wanted.text), ("overdue", "1" if wanted.overdue else None),
            ("escalated", "1" if wanted.escalated else None), ("appealed", "1" if wanted.appealed else None),
            ("min", wanted.min_amount), ("max", wanted.max_amount),
            ("sort", wanted.sort if wanted.sort != "due" else None), ("page", wanted.page if wanted.page > 1 else None))
        return urlencode([(key, str(value)) for key, value in pairs if value not in (None, "")])


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, the number of tickets the filter keeps, and the count per view."""

    tickets: Tuple[Ticket, ...]
    total: int
    counts: Dict[str, int]
    page: int
    pages: int


def was_escalated(ticket: Ticket) -> bool:
    """A 催办 was recorded for the ticket (an overdue stage the customer chased)."""
    return any(event.reason_code == "escalated" for event in ticket.events)
