"""Ticket actions with their business rules: who may do what, amounts, due dates, escalation."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

from bot.clock import to_customer_time, utcnow
from bot.errors import NotFound
from bot.money import to_money
from bot.policy.config import Policy
from bot.tickets.ledger import LedgerFacts, OrderLedgers
from bot.tickets.lifecycle import IllegalTransition, allowed_actions
from bot.tickets.models import Ticket
from bot.tickets.queue import QueuePage, TicketFilter
from bot.tickets.store import NeedsManager, TicketStore
from bot.vocabulary import PROVIDER_STAGES, Actor, RejectionReason, TicketStatus

AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")
AMOUNT_AS_TEXT = '金额请写成文字形式的元数，例如 "1000.00"。'
# A manager approves what is above the limit within a working day (Huawei: within 24 h).
MANAGER_REVIEW_WORKING_DAYS = 1


class InvalidRequest(ValueError):
    """The request's content is wrong (not its timing): a clear message for the caller."""


# At most this many tickets are approved in one bulk step.
BULK_LIMIT = 50


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk approval did to one ticket: approved, sent to a manager (above the limit),
    or left as it was with the reason (`refusal`, Chinese)."""

    ticket_id: str
    ticket: Optional[Ticket]
    refusal: str = ""

    @property
    def approved(self) -> bool:
        return self.ticket is not None and self.ticket.status == TicketStatus.APPROVED

    @property
    def to_manager(self) -> bool:
        return self.ticket is not None and self.ticket.status == TicketStatus.MANAGER_REVIEW


class TicketWorkflow:
    """Everything staff and customers do to tickets after filing, with who may do what."""

    def __init__(self, store: TicketStore, policy: Policy, clock: Callable[[], datetime] = utcnow,
                 ledgers: Optional[OrderLedgers] = None) -> None:
        self._store = store
        self.policy = policy
        self.clock = clock
        # Billing's side of the orders' ledgers: approvals, payouts and appeals are checked
        # against what the order has already given back (None: no billing, no check).
        self._ledgers = ledgers

    # --- reading ----------------------------------------------------------------------------

    def get(self, ticket_id: str) -> Optional[Ticket]:
        """Any customer's ticket, for staff."""
        return self._store.get_for_staff(ticket_id)

    def get_customers(self, customer_id: str, ticket_id: str) -> Optional[Ticket]:
        """The ticket if it is `customer_id`'s, else None."""
        return self._store.get(customer_id, ticket_id)

    def search(self, status: Optional[str] = None, limit: int = 100) -> List[Ticket]:
        return self._store.search(status, limit)

    def queue(self, wanted: TicketFilter, staff_id: str, named: Sequence[str] = ()) -> QueuePage:
        """One page of the reviewers' queue as `staff_id` sees it (`named`: customers whose
        name matched the search)."""
        return self._store.review_queue(wanted, staff_id, self.today(), named)

    def queue_order(self, wanted: TicketFilter, staff_id: str, named: Sequence[str] = ()) -> List[str]:
        """The ids of the whole queue, in its order."""
        return self._store.review_order(wanted, staff_id, self.today(), named)

    def count_overdue(self) -> int:
        return self._store.count_overdue(self.today())

    def today(self) -> date:
        """Today in Beijing: due dates are Beijing dates."""
        return to_customer_time(self.clock()).date()

    def for_customer(self, customer_id: str) -> List[Ticket]:
        return self._store.for_customer(customer_id)

    @staticmethod
    def allowed_actions(ticket: Ticket, role: Actor) -> Tuple[str, ...]:
        """What `role` may do to the ticket now (the console shows only these buttons)."""
        return allowed_actions(ticket.status, role)

    @staticmethod
    def withdrawable(ticket: Ticket) -> bool:
        """Whether the customer may still withdraw the ticket."""
        return "withdraw" in allowed_actions(ticket.status, Actor.CUSTOMER)

    # --- reviewer actions -------------------------------------------------------------------

    def take(self, ticket_id: str, reviewer: str) -> Ticket:
        return self._reviewer(ticket_id, "take", reviewer, changes={"reviewer_id": reviewer})

    def reassign(self, ticket_id: str, to: str, by: str, note: str = "") -> Ticket:
        """Give a ticket a colleague holds to `to` (by `by`, audited; the state stays)."""
        return self._store.reassign(ticket_id, to, f"reviewer:{by}", self.clock(), note.strip()[:200])

    def request_info(self, ticket_id: str, reviewer: str, missing: Sequence[str], note: str = "") -> Ticket:
        items = [str(m).strip() for m in missing if str(m).strip()]
        if not items:
            raise InvalidRequest("请列出需要客户补充的材料。")
        if any(len(m) > 200 for m in items) or len(items) > 10:
            raise InvalidRequest("补充材料最多列 10 项，每项不超过 200 字。")
        return self._reviewer(ticket_id, "request_info", reviewer, note=note,
                              changes={"info_requested": items, "stage_due": None})

    def approve(self, ticket_id: str, reviewer: str, amount: Optional[str] = None, reason: str = "") -> Ticket:
        """Approve at the quoted (or a reasoned) amount; above the policy's limit the ticket waits
        for a manager's approval instead (state manager_review)."""
        ticket = self._existing(ticket_id)
        final = self._final_amount(ticket, amount, reason)
        return self._approval(ticket, ("approve", "approve_for_manager"), reviewer, reason, final)

    def reject(self, ticket_id: str, reviewer: str, reason_code: str, note: str = "") -> Ticket:
        if RejectionReason.parse(reason_code) is None:
            raise InvalidRequest(f"请选择驳回原因（reason_code 应为 {'、'.join(r.value for r in RejectionReason)} 之一）。")
        if reason_code == RejectionReason.OTHER and not note.strip():
            raise InvalidRequest("驳回原因为「其他原因」时，请填写说明。")
        return self._reviewer(ticket_id, "reject", reviewer, reason_code=reason_code, note=note,
                              changes={"rejection_code": reason_code, "rejection_note": note or None,
                                       "stage_due": None})

    def resume_review(self, ticket_id: str, reviewer: str, note: str = "") -> Ticket:
        """The customer sent what was asked another way (e-mail, phone): the ticket goes back to
        review with a new review due date, without waiting for the chat."""
        return self._reviewer(ticket_id, "supplement", reviewer, note=note,
                              changes={"stage_due": self._due(self.policy.timing.review_working_days)})

    def start_payout(self, ticket_id: str, reviewer: str) -> Ticket:
        return self._reviewer(ticket_id, "start_payout", reviewer, facts=self._facts(self._existing(ticket_id)))

    def mark_paid(self, ticket_id: str, reviewer: str, payout_reference: str) -> Ticket:
        reference = (payout_reference or "").strip()
        if not reference or len(reference) > 64:
            raise InvalidRequest("请填写打款流水号（不超过 64 个字符）。")
        return self._reviewer(ticket_id, "mark_paid", reviewer, note=reference, changes={
            "payout_reference": reference, "paid_at": self.clock(), "stage_due": None},
            facts=self._facts(self._existing(ticket_id)))

    def close_appeal(self, ticket_id: str, reviewer: str, decision: str, amount: Optional[str] = None,
                     note: str = "") -> Ticket:
        if decision == "approve":
            ticket = self._existing(ticket_id)
            final = self._final_amount(ticket, amount, note)
            return self._approval(ticket, ("close_appeal_approve", "close_appeal_for_manager"), reviewer, note, final)
        if decision == "reject":
            if not note.strip():
                raise InvalidRequest("维持驳回时，请填写说明。")
            return self._reviewer(ticket_id, "close_appeal_reject", reviewer, note=note,
                                  changes={"rejection_note": note, "stage_due": None})
        raise InvalidRequest("申诉结论只能是通过（approve）或维持驳回（reject）。")

    def approve_many_at_quote(self, ticket_ids: Sequence[str], reviewer: str) -> List[BulkOutcome]:
        """Approve tickets of one kind at their quotes, one by one through `take` and `approve`:
        each is checked against its order's ledger and the approval limit as if approved alone
        (above the limit it goes to a manager). A ticket someone else holds, one for manual
        review, or one no longer waiting for this reviewer is left as it is, with the reason.
        InvalidRequest when the selection is empty, too large or mixes kinds."""
        wanted = list(dict.fromkeys(t.strip().upper() for t in ticket_ids if t.strip()))
        if not wanted:
            raise InvalidRequest("请先勾选要批量通过的工单。")
        if len(wanted) > BULK_LIMIT:
            raise InvalidRequest(f"一次最多批量通过 {BULK_LIMIT} 个工单。")
        tickets = {t: self._store.get_for_staff(t) for t in wanted}
        kinds = {ticket.kind_label for ticket in tickets.values() if ticket is not None}
        if len(kinds) > 1:
            raise InvalidRequest("批量通过只能用于同一类型的工单（" + "、".join(sorted(kinds)) + "），请按类型筛选后再选。")
        outcomes = []
        for ticket_id, ticket in tickets.items():
            refusal = _bulk_refusal(ticket, reviewer)
            if refusal:
                outcomes.append(BulkOutcome(ticket_id, None, refusal))
                continue
            assert ticket is not None
            try:
                if ticket.status == TicketStatus.SUBMITTED:
                    self.take(ticket_id, reviewer)
                outcomes.append(BulkOutcome(ticket_id, self.approve(ticket_id, reviewer)))
            except (IllegalTransition, InvalidRequest, NotFound) as exc:
                outcomes.append(BulkOutcome(ticket_id, None, str(exc) if not isinstance(exc, NotFound) else NO_TICKET))
        return outcomes

    # --- manager actions (主管) ----------------------------------------------------------------

    def manager_approve(self, ticket_id: str, manager: str, note: str = "") -> Ticket:
        """A manager approves, as the second person, an approval above the limit (never the
        reviewer who approved it first); the order's ledger is checked again."""
        ticket = self._existing(ticket_id)
        return self._store.transition(ticket_id, "manager_approve", Actor.MANAGER, f"manager:{manager}", self.clock(),
                                     note=note, changes={"manager_id": manager, "stage_due": self._payout_due(ticket)},
                                     facts=self._facts(ticket), not_by=manager)

    def manager_return(self, ticket_id: str, manager: str, note: str) -> Ticket:
        """A manager sends an approval above the limit back to review, saying why."""
        if not (note or "").strip():
            raise InvalidRequest("退回重审时，请写明原因。")
        return self._store.transition(ticket_id, "manager_return", Actor.MANAGER, f"manager:{manager}", self.clock(),
                                     note=note, not_by=manager, changes={
                                         "final_amount": None, "adjustment_reason": None, "approved_by": None,
                                         "stage_due": self._due(self.policy.timing.review_working_days)})

    # --- customer actions -------------------------------------------------------------------

    def supplement(self, customer_id: str, ticket_id: str, evidence: Sequence[Tuple[str, str]],
                   uploads_from: Optional[str] = None) -> Ticket:
        """The customer sends what the reviewer asked for; the ticket goes back to review.
        `uploads_from`: a draft whose uploaded files join the ticket in the same step."""
        if not evidence:
            raise InvalidRequest("没有需要补充的内容。")
        return self._store.transition(ticket_id, "supplement", Actor.CUSTOMER, f"customer:{customer_id}", self.clock(),
                                     owner=customer_id, evidence=evidence, uploads_from=uploads_from,
                                     changes={"stage_due": self._due(self.policy.timing.review_working_days)})

    def appeal(self, customer_id: str, ticket_id: str, statement: str, uploads_from: Optional[str] = None) -> Ticket:
        """The customer disputes a rejection (one open appeal per ticket); `uploads_from`: a
        draft whose uploaded files join the ticket in the same step."""
        text = (statement or "").strip()
        if len(text) < 2:
            raise InvalidRequest("请填写申诉理由。")
        ticket = self._store.get(customer_id, ticket_id)
        return self._store.transition(ticket_id, "appeal", Actor.CUSTOMER, f"customer:{customer_id}", self.clock(),
                                     owner=customer_id, note=text[:2000], uploads_from=uploads_from,
                                     changes={"appeal_statement": text[:2000],
                                              "stage_due": self._due(self.policy.timing.appeal_working_days)},
                                     facts=self._facts(ticket) if ticket is not None else None)

    def withdraw(self, customer_id: str, ticket_id: str) -> Ticket:
        return self._store.transition(ticket_id, "withdraw", Actor.CUSTOMER, f"customer:{customer_id}", self.clock(),
                                     owner=customer_id, changes={"stage_due": None})

    # --- overdue tickets --------------------------------------------------------------------

    def is_overdue(self, ticket: Ticket) -> bool:
        return ticket.status in PROVIDER_STAGES and ticket.stage_due is not None and self.today() > ticket.stage_due

    def escalate_if_overdue(self, ticket: Ticket) -> Optional[date]:
        """Record a 催办 for an overdue stage; the new promised date, or None if not overdue.
        Asking again about the same missed date records nothing new."""
        if not self.is_overdue(ticket):
            return None
        new_due = self._due(self.policy.timing.escalation_working_days)
        self._store.record_escalation(ticket, new_due, self.clock())
        return new_due

    # --- helpers ----------------------------------------------------------------------------

    def _reviewer(self, ticket_id: str, action: str, reviewer: str, reason_code: str = "", note: str = "",
                  changes: Optional[dict] = None, facts: Optional[LedgerFacts] = None,
                  approval_limit: Optional[Decimal] = None) -> Ticket:
        return self._store.transition(ticket_id, action, Actor.REVIEWER, f"reviewer:{reviewer}", self.clock(),
                                     reason_code=reason_code, note=note, changes=changes, facts=facts,
                                     approval_limit=approval_limit)

    def _approval(self, ticket: Ticket, actions: Tuple[str, str], reviewer: str, note: str, final: Decimal) -> Ticket:
        """Approve (`actions[0]`), or send to a manager (`actions[1]`) when the order's approved
        money would pass the policy's limit: decided inside the ledger's locked transaction."""
        approve, to_manager = actions
        facts, limit = self._facts(ticket), self.policy.manager_approval_above
        changes = {"final_amount": final, "adjustment_reason": note or None, "approved_by": reviewer}
        above = limit is not None and facts is None and not ticket.pays_voucher and final > limit
        if not above:
            try:
                return self._reviewer(ticket.ticket_id, approve, reviewer, note=note, facts=facts,
                                      approval_limit=limit, changes={**changes, "stage_due": self._payout_due(ticket)})
            except NeedsManager:
                pass
        return self._reviewer(ticket.ticket_id, to_manager, reviewer, note=note, facts=facts,
                              changes={**changes, "stage_due": self._due(MANAGER_REVIEW_WORKING_DAYS)})

    def _facts(self, ticket: Ticket) -> Optional[LedgerFacts]:
        """Billing's side of the ticket's order ledger (None when no billing is wired)."""
        if self._ledgers is None:
            return None
        return self._ledgers.facts_for(ticket.customer_id, ticket.order_id)

    def _existing(self, ticket_id: str) -> Ticket:
        ticket = self._store.get_for_staff(ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id}")
        return ticket

    def _final_amount(self, ticket: Ticket, amount: Optional[str], reason: str) -> Decimal:
        if amount is None or amount == "":
            return ticket.quoted_amount
        if isinstance(amount, float):
            raise InvalidRequest(AMOUNT_AS_TEXT)
        # Plain yuan with at most two decimals: no NaN, Infinity, exponents or signs reach Decimal.
        if not AMOUNT.fullmatch(str(amount)):
            raise InvalidRequest(f"金额格式不正确：应为不小于 0、最多两位小数的元数，例如 \"1000.00\""
                                 f"（收到 {str(amount)[:40]!r}）。")
        value = Decimal(str(amount))
        paid = to_money(ticket.quote.get("paid", "0"))
        ceiling = max(paid, ticket.quoted_amount)
        if value > ceiling:
            raise InvalidRequest(f"金额超过了实付金额（{ceiling} 元）。")
        if value != ticket.quoted_amount and not reason.strip():
            raise InvalidRequest("金额与系统报价不同时，请填写调整原因。")
        return to_money(value)

    def review_due(self) -> date:
        """The review due date of a ticket filed now."""
        return self._due(self.policy.timing.review_working_days)

    def _payout_due(self, ticket: Ticket) -> date:
        destination = ticket.quote.get("destination") or self.policy.default_destination
        if ticket.pays_voucher:
            return self._due(0)  # a voucher is issued as soon as the claim is approved
        return self._due(self.policy.timing.payout_working_days.get(destination, 3))

    def _due(self, working_days: int) -> date:
        return self.policy.timing.working_days_after(self.clock(), working_days)


NO_TICKET = "没有这个工单。"


def _bulk_refusal(ticket: Optional[Ticket], reviewer: str) -> str:
    """Why a bulk approval leaves `ticket` alone ("" when it may be approved at its quote)."""
    if ticket is None:
        return NO_TICKET
    if ticket.reviewer_id not in (None, reviewer):
        return f"由 {ticket.reviewer_id} 处理中"
    if ticket.manual_review:
        return "需人工复核，请打开工单逐个审核"
    if ticket.status not in (TicketStatus.SUBMITTED, TicketStatus.UNDER_REVIEW):
        return f"工单当前为「{ticket.status_label}」，不能按报价通过"
    return ""
