"""The handoff queue: request, claim (exactly one agent wins), hand back, close, time out,
leave a message; messages, call-backs and e-mails as work items (take, record a call, close,
due times); internal notes; surveys. No Rasa here: the callers pause and resume."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.backoffice import labels
from bot.backoffice.labels import call_note
from bot.clock import utcnow
from bot.handoff.contact import work_item_due
from bot.handoff.hours import SupportSettings
from bot.handoff.wait import estimate_minutes
from bot.security.login_sessions import LoginKind
from bot.storage.schema import (
    HandoffMessageRow,
    HandoffNoteRow,
    HandoffReadRow,
    HandoffRow,
    LoginSessionRow,
    StaffRow,
    SurveyRow,
    TicketRow,
)
from bot.vocabulary import LIVE_HANDOFFS, CallResult, HandoffKind, HandoffOutcome, HandoffReason, HandoffStatus, Role

RECENT_CLAIMS = timedelta(hours=2)  # claims older than this say little about today's pace
LAST_TEXT_CHARS = 500
HISTORY_LIMIT = 50  # conversations on one page of the history
ORDER_DIGITS = 8  # a search this long and all digits may be an order number
WORK_ITEM_KINDS = (HandoffKind.MESSAGE, HandoffKind.CALLBACK, HandoffKind.EMAIL)
COMPLAINT_REASONS = frozenset({"complaint", "mail_complaint"})  # marked, sorted first, never timed out


@dataclass(frozen=True)
class AssignRules:
    """Who gets a new live handoff: with `auto`, the next agent logged in (round-robin) holding
    fewer than `capacity` conversations; a customer waiting over `long_wait` is sorted first."""

    auto: bool = False
    capacity: int = 3
    long_wait: timedelta = timedelta(minutes=5)


class TransferRefused(ValueError):
    """A transfer or take-over that may not happen; the message is for staff (Chinese)."""


def attention_rank(h: "Handoff", now: datetime, long_wait: timedelta) -> Tuple[int, datetime, int]:
    """Where a queue row sorts: open complaints first, then customers waiting too long, then
    other waiting customers, then the rest; oldest first within each."""
    unheld = h.status == HandoffStatus.WAITING or (h.status == HandoffStatus.MESSAGE and h.agent_id is None)
    if h.reason in COMPLAINT_REASONS and unheld:
        rank = 0
    elif h.status == HandoffStatus.WAITING:
        rank = 1 if now - h.created_at >= long_wait else 2
    else:
        rank = 3
    return rank, h.created_at, h.id


def _changed(now: datetime, **values: Any) -> Dict[str, Any]:
    """UPDATE values that also bump the row's version (what the console's live view watches)."""
    return {**values, "version": HandoffRow.version + 1, "updated_at": now}


@dataclass(frozen=True)
class HistoryFilter:
    """Which finished conversations the console's history shows."""

    # A customer, order, ticket or conversation number, an agent's name or number, or words
    # said in the conversation (by the customer or an agent) or written in its internal notes.
    text: str = ""
    since: Optional[datetime] = None  # UTC, inclusive
    until: Optional[datetime] = None  # UTC, exclusive
    customer_ids: Tuple[str, ...] = ()  # customers whose name matched `text`


@dataclass(frozen=True)
class SearchHit:
    """Where the searched words were found in a conversation: a customer's or agent's line, or a note."""

    where: str  # customer | agent | note
    author_id: Optional[str]
    text: str


@dataclass(frozen=True)
class HistoryPage:
    """One page of the history: its conversations, how many there are in all, and for each
    conversation found by its words the first line they are in."""

    handoffs: List["Handoff"]
    total: int
    hits: Dict[int, SearchHit] = field(default_factory=dict)


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    customer_id: Optional[str]
    reason: str
    ticket_id: Optional[str]
    summary: Dict[str, Any]
    status: str
    agent_id: Optional[str]
    kind: str
    message: Optional[str]
    callback_phone: Optional[str]
    created_at: datetime
    claimed_at: Optional[datetime]
    resolved_at: Optional[datetime]
    outcome: Optional[str]
    notes: List[Dict[str, Any]] = field(default_factory=list)
    version: int = 1
    last_customer_text: Optional[str] = None
    last_customer_at: Optional[datetime] = None
    customer_typing_at: Optional[datetime] = None


