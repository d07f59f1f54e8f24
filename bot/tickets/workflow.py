"""Ticket actions with their business rules: who may do what, amounts, due dates, escalation."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Optional, Sequence, Tuple

from bot.clock import to_customer_time, utcnow
from bot.money import to_money
from bot.policy.config import Policy
from bot.tickets.lifecycle import PROVIDER_STAGES, REJECTION_REASONS
from bot.tickets.models import Ticket
from bot.tickets.store import TicketStore

AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")


class InvalidRequest(ValueError):
    """The request's content is wrong (not its timing): a clear message for the caller."""


class TicketWorkflow:
    def __init__(self, store: TicketStore, policy: Policy, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock

    # --- reviewer actions -------------------------------------------------------------------

    def take(self, ticket_id: str, reviewer: str) -> Ticket:
        return self._reviewer(ticket_id, "take", reviewer, changes={"reviewer_id": reviewer})

    def request_info(self, ticket_id: str, reviewer: str, missing: Sequence[str], note: str = "") -> Ticket:
        items = [str(m).strip() for m in missing if str(m).strip()]
        if not items:
            raise InvalidRequest("list what the customer must add (missing)")
        if any(len(m) > 200 for m in items) or len(items) > 10:
            raise InvalidRequest("at most 10 missing items of up to 200 characters")
        return self._reviewer(ticket_id, "request_info", reviewer, note=note,
                              changes={"info_requested": items, "stage_due": None})

    def approve(self, ticket_id: str, reviewer: str, amount: Optional[str] = None, reason: str = "") -> Ticket:
        ticket = self._existing(ticket_id)
        final = self._final_amount(ticket, amount, reason)
        return self._reviewer(ticket_id, "approve", reviewer, note=reason, changes={
            "final_amount": final, "adjustment_reason": reason or None,
            "stage_due": self._payout_due(ticket)})

    def reject(self, ticket_id: str, reviewer: str, reason_code: str, note: str = "") -> Ticket:
        if reason_code not in REJECTION_REASONS:
            raise InvalidRequest(f"reason_code must be one of {', '.join(REJECTION_REASONS)}")
        if reason_code == "other" and not note.strip():
            raise InvalidRequest("a note is required when the reason is 'other'")
        return self._reviewer(ticket_id, "reject", reviewer, reason_code=reason_code, note=note,
                              changes={"rejection_code": reason_code, "rejection_note": note or None,
                                       "stage_due": None})

    def start_payout(self, ticket_id: str, reviewer: str) -> Ticket:
        return self._reviewer(ticket_id, "start_payout", reviewer)

    def mark_paid(self, ticket_id: str, reviewer: str, payout_reference: str) -> Ticket:
        reference = (payout_reference or "").strip()
        if not reference or len(reference) > 64:
            raise InvalidRequest("payout_reference is required (up to 64 characters)")
        return self._reviewer(ticket_id, "mark_paid", reviewer, note=reference, changes={
            "payout_reference": reference, "paid_at": self.clock(), "stage_due": None})

    def close_appeal(self, ticket_id: str, reviewer: str, decision: str, amount: Optional[str] = None,
                     note: str = "") -> Ticket:
        if decision == "approve":
            ticket = self._existing(ticket_id)
            final = self._final_amount(ticket, amount, note)
            return self._reviewer(ticket_id, "close_appeal_approve", reviewer, note=note, changes={
                "final_amount": final, "adjustment_reason": note or None, "stage_due": self._payout_due(ticket)})
        if decision == "reject":
            if not note.strip():
                raise InvalidRequest("a note explaining the final decision is required")
            return self._reviewer(ticket_id, "close_appeal_reject", reviewer, note=note,
                                  changes={"rejection_note": note, "stage_due": None})
        raise InvalidRequest("decision must be approve or reject")

    # --- customer actions -------------------------------------------------------------------

    def supplement(self, customer_id: str, ticket_id: str, evidence: Sequence[Tuple[str, str]]) -> Ticket:
        if not evidence:
            raise InvalidRequest("nothing to add")
        return self.store.transition(ticket_id, "supplement", "customer", f"customer:{customer_id}", self.clock(),
                                     owner=customer_id, evidence=evidence,
                                     changes={"stage_due": self._due(self.policy.timing.review_working_days)})

    def appeal(self, customer_id: str, ticket_id: str, statement: str) -> Ticket:
        text = (statement or "").strip()
        if len(text) < 2:
            raise InvalidRequest("the appeal needs a statement")
        return self.store.transition(ticket_id, "appeal", "customer", f"customer:{customer_id}", self.clock(),
                                     owner=customer_id, note=text[:2000],
                                     changes={"appeal_statement": text[:2000],
                                              "stage_due": self._due(self.policy.timing.appeal_working_days)})

    def withdraw(self, customer_id: str, ticket_id: str) -> Ticket:
        return self.store.transition(ticket_id, "withdraw", "customer", f"customer:{customer_id}", self.clock(),
                                     owner=customer_id, changes={"stage_due": None})

    # --- overdue tickets --------------------------------------------------------------------

    def is_overdue(self, ticket: Ticket) -> bool:
        today = to_customer_time(self.clock()).date()
        return ticket.status in PROVIDER_STAGES and ticket.stage_due is not None and today > ticket.stage_due

    def escalate_if_overdue(self, ticket: Ticket) -> Optional[date]:
        """Record a 催办 for an overdue stage; the new promised date, or None if not overdue.
        Asking again about the same missed date records nothing new."""
        if not self.is_overdue(ticket):
            return None
        new_due = self._due(self.policy.timing.escalation_working_days)
        self.store.record_escalation(ticket, new_due, self.clock())
        return new_due

    # --- helpers ----------------------------------------------------------------------------

    def _reviewer(self, ticket_id: str, action: str, reviewer: str, reason_code: str = "", note: str = "",
                  changes: Optional[dict] = None) -> Ticket:
        return self.store.transition(ticket_id, action, "reviewer", f"reviewer:{reviewer}", self.clock(),
                                     reason_code=reason_code, note=note, changes=changes)

    def _existing(self, ticket_id: str) -> Ticket:
        ticket = self.store.get_for_staff(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        return ticket

    def _final_amount(self, ticket: Ticket, amount: Optional[str], reason: str) -> Decimal:
        if amount is None or amount == "":
            return ticket.quoted_amount
        if isinstance(amount, float):
            raise InvalidRequest("amount must be a string such as \"1000.00\"")
        # Plain yuan with at most two decimals: no NaN, Infinity, exponents or signs reach Decimal.
        if not AMOUNT.fullmatch(str(amount)):
            raise InvalidRequest(f"amount is not a number of yuan >= 0 with at most two decimals, such as "
                                 f"\"1000.00\": {str(amount)[:40]!r}")
        value = Decimal(str(amount))
        paid = to_money(ticket.quote.get("paid", "0"))
        ceiling = max(paid, ticket.quoted_amount)
        if value > ceiling:
            raise InvalidRequest(f"amount exceeds what was paid ({ceiling})")
        if value != ticket.quoted_amount and not reason.strip():
            raise InvalidRequest("a reason is required when the amount differs from the quote")
        return to_money(value)

    def _payout_due(self, ticket: Ticket) -> date:
        destination = ticket.quote.get("destination") or self.policy.default_destination
        return self._due(self.policy.timing.payout_working_days.get(destination, 3))

    def _due(self, working_days: int) -> date:
        return self.policy.timing.working_days_after(self.clock(), working_days)
