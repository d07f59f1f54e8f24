"""Storing and finding refund tickets. Filing is idempotent: one open ticket per order.
Every state change goes through `transition`, which checks the lifecycle and appends to the
audit trail in the same transaction."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import Numeric, and_, case, cast, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, lazyload, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.billing.models import QuotaUse
from bot.clock import CUSTOMER_TZ, to_customer_time
from bot.errors import NotFound
from bot.money import ZERO, to_money
from bot.storage.schema import (
    CustomerVisitRow,
    EscalationRow,
    EvidenceRow,
    OrderLedgerRow,
    TicketEventRow,
    TicketRow,
    TicketSequenceRow,
)
from bot.tickets.ledger import Entry, Ledger, LedgerFacts, LedgerRefused, without_our_tickets
from bot.tickets.lifecycle import IllegalTransition, next_state
from bot.tickets.models import Evidence, Ticket, TicketEvent
from bot.tickets.queue import ALL, MINE, MINE_STATUSES, PAGE_SIZE, UNCLAIMED, VIEWS, QueuePage, TicketFilter
from bot.uploads.store import attach_conversation_uploads
from bot.vocabulary import OPEN_STATUSES, PROVIDER_STAGES, TicketKind, TicketStatus

logger = logging.getLogger(__name__)

NOT_COUNTED_AGAINST_QUOTA = ("rejected", "final_rejected", "withdrawn")
NO_REASON_RULES = ("no_reason_window", "no_reason_some_instances")
# Columns a transition may change besides the state itself.
TRANSITION_FIELDS = frozenset({"stage_due", "reviewer_id", "approved_by", "manager_id", "final_amount",
                               "adjustment_reason", "info_requested", "rejection_code", "rejection_note",
                               "appeal_statement", "payout_reference", "paid_at"})


class NeedsManager(Exception):
    """The approval would take the order's approved money above the limit: a manager must
    approve as well (the workflow sends the ticket to manager_review instead)."""

    def __init__(self, limit: Decimal) -> None:
        super().__init__(f"above the approval limit of {limit}")
        self.limit = limit


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
    kind: str = TicketKind.REFUND.value
    claim_key: Optional[str] = None  # the outage month its SLA voucher compensates
    # Where the application's uploaded files wait (a web form's draft; default: the conversation).
    uploads_from: Optional[str] = None
    channel_note: str = ""  # how the customer applied, when not in the chat (the filing event's note)
    # The review's due date when the quote promises none (a refused quote sent to manual review).
    review_due: Optional[date] = None

    def entry(self, ticket_id: str, now: datetime) -> Entry:
        """The ticket as its order's ledger will count it once filed."""
        voucher = ZERO if self.kind == TicketKind.SLA_CLAIM else to_money(self.quote.get("sla_compensation") or 0)
        return Entry(ticket_id, self.order_id, self.kind, self.reason, TicketStatus.SUBMITTED,
                     to_money(self.quote["refund"]), now, voucher, self.claim_key)