@dataclass(frozen=True)
class QueueTicket:
    """What the customer is told on handoff."""

    handoff: Optional[Handoff]
    in_hours: bool
    position: int = 0
    estimated_minutes: int = 0
    next_opening: Optional[datetime] = None
    # How long the customer waits at most before the assistant offers a message or call-back.
    timeout_minutes: int = 0
    # No honest estimate within that time (no agent logged in, or the real pace is slower):
    # the customer is told so, and offered a message or call-back straight away.
    busy: bool = False
    # Not queued: the requester asked for a person too often (the limit of new requests).
    too_often: bool = False


class HandoffService:
    def __init__(self, sessions: sessionmaker, support: SupportSettings,
                 clock: Callable[[], datetime] = utcnow, admit: Optional[Callable[[str], bool]] = None,
                 rules: AssignRules = AssignRules()) -> None:
        self._sessions = sessions
        self.support = support
        self.clock = clock
        self._admit = admit  # counts a new live request of a requester; False once over the limit
        self.rules = rules

    def request(self, conversation_id: str, customer_id: Optional[str], reason: str,
                ticket_id: Optional[str], summary: Dict[str, Any], requester: Optional[str] = None) -> QueueTicket:
        """Queue the conversation in hours (an open handoff is reused), else say when agents are
        back; a `requester` (customer or guest address) over the limit of new requests is not
        queued (`too_often`)."""
        config, now = self.support.current(), self.clock()
        if not config.is_open(now):
            return QueueTicket(handoff=None, in_hours=False, next_opening=config.next_opening(now))
        with self._sessions.begin() as session:
            row = session.scalars(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id,
                                                           HandoffRow.status.in_(LIVE_HANDOFFS))).first()
            if row is None:
                if requester is not None and self._admit is not None and not self._admit(requester):
                    return QueueTicket(handoff=None, in_hours=True, too_often=True)
                row = HandoffRow(conversation_id=conversation_id, customer_id=customer_id, reason=reason,
                                 ticket_id=ticket_id, summary=summary, status=HandoffStatus.WAITING,
                                 kind=HandoffKind.LIVE, created_at=now, updated_at=now,
                                 last_customer_text=_latest_said(summary))
                session.add(row)
                session.flush()
                for said in summary.get("customer_said") or []:
                    _said(session, row.id, "customer", str(said), now)
            handoff = _handoff(row)
        position = self.position(handoff.id)
        timeout = max(1, math.ceil(config.claim_timeout.total_seconds() / 60))
        estimate = estimate_minutes(position, self.recent_claim_waits(now), self.agents_online(now),
                                    config.average_handling_minutes)
        # Never promise a wait the claim timeout would cut short: then say it may take longer.
        if estimate is None or estimate > timeout:
            return QueueTicket(handoff=handoff, in_hours=True, position=position, estimated_minutes=timeout,
                               timeout_minutes=timeout, busy=True)
        return QueueTicket(handoff=handoff, in_hours=True, position=position, estimated_minutes=estimate,
                           timeout_minutes=timeout)

    def recent_claim_waits(self, now: datetime, window: timedelta = RECENT_CLAIMS, last: int = 20) -> List[timedelta]:
        """How long the last customers claimed within `window` waited for an agent."""
        with self._sessions() as session:
            rows = session.execute(select(HandoffRow.created_at, HandoffRow.claimed_at)
                                   .where(HandoffRow.claimed_at.is_not(None), HandoffRow.claimed_at >= now - window)
                                   .order_by(HandoffRow.claimed_at.desc()).limit(last))
            return [claimed - created for created, claimed in rows]

    def agents_online(self, now: datetime) -> int:
        """Staff with the agent role who are logged in to the console right now."""
        with self._sessions() as session:
            return len(_online_agents(session, now))

    def online_agent_ids(self) -> List[str]:
        """The agents logged in to the console right now."""
        with self._sessions() as session:
            return _online_agents(session, self.clock())

    def release_agent(self, agent_id: str) -> List[int]:
        """Conversations a departing agent was holding go back to the queue (another agent can
        claim them, or the customer is offered a message in time); returns their numbers."""
        with self._sessions.begin() as session:
            held = list(session.scalars(select(HandoffRow.id).where(HandoffRow.agent_id == agent_id,
                                                                     HandoffRow.status == HandoffStatus.ACTIVE)))
            if held:
                session.execute(update(HandoffRow).where(HandoffRow.id.in_(held),
                                                         HandoffRow.status == HandoffStatus.ACTIVE)
                                .values(**_changed(self.clock(), status=HandoffStatus.WAITING, agent_id=None,
                                                   claimed_at=None)))
            return held

    def position(self, handoff_id: int) -> int:
        """How many waiting customers are ahead."""
        with self._sessions() as session:
            me = session.get(HandoffRow, handoff_id)
            if me is None or me.status != HandoffStatus.WAITING:
                return 0
            return int(session.scalar(select(func.count()).select_from(HandoffRow).where(
                HandoffRow.status == HandoffStatus.WAITING, HandoffRow.id < handoff_id)))

    def leave_message(self, conversation_id: str, customer_id: Optional[str], kind: str, message: str,
                      phone: Optional[str], reason: str, ticket_id: Optional[str], summary: Dict[str, Any]) -> Handoff:
        """Record a message, call-back request or e-mail for when agents are back. A message needs
        its text; a call-back needs the number, and what it is about is optional
        (`add_to_callback` attaches it later)."""
        if kind not in (HandoffKind.MESSAGE, HandoffKind.CALLBACK, HandoffKind.EMAIL):
            raise ValueError("kind must be message, callback or email")
        if kind == HandoffKind.CALLBACK and not phone:
            raise ValueError("a call-back needs a phone number")
        if kind == HandoffKind.MESSAGE and not (message or "").strip():
            raise ValueError("a message needs its text")
        message = (message or "").strip() if kind == HandoffKind.CALLBACK else message
        with self._sessions.begin() as session:
            row = HandoffRow(conversation_id=conversation_id, customer_id=customer_id, reason=reason,
                             ticket_id=ticket_id, summary=summary, status=HandoffStatus.MESSAGE, kind=kind,
                             message=message[:2000] or None, callback_phone=phone, created_at=self.clock(),
                             updated_at=self.clock())
            session.add(row)
            session.flush()
            _said(session, row.id, "customer", message, self.clock())
            return _handoff(row)

    def add_to_callback(self, handoff_id: int, conversation_id: str, text: str) -> Optional[Handoff]:
        """What a call-back booked in this conversation is about, said after the booking: added to
        that call-back (never a second one), also when an agent holds it already. None if it is
        not this conversation's open call-back."""
        text = (text or "").strip()
        with self._sessions.begin() as session:
            row = session.get(HandoffRow, handoff_id)
            if (row is None or row.conversation_id != conversation_id or row.kind != HandoffKind.CALLBACK
                    or row.status != HandoffStatus.MESSAGE):
                return None
            if text:
                self._append(session, row, text)
            session.flush()
            return _handoff(row)

    def _append(self, session: Session, row: HandoffRow, text: str) -> None:
        """More of what the customer said, added to a work item's message and its history."""
        row.message = "\n".join(part for part in (row.message, text) if part)[:2000]
        row.version = (row.version or 0) + 1
        row.updated_at = self.clock()
        _said(session, row.id, "customer", text, self.clock())

    def complaint_message(self, conversation_id: str, customer_id: Optional[str], text: str,
                          ticket_id: Optional[str], summary: Dict[str, Any]) -> Handoff:
        """Out of hours, a complaint is recorded as a message for when agents are back, so 「已记录」
        is true; one per conversation (a later complaint is added to it, nothing piles up)."""
        with self._sessions.begin() as session:
            row = session.scalars(select(HandoffRow).where(
                HandoffRow.conversation_id == conversation_id, HandoffRow.status == HandoffStatus.MESSAGE,
                HandoffRow.reason == HandoffReason.COMPLAINT, HandoffRow.agent_id.is_(None))).first()
            if row is not None:
                self._append(session, row, text)  # agents read every complaint in the message
                return _handoff(row)
            row = HandoffRow(conversation_id=conversation_id, customer_id=customer_id, reason=HandoffReason.COMPLAINT,
                             ticket_id=ticket_id, summary=summary, status=HandoffStatus.MESSAGE,
                             kind=HandoffKind.MESSAGE, message=text[:2000], created_at=self.clock(),
                             updated_at=self.clock())
            session.add(row)
            session.flush()
            _said(session, row.id, "customer", text, self.clock())
            return _handoff(row)

    def claim(self, handoff_id: int, agent_id: str) -> bool:
        """Exactly one agent gets a waiting conversation (atomic compare-and-set)."""
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow)
                                     .where(HandoffRow.id == handoff_id, HandoffRow.status == HandoffStatus.WAITING)
                                     .values(**_changed(self.clock(), status=HandoffStatus.ACTIVE, agent_id=agent_id,
                                                        claimed_at=self.clock())))
            return result.rowcount == 1

    def finish(self, handoff_id: int, agent_id: str, outcome: str) -> Optional[Handoff]:
        """Hand back or close an active handoff held by `agent_id`; None if not theirs/active."""
        if outcome not in (HandoffOutcome.HANDED_BACK, HandoffOutcome.CLOSED):
            raise ValueError("outcome must be handed_back or closed")
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow)
                                     .where(HandoffRow.id == handoff_id, HandoffRow.status == HandoffStatus.ACTIVE,
                                            HandoffRow.agent_id == agent_id)
                                     .values(**_changed(self.clock(), status=HandoffStatus.RESOLVED, outcome=outcome,
                                                        resolved_at=self.clock())))
            if result.rowcount != 1:
                return None
        return self.get(handoff_id)

    def expire_unclaimed(self) -> List[Handoff]:
        """Waiting handoffs older than the claim timeout become timed_out (returned once); a
        complaint nobody claimed becomes a message for the agents instead (kind `message`)."""
        config, now = self.support.current(), self.clock()
        cutoff = now - config.claim_timeout
        with self._sessions.begin() as session:
            rows = list(session.scalars(select(HandoffRow).where(HandoffRow.status == HandoffStatus.WAITING,
                                                                 HandoffRow.created_at <= cutoff)))
            expired = []
            for row in rows:
                still_waiting = update(HandoffRow).where(HandoffRow.id == row.id,
                                                         HandoffRow.status == HandoffStatus.WAITING)
                if row.reason in COMPLAINT_REASONS:  # kept for an agent as a message, never dropped
                    kept = row.last_customer_text or _latest_said(row.summary or {}) or ""
                    values = _changed(now, status=HandoffStatus.MESSAGE, kind=HandoffKind.MESSAGE, message=kept)
                else:
                    values = _changed(now, status=HandoffStatus.TIMED_OUT, outcome=HandoffOutcome.TIMED_OUT,
                                      resolved_at=now)
                result = session.execute(still_waiting.values(**values))
                if result.rowcount == 1:
                    session.refresh(row)
                    expired.append(_handoff(row))
        return expired

    def link_ticket(self, handoff_id: int, ticket_id: Optional[str]) -> bool:
        """Point the handoff at the ticket the conversation is really about (the caller checks
        the ticket is the same customer's); False if there is no such handoff."""
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id)
                                     .values(**_changed(self.clock(), ticket_id=ticket_id)))
            return result.rowcount == 1

    def customer_said(self, conversation_id: str, text: str) -> Optional[str]:
        """Record what the customer wrote while handed off (the queue's preview, the console's
        live view); returns the handoff's state ("waiting" or "active"), None when there is none."""
        with self._sessions.begin() as session:
            row = session.scalars(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id,
                                                           HandoffRow.status.in_(LIVE_HANDOFFS))).first()
            if row is None:
                return None
            now = self.clock()
            session.execute(update(HandoffRow).where(HandoffRow.id == row.id).values(**_changed(
                now, last_customer_text=text[:LAST_TEXT_CHARS], last_customer_at=now, customer_typing_at=None,
                customer_messages=HandoffRow.customer_messages + 1)))
            _said(session, row.id, "customer", text, now)
            return str(row.status)

    def customer_wrote_again(self, handoff_id: int, text: str) -> bool:
        """The customer added to a handoff still open (an e-mail reply on its thread): the
        agent sees it as their newest words; False when it is closed."""
        now = self.clock()
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow).where(
                HandoffRow.id == handoff_id, HandoffRow.status.in_((*LIVE_HANDOFFS, HandoffStatus.MESSAGE)))
                .values(**_changed(now, last_customer_text=text[:LAST_TEXT_CHARS], last_customer_at=now,
                                   customer_messages=HandoffRow.customer_messages + 1)))
            if result.rowcount == 1:
                _said(session, handoff_id, "customer", text, now)
            return result.rowcount == 1

    def agent_replied(self, handoff_id: int, agent_id: Optional[str] = None, text: str = "") -> None:
        """The transcript changed: everyone watching the conversation refreshes it; an agent's
        reply (`text` by `agent_id`) is kept for the history's search."""
        with self._sessions.begin() as session:
            session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id).values(**_changed(self.clock())))
            _said(session, handoff_id, "agent", text, self.clock(), agent_id)

    def customer_typing(self, customer_id: str) -> bool:
        """The customer is typing in a conversation an agent holds; False when none is held.
        Not a version change: the console shows it from `customer_typing_at` alone."""
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow).where(HandoffRow.customer_id == customer_id,
                                                              HandoffRow.status == HandoffStatus.ACTIVE)
                                     .values(customer_typing_at=self.clock()))
            return result.rowcount > 0

    def watch(self, handoff_id: int) -> Optional[Tuple[int, Optional[str], Optional[datetime]]]:
        """What the live view compares for one conversation: (version, ticket, customer typing at)."""
        with self._sessions() as session:
            row = session.execute(select(HandoffRow.version, HandoffRow.ticket_id, HandoffRow.customer_typing_at)
                                  .where(HandoffRow.id == handoff_id)).first()
            return (int(row[0]), row[1], row[2]) if row else None

    def for_conversation(self, conversation_id: str) -> List[Handoff]:
        """Every handoff of a conversation (live, messages, call-backs), oldest first."""
        with self._sessions() as session:
            return [_handoff(row) for row in session.scalars(select(HandoffRow).where(
                HandoffRow.conversation_id == conversation_id).order_by(HandoffRow.created_at, HandoffRow.id))]

    def get(self, handoff_id: int) -> Optional[Handoff]:
        with self._sessions() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                return None
            notes = [{"agent_id": n.agent_id, "text": n.text, "at": n.created_at.isoformat()}
                     for n in session.scalars(select(HandoffNoteRow).where(HandoffNoteRow.handoff_id == handoff_id)
                                              .order_by(HandoffNoteRow.id))]
            return _handoff(row, notes)

    def active_for_conversation(self, conversation_id: str) -> Optional[Handoff]:
        with self._sessions() as session:
            row = session.scalars(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id,
                                                           HandoffRow.status.in_(LIVE_HANDOFFS))).first()
            return _handoff(row) if row else None

    def queue(self) -> List[Handoff]:
        """Waiting and active handoffs, oldest first, plus messages left out of hours."""
        with self._sessions() as session:
            rows = session.scalars(select(HandoffRow).where(HandoffRow.status.in_((*LIVE_HANDOFFS, HandoffStatus.MESSAGE)))
                                   .order_by(HandoffRow.created_at, HandoffRow.id))
            return [_handoff(r) for r in rows]

    def for_customer(self, customer_id: str) -> List[Handoff]:
        with self._sessions() as session:
            rows = session.scalars(select(HandoffRow).where(HandoffRow.customer_id == customer_id)
                                   .order_by(HandoffRow.created_at.desc()).limit(20))
            return [_handoff(r) for r in rows]

    # --- attention: unread messages, auto-assignment, transfers ------------------------------

    def mark_read(self, handoff_id: int, staff_id: str) -> None:
        """`staff_id` has seen every customer message of the handoff so far."""
        now = self.clock()
        with self._sessions.begin() as session:
            seen = select(HandoffRow.customer_messages).where(HandoffRow.id == handoff_id).scalar_subquery()
            result = session.execute(update(HandoffReadRow).where(HandoffReadRow.handoff_id == handoff_id,
                                                                  HandoffReadRow.staff_id == staff_id)
                                     .values(seen_messages=seen, seen_at=now))
            if result.rowcount:
                return
        try:
            with self._sessions.begin() as session:
                count = session.scalar(select(HandoffRow.customer_messages).where(HandoffRow.id == handoff_id))
                if count is not None:
                    session.add(HandoffReadRow(handoff_id=handoff_id, staff_id=staff_id, seen_messages=count,
                                               seen_at=now))
        except IntegrityError:  # another tab of the same person recorded it at the same moment
            self.mark_read(handoff_id, staff_id)

    def unread(self, staff_id: str) -> Dict[int, int]:
        """Conversations `staff_id` holds with customer messages they have not seen: id -> how many."""
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRow.id, HandoffRow.customer_messages - func.coalesce(HandoffReadRow.seen_messages, 0))
                .outerjoin(HandoffReadRow, (HandoffReadRow.handoff_id == HandoffRow.id)
                           & (HandoffReadRow.staff_id == staff_id))
                .where(HandoffRow.agent_id == staff_id, HandoffRow.status == HandoffStatus.ACTIVE))
            return {int(hid): int(count) for hid, count in rows if count > 0}

    def assign_waiting(self) -> List[Handoff]:
        """With auto-assignment on: give waiting customers (complaints and the longest waits
        first) to agents with room; returns the handoffs assigned, now active."""
        if not self.rules.auto:
            return []
        now = self.clock()
        waiting = sorted((h for h in self.queue() if h.status == HandoffStatus.WAITING),
                         key=lambda h: attention_rank(h, now, self.rules.long_wait))
        assigned = []
        for handoff in waiting:
            if self.assign_next(handoff.id) is None:
                break  # nobody has room (or it was just claimed): the rest wait for the next round
            got = self.get(handoff.id)
            if got is not None:
                assigned.append(got)
        return assigned

    def assign_next(self, handoff_id: int) -> Optional[str]:
        """Give one waiting handoff to the next agent online with room (round-robin: the one
        assigned longest ago); returns the agent, None if it is no longer waiting or nobody has
        room. The agents' rows are locked (in one order) for the transaction, so concurrent
        assignments are serialised and never exceed anyone's capacity."""
        now = self.clock()
        with self._sessions.begin() as session:
            agents = _online_agents(session, now)
            if not agents:
                return None
            session.scalars(select(StaffRow.staff_id).where(StaffRow.staff_id.in_(agents))
                            .order_by(StaffRow.staff_id).with_for_update()).all()
            load = dict(session.execute(select(HandoffRow.agent_id, func.count()).where(
                HandoffRow.agent_id.in_(agents), HandoffRow.status == HandoffStatus.ACTIVE)
                .group_by(HandoffRow.agent_id)).all())
            last = dict(session.execute(select(HandoffRow.agent_id, func.max(HandoffRow.claimed_at)).where(
                HandoffRow.agent_id.in_(agents), HandoffRow.kind == HandoffKind.LIVE)
                .group_by(HandoffRow.agent_id)).all())
            free = [a for a in agents if load.get(a, 0) < self.rules.capacity]
            if not free:
                return None
            agent = min(free, key=lambda a: (last.get(a) is not None, last.get(a) or now, a))
            result = session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id,
                                                              HandoffRow.status == HandoffStatus.WAITING)
                                     .values(**_changed(now, status=HandoffStatus.ACTIVE, agent_id=agent,
                                                        claimed_at=now)))
            return agent if result.rowcount == 1 else None

    def transfer(self, handoff_id: int, by: str, to_agent: str, note: str, supervisor: bool = False) -> Handoff:
        """Hand a live conversation to another agent logged in (`by` holds it, or is a supervisor,
        who may also assign a waiting one); the note says why, for the new agent. Raises
        TransferRefused."""
        now = self.clock()
        with self._sessions.begin() as session:
            row = session.scalars(select(HandoffRow).where(HandoffRow.id == handoff_id).with_for_update()).first()
            if row is None or row.status not in LIVE_HANDOFFS:
                raise TransferRefused(labels.TRANSFER_ENDED)
            if not supervisor and (row.status != HandoffStatus.ACTIVE or row.agent_id != by):
                raise TransferRefused(labels.TRANSFER_OWN_ONLY)
            target = session.get(StaffRow, to_agent)
            if target is None or target.disabled_at is not None or not _is_agent(target.roles):
                raise TransferRefused(labels.TRANSFER_NOT_AN_AGENT)
            if row.agent_id == to_agent:
                raise TransferRefused(labels.TRANSFER_SAME_AGENT)
            if to_agent not in _online_agents(session, now):
                raise TransferRefused(labels.TRANSFER_AGENT_OFFLINE)
            session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id).values(**_changed(
                now, status=HandoffStatus.ACTIVE, agent_id=to_agent, claimed_at=row.claimed_at or now)))
            session.add(HandoffNoteRow(handoff_id=handoff_id, agent_id=by, created_at=now,
                                       text=labels.transfer_note(target.name, note)[:2000]))
        handoff = self.get(handoff_id)
        assert handoff is not None
        return handoff

    def take_over(self, handoff_id: int, agent_id: str) -> Handoff:
        """An agent takes over a colleague's conversation when that colleague is no longer
        logged in (a supervisor transfers it instead). Raises TransferRefused."""
        handoff = self.get(handoff_id)
        if handoff is None or handoff.status != HandoffStatus.ACTIVE:
            raise TransferRefused(labels.TRANSFER_ENDED)
        if handoff.agent_id in self.online_agent_ids():
            raise TransferRefused(labels.HOLDER_STILL_ONLINE)
        return self.transfer(handoff_id, agent_id, agent_id, labels.TOOK_OVER, supervisor=True)

    # --- messages, call-backs and e-mails left for the agents: work items -------------------

    def take_work_item(self, handoff_id: int, agent_id: str) -> bool:
        """An agent takes a message, call-back or e-mail nobody holds (atomic: one agent wins)."""
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow).where(
                HandoffRow.id == handoff_id, HandoffRow.kind.in_(WORK_ITEM_KINDS),
                HandoffRow.status == HandoffStatus.MESSAGE, HandoffRow.agent_id.is_(None))
                .values(**_changed(self.clock(), agent_id=agent_id, claimed_at=self.clock())))
            return result.rowcount == 1

    def record_call(self, handoff_id: int, agent_id: str, result: CallResult, note: str = "") -> bool:
        """What came of calling the customer back, kept as an internal note of the agent holding
        the call-back; False when it is not theirs or not an open call-back."""
        with self._sessions() as session:
            row = session.get(HandoffRow, handoff_id)
            if (row is None or row.kind != HandoffKind.CALLBACK or row.status != HandoffStatus.MESSAGE
                    or row.agent_id != agent_id):
                return False
        self.add_note(handoff_id, agent_id, call_note(result, note))
        return True

    def close_work_item(self, handoff_id: int, agent_id: str) -> Optional[Handoff]:
        """The agent holding a work item has dealt with it; None when it is not theirs or closed."""
        now = self.clock()
        with self._sessions.begin() as session:
            result = session.execute(update(HandoffRow).where(
                HandoffRow.id == handoff_id, HandoffRow.kind.in_(WORK_ITEM_KINDS),
                HandoffRow.status == HandoffStatus.MESSAGE, HandoffRow.agent_id == agent_id)
                .values(**_changed(now, status=HandoffStatus.RESOLVED, outcome=HandoffOutcome.CLOSED, resolved_at=now)))
            if result.rowcount != 1:
                return None
        return self.get(handoff_id)

    def due(self, handoff: Handoff) -> Optional[datetime]:
        """When a work item should be handled (None for a live chat)."""
        config = self.support.current()
        return work_item_due(handoff.kind, handoff.created_at, config.next_opening, config.is_open)

    def add_note(self, handoff_id: int, agent_id: str, text: str) -> None:
        text = (text or "").strip()
        if not text:
            raise ValueError("empty note")
        with self._sessions.begin() as session:
            session.add(HandoffNoteRow(handoff_id=handoff_id, agent_id=agent_id, text=text[:2000], created_at=self.clock()))
            session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id).values(**_changed(self.clock())))

    def record_survey(self, conversation_id: str, customer_id: Optional[str], score: int, comment: Optional[str],
                      handoff_id: Optional[int] = None, ticket_id: Optional[str] = None) -> None:
        if not 1 <= score <= 5:
            raise ValueError("score must be 1-5")
        with self._sessions.begin() as session:
            session.add(SurveyRow(conversation_id=conversation_id, customer_id=customer_id, handoff_id=handoff_id,
                                  ticket_id=ticket_id, score=score, comment=(comment or None) and comment[:1000],
                                  created_at=self.clock()))

    def last_resolved(self, conversation_id: str) -> Optional[Handoff]:
        with self._sessions() as session:
            row = session.scalars(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id,
                                                           HandoffRow.status == HandoffStatus.RESOLVED)
                                  .order_by(HandoffRow.resolved_at.desc())).first()
            return _handoff(row) if row else None

    def history(self, wanted: HistoryFilter, limit: int = HISTORY_LIMIT, offset: int = 0) -> HistoryPage:
        """Finished conversations (handed back, closed or timed out), newest first, narrowed by
        `wanted`: `limit` of them from `offset`, with how many there are and where their words are."""
        query = select(HandoffRow).where(HandoffRow.status.in_((HandoffStatus.RESOLVED, HandoffStatus.TIMED_OUT)))
        if wanted.since is not None:
            query = query.where(HandoffRow.created_at >= wanted.since)
        if wanted.until is not None:
            query = query.where(HandoffRow.created_at < wanted.until)
        text = wanted.text.strip()
        if text:
            query = query.where(or_(*_matches(text, wanted.customer_ids)))
        with self._sessions() as session:
            total = int(session.scalar(select(func.count()).select_from(query.subquery())))
            rows = list(session.scalars(query.order_by(HandoffRow.created_at.desc(), HandoffRow.id.desc())
                                        .limit(limit).offset(offset)))
            hits = _first_hits(session, [r.id for r in rows], text) if text else {}
            return HistoryPage([_handoff(r) for r in rows], total, hits)

    def surveys(self, limit: int = 50) -> List[Dict[str, Any]]:
        with self._sessions() as session:
            rows = session.scalars(select(SurveyRow).order_by(SurveyRow.created_at.desc()).limit(limit))
            return [{"conversation_id": r.conversation_id, "customer_id": r.customer_id, "handoff_id": r.handoff_id,
                     "ticket_id": r.ticket_id, "score": r.score, "comment": r.comment,
                     "at": r.created_at.isoformat()} for r in rows]


