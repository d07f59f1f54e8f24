"""What each conversation with the assistant reached, and the signs it went wrong — the customer's
success, not the model's confidence. One outcome per conversation (the first that applies, in
the order of `ConversationOutcome`):

1. handed to a person (a live handoff, answered or not), by the first handoff's reason: because
   the assistant failed (not understood again and again, the customer unhappy with its answer),
   because the customer asked (or complained), or because the rules send it (large amount, flagged);
2. a ticket filed in it; 3. the customer stopped the application or withdrew a ticket;
4. a question answered; 5. still going (the customer wrote within `IN_PROGRESS_MINUTES`);
6. the customer left while answering an application's questions; 7. none of these.

A conversation went wrong when the customer said something again or corrected the assistant,
the assistant did not understand a message, a person had to take over because the assistant
failed, or the customer left mid-form. Counts come from `conversations`
(bot/observability/activity.py), tickets and handoffs that name the conversation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.schema import ConversationRow, HandoffRow, TicketRow
from bot.vocabulary import ConversationOutcome, HandoffKind
from bot.vocabulary import ConversationSign as Sign

IN_PROGRESS_MINUTES = 30
# Why a conversation was handed to a person (handoffs.reason), by what it says of the assistant.
FAILURE_REASONS = frozenset({"fallback", "dissatisfied"})
REQUEST_REASONS = frozenset({"requested", "complaint"})
HANDED = (ConversationOutcome.HANDED_AFTER_FAILURE, ConversationOutcome.HANDED_ON_REQUEST,
          ConversationOutcome.HANDED_BY_RULE)
SUCCEEDED = (ConversationOutcome.FILED, ConversationOutcome.WITHDRAWN, ConversationOutcome.ANSWERED)


@dataclass(frozen=True)
class FirstHandoff:
    reason: str
    created_at: datetime
    claimed_at: Optional[datetime]
    status: str


@dataclass(frozen=True)
class ConversationResult:
    conversation_id: str
    started_at: datetime
    last_message_at: datetime
    messages: int
    fallbacks: int
    repeats: int
    corrections: int
    outcome: ConversationOutcome
    handoff: Optional[FirstHandoff]
    tickets: Tuple[str, ...]

    @property
    def signs(self) -> Tuple[Sign, ...]:
        present = {Sign.REPEAT: self.repeats > 0, Sign.CORRECTION: self.corrections > 0,
                   Sign.FALLBACK: self.fallbacks > 0,
                   Sign.FAILED_HANDOFF: self.outcome == ConversationOutcome.HANDED_AFTER_FAILURE,
                   Sign.LEFT_MID_FORM: self.outcome == ConversationOutcome.ABANDONED_IN_FORM}
        return tuple(sign for sign, shown in present.items() if shown)

    @property
    def went_wrong(self) -> bool:
        return bool(self.signs)

    @property
    def handed(self) -> bool:
        return self.outcome in HANDED


def handoff_outcome(reason: str) -> ConversationOutcome:
    if reason in FAILURE_REASONS:
        return ConversationOutcome.HANDED_AFTER_FAILURE
    if reason in REQUEST_REASONS:
        return ConversationOutcome.HANDED_ON_REQUEST
    return ConversationOutcome.HANDED_BY_RULE


def outcome_of(row: ConversationRow, handoff: Optional[FirstHandoff], filed: bool, now: datetime) -> ConversationOutcome:
    if handoff is not None:
        return handoff_outcome(handoff.reason)
    if filed:
        return ConversationOutcome.FILED
    if row.withdrawn:
        return ConversationOutcome.WITHDRAWN
    if row.answered:
        return ConversationOutcome.ANSWERED
    if now - row.last_message_at < timedelta(minutes=IN_PROGRESS_MINUTES):
        return ConversationOutcome.IN_PROGRESS
    if row.last_form:
        return ConversationOutcome.ABANDONED_IN_FORM
    return ConversationOutcome.NO_OUTCOME


def conversation_results(session: Session, start: datetime, end: datetime, now: datetime) -> List[ConversationResult]:
    """Every conversation that started in [start, end), oldest first, with what it reached."""
    return _results(session, (ConversationRow.started_at >= start, ConversationRow.started_at < end), now)


def conversation_result(session: Session, conversation_id: str, now: datetime) -> Optional[ConversationResult]:
    """One conversation with what it reached; None when the assistant never counted it."""
    found = _results(session, (ConversationRow.conversation_id == conversation_id,), now)
    return found[0] if found else None


def _results(session: Session, which: Tuple[Any, ...], now: datetime) -> List[ConversationResult]:
    ids = select(ConversationRow.conversation_id).where(*which)
    tickets: Dict[str, List[str]] = {}
    for conversation, ticket_id in session.execute(select(TicketRow.conversation_id, TicketRow.ticket_id)
                                                   .where(TicketRow.conversation_id.in_(ids))
                                                   .order_by(TicketRow.created_at)):
        tickets.setdefault(conversation, []).append(ticket_id)
    first: Dict[str, FirstHandoff] = {}
    for handoff in session.scalars(select(HandoffRow).where(HandoffRow.conversation_id.in_(ids),
                                                            HandoffRow.kind == HandoffKind.LIVE)
                                   .order_by(HandoffRow.created_at, HandoffRow.id)):
        first.setdefault(handoff.conversation_id, FirstHandoff(handoff.reason, handoff.created_at,
                                                               handoff.claimed_at, handoff.status))
    results = []
    for row in session.scalars(select(ConversationRow).where(*which)
                               .order_by(ConversationRow.started_at, ConversationRow.conversation_id)):
        handoff = first.get(row.conversation_id)
        filed = tuple(tickets.get(row.conversation_id, ()))
        results.append(ConversationResult(row.conversation_id, row.started_at, row.last_message_at, row.messages,
                                          row.fallbacks, row.repeats, row.corrections,
                                          outcome_of(row, handoff, bool(filed), now), handoff, filed))
    return results


def count_by(results: Sequence[ConversationResult], outcome: ConversationOutcome) -> int:
    return sum(1 for r in results if r.outcome == outcome)