class TicketStore:
    """Tickets in the database; every customer read is filtered by the owner in the query."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # --- filing -----------------------------------------------------------------------------

    def file(self, new: NewTicket, now: datetime, facts: Optional[LedgerFacts] = None) -> Tuple[Ticket, bool]:
        """File a ticket; returns (ticket, created). An open ticket for the order is returned
        instead of creating a second one, also when two filings race. With billing's `facts`
        the order's ledger is locked and checked first: LedgerRefused if the order (or the
        outage month) has nothing left for it."""
        existing = self.open_ticket_for_order(new.customer_id, new.order_id)
        if existing is not None:
            return existing, False
        key = facts.key if facts is not None else new.order_id
        review_due = new.quote.get("review_due")
        try:
            with self._sessions.begin() as session:
                _lock_ledger(session, key)  # first: filings and payouts of one order take turns
                ticket_id = _next_ticket_id(session, now)
                if facts is not None:
                    _check(self._ledger(session, facts), new.entry(ticket_id, now))
                session.add(TicketRow(
                    ticket_id=ticket_id, customer_id=new.customer_id, order_id=new.order_id,
                    open_order_id=new.order_id, kind=new.kind, product_code=new.product_code, reason=new.reason,
                    rule=new.quote["rule"], status="submitted", manual_review=new.manual_review,
                    quoted_amount=to_money(new.quote["refund"]), quote=new.quote,
                    details=new.details, conversation_id=new.conversation_id,
                    created_at=now, updated_at=now, ledger_key=key, claim_key=new.claim_key,
                    stage_due=date.fromisoformat(review_due) if review_due else new.review_due,
                ))
                session.flush()
                for kind, content in new.evidence:
                    session.add(EvidenceRow(ticket_id=ticket_id, kind=kind, content=content, created_at=now))
                uploads = new.uploads_from or new.conversation_id
                if uploads:
                    attach_conversation_uploads(session, new.customer_id, uploads, ticket_id)
                session.add(TicketEventRow(ticket_id=ticket_id, at=now, actor=f"customer:{new.customer_id}",
                                           from_status=None, to_status="submitted", reason_code="filed",
                                           note=new.channel_note))
        except IntegrityError as exc:
            existing = self.open_ticket_for_order(new.customer_id, new.order_id)
            if existing is None:
                raise _ledger_conflict(exc) from exc
            return existing, False
        logger.info("ticket filed (%s, %s)", new.reason, new.order_id,
                    extra={"ticket_id": ticket_id, "conversation_id": new.conversation_id,
                           "customer_id": new.customer_id})
        return self._stored(ticket_id), True

    def ledger(self, facts: LedgerFacts) -> Ledger:
        """The order family's ledger as it stands (for quoting: not locked)."""
        with self._sessions() as session:
            return self._ledger(session, facts)

    @staticmethod
    def _ledger(session: Session, facts: LedgerFacts, changed: Optional[TicketRow] = None) -> Ledger:
        """The family's tickets as its ledger counts them (`changed`: one of them as it is about
        to be written)."""
        rows = session.execute(select(*LEDGER_COLUMNS).where(TicketRow.ledger_key == facts.key)).all()
        entries = [_entry(changed) if changed is not None and r.ticket_id == changed.ticket_id else _entry(r)
                   for r in rows]
        return Ledger.of(without_our_tickets(facts, [r.ticket_id for r in rows]), entries)

    # --- reading ----------------------------------------------------------------------------

    def get(self, customer_id: str, ticket_id: str) -> Optional[Ticket]:
        """The ticket if it exists and belongs to `customer_id`."""
        query = select(TicketRow).options(*WHOLE_TICKET).where(TicketRow.ticket_id == ticket_id.upper(),
                                                               TicketRow.customer_id == customer_id)
        with self._sessions() as session:
            row = session.scalars(query).unique().first()
            return _ticket(row) if row else None

    def get_for_staff(self, ticket_id: str) -> Optional[Ticket]:
        """Any ticket, for authenticated reviewers and agents (never called from the chat)."""
        return self._get_any(ticket_id.upper())

    def _stored(self, ticket_id: str) -> Ticket:
        """A ticket this store has just written (it cannot be missing)."""
        ticket = self._get_any(ticket_id)
        if ticket is None:
            raise RuntimeError(f"ticket {ticket_id} vanished right after it was written")
        return ticket

    def _get_any(self, ticket_id: str) -> Optional[Ticket]:
        with self._sessions() as session:
            row = session.get(TicketRow, ticket_id, options=WHOLE_TICKET)
            return _ticket(row) if row else None

    def open_ticket_for_order(self, customer_id: str, order_id: str) -> Optional[Ticket]:
        query = select(TicketRow).options(*WHOLE_TICKET).where(TicketRow.open_order_id == order_id,
                                                               TicketRow.customer_id == customer_id)
        with self._sessions() as session:
            row = session.scalars(query).unique().first()
            return _ticket(row) if row else None

    def for_customer(self, customer_id: str, limit: int = 20) -> List[Ticket]:
        """The customer's tickets, newest first."""
        query = (select(TicketRow).where(TicketRow.customer_id == customer_id)
                 .order_by(TicketRow.created_at.desc(), TicketRow.ticket_id.desc()).limit(limit))
        with self._sessions() as session:
            return [_ticket(row) for row in session.scalars(query)]

    def search(self, status: Optional[str] = None, limit: int = 100) -> List[Ticket]:
        """Tickets for the back office, oldest first (the review queue)."""
        query = select(TicketRow).order_by(TicketRow.created_at, TicketRow.ticket_id).limit(limit)
        if status:
            query = query.where(TicketRow.status == status)
        with self._sessions() as session:
            return [_ticket(row) for row in session.scalars(query)]

    # --- the reviewers' queue ------------------------------------------------------------------

    def review_queue(self, wanted: TicketFilter, staff_id: str, today: date,
                     named: Sequence[str] = (), page_size: int = PAGE_SIZE) -> QueuePage:
        """One page of the reviewers' queue as `staff_id` sees it on `today` (Beijing): the
        tickets the filter keeps in its order, how many it keeps, and the count of each view
        (with the filter's other fields). `named`: customers whose name matched the search."""
        where = _queue_conditions(wanted, staff_id, today, named)
        with self._sessions() as session:
            total = int(session.scalar(select(func.count()).select_from(TicketRow).where(*where)) or 0)
            pages = max(1, -(-total // page_size))
            page = min(wanted.page, pages)
            ids = list(session.scalars(select(TicketRow.ticket_id).where(*where).order_by(*_queue_order(wanted.sort))
                                       .offset((page - 1) * page_size).limit(page_size)))
            counts = {}
            for view in VIEWS:
                counts[view] = total if view == wanted.view else int(session.scalar(
                    select(func.count()).select_from(TicketRow)
                    .where(*_queue_conditions(replace(wanted, view=view), staff_id, today, named))) or 0)
            rows = {row.ticket_id: row for row in session.scalars(
                select(TicketRow).options(*WHOLE_TICKET).where(TicketRow.ticket_id.in_(ids))).unique()}
            tickets = tuple(_ticket(rows[i]) for i in ids if i in rows)
        return QueuePage(tickets, total, counts, page, pages)

    def review_order(self, wanted: TicketFilter, staff_id: str, today: date, named: Sequence[str] = (),
                     limit: int = 5000) -> List[str]:
        """The ids of the whole queue in its order (the ticket page's previous and next)."""
        where = _queue_conditions(wanted, staff_id, today, named)
        with self._sessions() as session:
            return list(session.scalars(select(TicketRow.ticket_id).where(*where)
                                        .order_by(*_queue_order(wanted.sort)).limit(limit)))

    def count_overdue(self, today: date) -> int:
        """Tickets waiting on us past their stage's due date."""
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(TicketRow).where(_overdue(today))) or 0)

    def reassign(self, ticket_id: str, reviewer: str, actor: str, now: datetime, note: str = "") -> Ticket:
        """Give a ticket someone took to `reviewer` (audited; the state stays). NotFound if the
        ticket is unknown; IllegalTransition if nobody holds it or it is finished."""
        with self._sessions.begin() as session:
            session.execute(update(TicketRow).where(TicketRow.ticket_id == ticket_id.upper())
                            .values(updated_at=TicketRow.updated_at))
            row = session.get(TicketRow, ticket_id.upper(), with_for_update=True, options=[lazyload("*")])
            if row is None:
                raise NotFound(f"ticket {ticket_id}")
            if row.reviewer_id is None or row.status not in OPEN_STATUSES:
                raise IllegalTransition("这张工单没有人在处理，直接领取即可。")
            if row.reviewer_id == reviewer:
                raise IllegalTransition("这张工单已经由你处理。")
            before = row.reviewer_id
            session.add(TicketEventRow(ticket_id=row.ticket_id, at=now, actor=actor, from_status=row.status,
                                       to_status=row.status, reason_code="reassigned",
                                       note=(f"由 {before} 改派给 {reviewer}" + (f"：{note}" if note else ""))[:2000]))
            row.reviewer_id = reviewer
            row.updated_at = now
        logger.info("ticket reassigned from %s to %s", before, reviewer, extra={"ticket_id": ticket_id.upper()})
        return self._stored(ticket_id.upper())

    def count_no_reason_refunds(self, customer_id: str, year: int,
                                products: Optional[Sequence[str]]) -> int:
        """Instances the customer refunded under the no-reason window in calendar year `year`
        (Beijing time), for `products` (None: every product)."""
        return sum(use.units for use in self.no_reason_uses(customer_id, year, products))

    def no_reason_uses(self, customer_id: str, year: int, products: Optional[Sequence[str]]) -> List[QuotaUse]:
        """The customer's no-reason refunds in calendar year `year` (Beijing time) for `products`
        (None: every product), oldest first: which order of which product used how many units."""
        start = datetime(year, 1, 1, tzinfo=CUSTOMER_TZ)
        end = datetime(year + 1, 1, 1, tzinfo=CUSTOMER_TZ)
        query = select(TicketRow.order_id, TicketRow.product_code, TicketRow.quote).where(
            TicketRow.customer_id == customer_id,
            TicketRow.rule.in_(NO_REASON_RULES),
            TicketRow.status.not_in(NOT_COUNTED_AGAINST_QUOTA),
            TicketRow.created_at >= start, TicketRow.created_at < end,
        ).order_by(TicketRow.created_at)
        if products is not None:
            query = query.where(TicketRow.product_code.in_(list(products)))
        with self._sessions() as session:
            # Tickets filed before instances were counted hold no count: one instance each.
            return [QuotaUse(order_id, product_code, int(quote.get("no_reason_instances") or 1))
                    for order_id, product_code, quote in session.execute(query)]

    # --- changing ---------------------------------------------------------------------------

    def transition(self, ticket_id: str, action: str, role: str, actor: str, now: datetime,
                   owner: Optional[str] = None, reason_code: str = "", note: str = "",
                   changes: Optional[Dict[str, Any]] = None,
                   evidence: Sequence[Tuple[str, str]] = (), facts: Optional[LedgerFacts] = None,
                   approval_limit: Optional[Decimal] = None, not_by: Optional[str] = None,
                   uploads_from: Optional[str] = None) -> Ticket:
        """Apply a lifecycle action atomically: check, change, audit. NotFound if the ticket is
        unknown (or not `owner`'s); IllegalTransition if the action is not allowed now; with
        billing's `facts`, LedgerRefused if the ticket as changed no longer fits its order's
        ledger (the ledger row is locked first, so two such changes never decide at once), and
        NeedsManager if the order's approved money would pass `approval_limit`. `not_by`: the
        staff id that may not act, because it approved the ticket first. `uploads_from`: a
        draft whose files (the owner's, not yet filed) join the ticket with this change."""
        changes = changes or {}
        unknown = set(changes) - TRANSITION_FIELDS
        if unknown:
            raise ValueError(f"not changeable by a transition: {sorted(unknown)}")
        with self._sessions.begin() as session:
            if facts is not None:
                _lock_ledger(session, facts.key)
            else:  # write first here too: SQLite then serialises it like PostgreSQL's row lock
                session.execute(update(TicketRow).where(TicketRow.ticket_id == ticket_id.upper())
                                .values(updated_at=TicketRow.updated_at))
            query = (select(TicketRow).where(TicketRow.ticket_id == ticket_id.upper()).with_for_update()
                     .options(lazyload("*")))  # its evidence and trail are only appended to
            if owner is not None:
                query = query.where(TicketRow.customer_id == owner)
            row = session.scalars(query).first()
            if row is None:
                raise NotFound(f"ticket {ticket_id}")
            target = next_state(row.status, action, role)
            if not_by is not None and row.approved_by == not_by:
                raise IllegalTransition("主管审批须由初审以外的另一位主管完成：您已做过这张工单的初审。")
            if target in OPEN_STATUSES and row.open_order_id is None:
                _check_no_other_open(session, row)
            session.add(TicketEventRow(ticket_id=row.ticket_id, at=now, actor=actor, from_status=row.status,
                                       to_status=target, reason_code=reason_code or action, note=note))
            for kind, content in evidence:
                session.add(EvidenceRow(ticket_id=row.ticket_id, kind=kind, content=content, created_at=now))
            if uploads_from and owner is not None:
                attach_conversation_uploads(session, owner, uploads_from, row.ticket_id)
            for key, value in changes.items():
                setattr(row, key, value)
            previous, row.status = row.status, target
            row.open_order_id = row.order_id if target in OPEN_STATUSES else None
            row.updated_at = now
            if facts is not None:
                with session.no_autoflush:  # the ledger sees this ticket as changed, before any write
                    ledger = self._ledger(session, facts, changed=row)
                _check(ledger, _entry(row))
                if approval_limit is not None and ledger.approved_money(_entry(row)) > approval_limit:
                    raise NeedsManager(approval_limit)
            try:
                session.flush()
            except IntegrityError as exc:
                raise _ledger_conflict(exc) from exc
        logger.info("ticket %s -> %s by %s (%s)", previous, target, actor, action,
                    extra={"ticket_id": ticket_id.upper()})
        return self._stored(ticket_id.upper())

    def set_status(self, ticket_id: str, status: str, now: datetime, actor: str,
                   reason_code: str = "", note: str = "") -> None:
        """Force a state (seeding and tests only: bypasses the lifecycle, still audited)."""
        with self._sessions.begin() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise NotFound(f"ticket {ticket_id}")
            session.add(TicketEventRow(ticket_id=ticket_id, at=now, actor=actor, from_status=row.status,
                                       to_status=status, reason_code=reason_code or "forced", note=note))
            row.status = status
            row.open_order_id = row.order_id if status in OPEN_STATUSES else None
            row.updated_at = now

    def record_escalation(self, ticket: Ticket, new_due: date, now: datetime) -> bool:
        """Record a 催办 for the ticket's missed due date; False if one was already recorded."""
        try:
            with self._sessions.begin() as session:
                row = session.get(TicketRow, ticket.ticket_id, with_for_update=True)
                if row is None or row.status != ticket.status or row.stage_due != ticket.stage_due:
                    return False
                session.add(EscalationRow(ticket_id=ticket.ticket_id, status=ticket.status,
                                          missed_due=ticket.stage_due, new_due=new_due, created_at=now))
                session.add(TicketEventRow(ticket_id=ticket.ticket_id, at=now, actor="system:escalation",
                                           from_status=ticket.status, to_status=ticket.status,
                                           reason_code="escalated", note=f"逾期催办，新承诺日期 {new_due.isoformat()}"))
                row.stage_due = new_due
        except IntegrityError:
            return False
        return True

    def escalation_count(self, ticket_id: str) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(EscalationRow)
                                      .where(EscalationRow.ticket_id == ticket_id)))

    def changed_since_last_visit(self, customer_id: str, now: datetime) -> List[Tuple[Ticket, TicketEvent]]:
        """Tickets whose state someone else changed since the customer's last visit; the visit
        is then recorded as `now`."""
        with self._sessions.begin() as session:
            visit = session.get(CustomerVisitRow, customer_id, with_for_update=True)
            since = visit.last_seen_at if visit else None
            changed: List[Tuple[Ticket, TicketEvent]] = []
            if since is not None:
                query = (select(TicketRow).where(TicketRow.customer_id == customer_id,
                                                 TicketRow.updated_at > since)
                         .order_by(TicketRow.updated_at.desc()))
                for row in session.scalars(query):
                    ticket = _ticket(row)
                    news = [e for e in ticket.events if e.at > since and not e.actor.startswith("customer:")
                            and e.from_status != e.to_status]
                    if news:
                        changed.append((ticket, news[-1]))
            if visit is None:
                session.add(CustomerVisitRow(customer_id=customer_id, last_seen_at=now))
            else:
                visit.last_seen_at = now
        return changed