def _online_agents(session: Session, now: datetime) -> List[str]:
    """Enabled agents with a live console login, in staff-id order."""
    logged_in = select(LoginSessionRow.subject).where(
        LoginSessionRow.kind == LoginKind.STAFF.value, LoginSessionRow.ended_at.is_(None),
        LoginSessionRow.expires_at > now)
    rows = session.execute(select(StaffRow.staff_id, StaffRow.roles).where(
        StaffRow.staff_id.in_(logged_in), StaffRow.disabled_at.is_(None)).order_by(StaffRow.staff_id))
    return [staff_id for staff_id, roles in rows if _is_agent(roles)]


def _is_agent(roles: str) -> bool:
    """Whether a staff row's roles (comma-separated, as stored) include the agent's."""
    return Role.AGENT.value in (r.strip() for r in roles.split(","))


def _containing(column: Any, words: str) -> Any:
    """`column` contains `words`, any case, with LIKE's wildcards in them taken literally."""
    escaped = words.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.ilike(f"%{escaped}%", escape="/")


def _matches(text: str, customer_ids: Tuple[str, ...]) -> List[Any]:
    """What a finished conversation found by `text` has: its customer, ticket, agent (number or
    name), conversation number, the order asked about, or the words in any line or note."""
    said = select(HandoffMessageRow.handoff_id).where(_containing(HandoffMessageRow.text, text))
    noted = select(HandoffNoteRow.handoff_id).where(_containing(HandoffNoteRow.text, text))
    agents = select(StaffRow.staff_id).where(_containing(StaffRow.name, text))
    matches = [HandoffRow.customer_id == text, HandoffRow.ticket_id == text.upper(), HandoffRow.agent_id == text,
               HandoffRow.agent_id.in_(agents), HandoffRow.id.in_(said), HandoffRow.id.in_(noted),
               _containing(HandoffRow.message, text)]
    if text.lstrip("#").isdigit():
        matches.append(HandoffRow.id == int(text.lstrip("#")))
    if text.isdigit() and len(text) >= ORDER_DIGITS:  # an order: asked about, or its ticket's
        matches.append(cast(HandoffRow.summary, String).contains(text))
        matches.append(HandoffRow.ticket_id.in_(select(TicketRow.ticket_id).where(TicketRow.order_id == text)))
    if customer_ids:
        matches.append(HandoffRow.customer_id.in_(customer_ids))
    return matches


