"""Storing and finding refund tickets. Filing is idempotent: one open ticket per order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import CUSTOMER_TZ, to_customer_time
from bot.money import to_money
from bot.tickets.models import OPEN_STATUSES, Evidence, Ticket
from bot.uploads.store import attach_conversation_uploads
from bot.storage.schema import EvidenceRow, TicketEventRow, TicketRow, TicketSequenceRow

COUNTED_AGAINST_QUOTA = ("rejected", "final_rejected", "withdrawn")


@dataclass(frozen=True)
class NewTicket:
    """What the assistant files; the quote was computed from billing data, never from chat."""

    customer_id: str
    order_id: str
    product_code: str
    reason: str
    quote: Dict[str, Any]
    details: Dict[str, Any]
    evidence: Sequence[Tuple[str, str]] = ()  # (kind, content)
    conversation_id: Optional[str] = None
    manual_review: bool = False


class TicketStore:
    """Tickets in the database; every read is filtered by the owner in the query."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def file(self, new: NewTicket, now: datetime) -> Tuple[Ticket, bool]:
        """File a ticket; returns (ticket, created). An open ticket for the order is returned
        instead of creating a second one, also when two filings race."""
        existing = self.open_ticket_for_order(new.customer_id, new.order_id)
        if existing is not None:
            return existing, False
        try:
            with self._sessions.begin() as session:
                ticket_id = _next_ticket_id(session, now)
                row = TicketRow(
                    ticket_id=ticket_id, customer_id=new.customer_id, order_id=new.order_id,
                    open_order_id=new.order_id, product_code=new.product_code, reason=new.reason,
                    rule=new.quote["rule"], status="submitted", manual_review=new.manual_review,
                    quoted_amount=to_money(new.quote["refund"]), quote=new.quote,
                    details=new.details, conversation_id=new.conversation_id,
                    created_at=now, updated_at=now,
                )
                session.add(row)
                session.flush()
                for kind, content in new.evidence:
                    session.add(EvidenceRow(ticket_id=ticket_id, kind=kind, content=content, created_at=now))
                if new.conversation_id:
                    attach_conversation_uploads(session, new.customer_id, new.conversation_id, ticket_id)
                session.add(TicketEventRow(ticket_id=ticket_id, at=now, actor=f"customer:{new.customer_id}",
                                           from_status=None, to_status="submitted",
                                           reason_code="filed", note=""))
        except IntegrityError:
            existing = self.open_ticket_for_order(new.customer_id, new.order_id)
            if existing is None:
                raise
            return existing, False
        ticket = self.get(new.customer_id, ticket_id)
        assert ticket is not None
        return ticket, True

    def get(self, customer_id: str, ticket_id: str) -> Optional[Ticket]:
        """The ticket if it exists and belongs to `customer_id`."""
        query = select(TicketRow).where(TicketRow.ticket_id == ticket_id.upper(),
                                        TicketRow.customer_id == customer_id)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return _ticket(row) if row else None

    def open_ticket_for_order(self, customer_id: str, order_id: str) -> Optional[Ticket]:
        query = select(TicketRow).where(TicketRow.open_order_id == order_id,
                                        TicketRow.customer_id == customer_id)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return _ticket(row) if row else None

    def for_customer(self, customer_id: str, limit: int = 20) -> List[Ticket]:
        """The customer's tickets, newest first."""
        query = (select(TicketRow).where(TicketRow.customer_id == customer_id)
                 .order_by(TicketRow.created_at.desc(), TicketRow.ticket_id.desc()).limit(limit))
        with self._sessions() as session:
            return [_ticket(row) for row in session.scalars(query)]

    def count_no_reason_refunds(self, customer_id: str, year: int,
                                product_code: Optional[str]) -> int:
        """No-reason refunds the customer used in calendar year `year` (Beijing time)."""
        start = datetime(year, 1, 1, tzinfo=CUSTOMER_TZ)
        end = datetime(year + 1, 1, 1, tzinfo=CUSTOMER_TZ)
        query = select(func.count()).select_from(TicketRow).where(
            TicketRow.customer_id == customer_id,
            TicketRow.rule == "no_reason_window",
            TicketRow.status.not_in(COUNTED_AGAINST_QUOTA),
            TicketRow.created_at >= start, TicketRow.created_at < end,
        )
        if product_code is not None:
            query = query.where(TicketRow.product_code == product_code)
        with self._sessions() as session:
            return int(session.scalar(query))

    def set_status(self, ticket_id: str, status: str, now: datetime, actor: str,
                   reason_code: str = "", note: str = "") -> None:
        """Record a state change and its audit event in one transaction."""
        with self._sessions.begin() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise KeyError(ticket_id)
            session.add(TicketEventRow(ticket_id=ticket_id, at=now, actor=actor,
                                       from_status=row.status, to_status=status,
                                       reason_code=reason_code, note=note))
            row.status = status
            row.open_order_id = row.order_id if status in OPEN_STATUSES else None
            row.updated_at = now


def _next_ticket_id(session: Session, now: datetime) -> str:
    """RF + local date + 4-digit daily sequence, allocated atomically inside the transaction."""
    day = to_customer_time(now).strftime("%Y%m%d")
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(TicketSequenceRow).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["day"],
                                      set_={"last": TicketSequenceRow.last + 1})
    session.execute(stmt)
    last = session.scalar(select(TicketSequenceRow.last).where(TicketSequenceRow.day == day))
    if last > 9999:
        raise OverflowError(f"more than 9999 tickets on {day}")
    return f"RF{day}{last:04d}"


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        ticket_id=row.ticket_id, customer_id=row.customer_id, order_id=row.order_id,
        product_code=row.product_code, reason=row.reason, rule=row.rule, status=row.status,
        manual_review=row.manual_review, quoted_amount=row.quoted_amount, quote=row.quote,
        details=row.details, conversation_id=row.conversation_id, created_at=row.created_at,
        updated_at=row.updated_at,
        evidence=tuple(Evidence(e.kind, e.content, e.created_at) for e in row.evidence),
    )