def _overdue(today: date) -> ColumnElement:
    return and_(TicketRow.status.in_([s.value for s in PROVIDER_STAGES]), TicketRow.stage_due.is_not(None),
                TicketRow.stage_due < today)


def _queue_conditions(wanted: TicketFilter, staff_id: str, today: date, named: Sequence[str]) -> List[ColumnElement]:
    """The filter as SQL conditions on the tickets table."""
    where: List[ColumnElement] = []
    if wanted.view == MINE:
        where += [TicketRow.reviewer_id == staff_id, TicketRow.status.in_([s.value for s in MINE_STATUSES])]
    elif wanted.view == UNCLAIMED:
        where += [TicketRow.status == TicketStatus.SUBMITTED.value, TicketRow.reviewer_id.is_(None)]
    else:
        assert wanted.view == ALL
    if wanted.status:
        where.append(TicketRow.status == wanted.status)
    if wanted.reason:
        where.append(TicketRow.reason == wanted.reason)
    if wanted.kind:
        where.append(TicketRow.kind == wanted.kind)
    if wanted.text:
        start = wanted.text.upper()
        found = [func.upper(column).startswith(start, autoescape=True) for column in
                 (TicketRow.ticket_id, TicketRow.order_id, TicketRow.customer_id)]
        if named:
            found.append(TicketRow.customer_id.in_(list(named)))
        where.append(or_(*found))
    if wanted.overdue:
        where.append(_overdue(today))
    if wanted.escalated:
        where.append(exists().where(EscalationRow.ticket_id == TicketRow.ticket_id))
    if wanted.appealed:
        where.append(TicketRow.appeal_statement.is_not(None))
    if wanted.min_amount is not None:
        where.append(_quoted() >= wanted.min_amount)
    if wanted.max_amount is not None:
        where.append(_quoted() <= wanted.max_amount)
    return where