def _first_hits(session: Any, handoff_ids: List[int], text: str) -> Dict[int, SearchHit]:
    """The first line or note of each conversation the words are in (one page's conversations)."""
    hits: Dict[int, SearchHit] = {}
    lines = session.execute(select(HandoffMessageRow.handoff_id, HandoffMessageRow.who, HandoffMessageRow.agent_id,
                                   HandoffMessageRow.text)
                            .where(HandoffMessageRow.handoff_id.in_(handoff_ids),
                                   _containing(HandoffMessageRow.text, text)).order_by(HandoffMessageRow.id))
    notes = session.execute(select(HandoffNoteRow.handoff_id, HandoffNoteRow.agent_id, HandoffNoteRow.text)
                            .where(HandoffNoteRow.handoff_id.in_(handoff_ids), _containing(HandoffNoteRow.text, text))
                            .order_by(HandoffNoteRow.id))
    for handoff_id, who, agent_id, said in lines:
        hits.setdefault(handoff_id, SearchHit(who, agent_id, said))
    for handoff_id, agent_id, said in notes:
        hits.setdefault(handoff_id, SearchHit("note", agent_id, said))
    return hits


def _said(session: Any, handoff_id: int, who: str, text: str, at: datetime, agent_id: Optional[str] = None) -> None:
    """Keep a line of the conversation for the history's search (a button's payload is not words)."""
    text = (text or "").strip()
    if text and not text.startswith("/"):
        session.add(HandoffMessageRow(handoff_id=handoff_id, who=who, agent_id=agent_id, text=text[:2000],
                                      created_at=at))


def _latest_said(summary: Dict[str, Any]) -> Optional[str]:
    """The customer's last words before the handoff, as the assistant summarised them."""
    said = summary.get("customer_said") or []
    return str(said[-1])[:LAST_TEXT_CHARS] if said else None


def _handoff(row: HandoffRow, notes: Optional[List[Dict[str, Any]]] = None) -> Handoff:
    return Handoff(row.id, row.conversation_id, row.customer_id, row.reason, row.ticket_id, row.summary or {},
                   row.status, row.agent_id, row.kind, row.message, row.callback_phone, row.created_at,
                   row.claimed_at, row.resolved_at, row.outcome, notes or [], row.version or 1,
                   row.last_customer_text, row.last_customer_at, row.customer_typing_at)