def _quoted() -> ColumnElement:
    """The quoted amount as a number SQL compares and sorts (SQLite keeps money as exact text)."""
    return cast(TicketRow.quoted_amount, Numeric(14, 2))


def _queue_order(sort: str) -> Tuple[Any, ...]:
    """By due date (tickets waiting on us first, undated last), newest first, or largest first."""
    if sort == "created":
        return TicketRow.created_at.desc(), TicketRow.ticket_id.desc()
    if sort == "amount":
        return _quoted().desc(), TicketRow.created_at, TicketRow.ticket_id
    waiting = case((TicketRow.status.in_([s.value for s in PROVIDER_STAGES]), 0), else_=1)
    undated = case((TicketRow.stage_due.is_(None), 1), else_=0)
    return waiting, undated, TicketRow.stage_due, TicketRow.created_at, TicketRow.ticket_id


def _upsert(session: Session) -> Any:
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def _lock_ledger(session: Session, key: str) -> None:
    """Lock the order family's ledger row for the rest of the transaction (created on first
    use). A write is the transaction's first statement: PostgreSQL holds the row lock, SQLite
    its database write lock, and everything read afterwards is what the last holder committed."""
    stmt = _upsert(session)(OrderLedgerRow).values(ledger_key=key, version=1)
    session.execute(stmt.on_conflict_do_update(index_elements=["ledger_key"],
                                               set_={"version": OrderLedgerRow.version + 1}))


def _check(ledger: Ledger, candidate: Entry) -> None:
    refusal = ledger.problem(candidate)
    if refusal is not None:
        raise refusal


def _ledger_conflict(exc: IntegrityError) -> Exception:
    """A unique index of the ledger (one full refund per order, one claim per outage month)
    refused the write: the same refusal the ledger itself gives; anything else as it was."""
    text = str(exc.orig)
    if "uq_tickets_one_full_refund" in text or "refund_tickets.ledger_key" in text:
        return LedgerRefused("该订单已经申请过全额退订，不能重复退款、降配或补偿。")
    if "uq_tickets_one_claim_per_outage" in text or "refund_tickets.claim_key" in text:
        return LedgerRefused("这次故障已经申请过补偿，同一次故障只补偿一次。")
    return exc


def _check_no_other_open(session: Session, row: TicketRow) -> None:
    """A ticket coming back (an appeal) may not open beside another open ticket of its order."""
    other = session.scalar(select(TicketRow.ticket_id).where(TicketRow.open_order_id == row.order_id))
    if other is not None:
        raise IllegalTransition(f"该订单已有进行中的申请（工单 {other}），请等它处理完再继续这个工单。")


# One ticket with its evidence and audit trail in one query (read after every change).
WHOLE_TICKET = (joinedload(TicketRow.evidence), joinedload(TicketRow.events))
# What a ticket's ledger entry is made of (read without the ticket's evidence and trail).
LEDGER_COLUMNS = (TicketRow.ticket_id, TicketRow.order_id, TicketRow.kind, TicketRow.reason, TicketRow.status,
                  TicketRow.final_amount, TicketRow.quoted_amount, TicketRow.quote, TicketRow.created_at,
                  TicketRow.claim_key)


def _entry(row: Any) -> Entry:
    """A stored ticket as its order's ledger counts it."""
    amount = row.final_amount if row.final_amount is not None else row.quoted_amount
    voucher = to_money((row.quote or {}).get("sla_compensation") or 0) if row.kind == TicketKind.REFUND else ZERO
    return Entry(row.ticket_id, row.order_id, row.kind, row.reason, row.status, amount, row.created_at,
                 voucher, row.claim_key)


def _next_ticket_id(session: Session, now: datetime) -> str:
    """RF + local date + the daily sequence (4 digits, then 5 and more past 9,999 a day: no
    ceiling), allocated atomically inside the transaction."""
    day = to_customer_time(now).strftime("%Y%m%d")
    stmt = _upsert(session)(TicketSequenceRow).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"last": TicketSequenceRow.last + 1})
    session.execute(stmt)
    last = session.scalar(select(TicketSequenceRow.last).where(TicketSequenceRow.day == day))
    return f"RF{day}{last:04d}"


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        ticket_id=row.ticket_id, customer_id=row.customer_id, order_id=row.order_id,
        product_code=row.product_code, reason=row.reason, rule=row.rule, status=row.status, kind=row.kind,
        manual_review=row.manual_review, quoted_amount=row.quoted_amount, quote=row.quote,
        details=row.details, conversation_id=row.conversation_id, created_at=row.created_at,
        updated_at=row.updated_at,
        evidence=tuple(Evidence(e.kind, e.content, e.created_at) for e in row.evidence),
        events=tuple(TicketEvent(e.at, e.actor, e.from_status, e.to_status, e.reason_code, e.note)
                     for e in row.events),
        stage_due=row.stage_due, reviewer_id=row.reviewer_id, final_amount=row.final_amount,
        approved_by=row.approved_by, manager_id=row.manager_id,
        adjustment_reason=row.adjustment_reason, info_requested=tuple(row.info_requested or ()),
        rejection_code=row.rejection_code, rejection_note=row.rejection_note,
        appeal_statement=row.appeal_statement, payout_reference=row.payout_reference, paid_at=row.paid_at,
        ledger_key=row.ledger_key, claim_key=row.claim_key,
    )
