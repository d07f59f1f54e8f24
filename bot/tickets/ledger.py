"""An order's ledger: what an order (with its renewals and upgrades) and each outage month have
given back, ticket by ticket, and the rules that keep money from moving twice.

Three pots, each with its own ceiling from billing:

* **service** — the money paid for the service (the order and its changes): full refunds and
  downgrade differences come out of it, so their sum never exceeds what was paid;
* **duplicate** — money charged more than once: duplicate-payment refunds come out of it;
* **compensation** — SLA vouchers, one claim per instance and outage month, each at most one
  month's fee (what the SLA tiers are capped at).

A ticket counts from filing until it is rejected, withdrawn or finally rejected (a rejected
ticket counts again once appealed). A full refund settles the order: nothing filed after it
(a downgrade, a claim, another refund) can count as well. `Ledger.problem` says, in Chinese, why
a ticket cannot be filed, approved or paid; the ticket store checks it inside the transaction
that changes the ticket, with the order's ledger row locked (bot/tickets/store.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.billing.adapter import BillingAdapter
from bot.billing.models import Order, Outage, Payment, Refund
from bot.clock import to_customer_time
from bot.money import ZERO, format_yuan, to_money
from bot.policy.config import Policy
from bot.policy.engine import add_months, sla_monthly_fee
from bot.tickets.lifecycle import IllegalTransition
from bot.vocabulary import COMMITTED_STATUSES, RefundReason, TicketKind, TicketStatus

SERVICE, DUPLICATE, COMPENSATION = "service", "duplicate", "compensation"
MONEY_POTS = (SERVICE, DUPLICATE)
POT_LABELS = {SERVICE: "实付金额", DUPLICATE: "重复扣款金额", COMPENSATION: "当月费用"}
# Tickets a reviewer has approved (a manager's approval may still be due).
DECIDED = frozenset({TicketStatus.MANAGER_REVIEW, TicketStatus.APPROVED, TicketStatus.REFUNDING,
                     TicketStatus.REFUNDED})
# How far up a chain of renewals/upgrades the root order is looked for.
MAX_CHAIN = 8


class LedgerRefused(IllegalTransition):
    """The order (or the outage month) has nothing left for this: the message says why, in
    Chinese; `reference` is the ticket that took it, when one did."""

    def __init__(self, message: str, reference: Optional[str] = None) -> None:
        super().__init__(message)
        self.reference = reference


def pot_of(kind: str, reason: str) -> str:
    """Which money a ticket of `kind` and `reason` gives back."""
    if kind == TicketKind.SLA_CLAIM:
        return COMPENSATION
    return DUPLICATE if reason == RefundReason.DUPLICATE_PAYMENT else SERVICE


def claim_key(instance_id: Optional[str], month: str) -> Optional[str]:
    """The outage a compensation is for: one instance's month ("ins-…:2026-11")."""
    return f"{instance_id}:{month}" if instance_id else None


def month_of(moment: datetime) -> str:
    """The Beijing calendar month of `moment`, as SLA months are named ("2026-11")."""
    return f"{to_customer_time(moment):%Y-%m}"


def uncompensated(outages: Sequence[Outage], ledger: "Ledger") -> List[Outage]:
    """The outages without their parts in months already compensated (one claim per outage
    month): what a new quote may still compensate."""
    kept: List[Outage] = []
    for outage in outages:
        start = outage.started_at
        while start < outage.ended_at:
            month = to_customer_time(start).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            end = min(outage.ended_at, add_months(month, 1))
            if ledger.claimed(claim_key(outage.instance_id, month_of(month))) is None:
                if kept and kept[-1].ended_at == start and kept[-1].summary == outage.summary:
                    kept[-1] = replace(kept[-1], ended_at=end)
                else:
                    kept.append(replace(outage, started_at=start, ended_at=end))
            start = end
    return kept


@dataclass(frozen=True)
class Entry:
    """One ticket (or one billing refund no ticket stands for) in an order's ledger."""

    reference: str  # the ticket id, or billing's reference
    order_id: str
    kind: str
    reason: str
    status: str
    amount: Decimal  # the money (for a claim: the voucher) it gives back: final if approved, else quoted
    created_at: datetime
    voucher: Decimal = ZERO  # the SLA compensation it carries (a claim's amount or a refund's voucher)
    claim: Optional[str] = None  # the outage month it compensates (claim_key): a claim, or a refund with a voucher

    @property
    def pot(self) -> str:
        return pot_of(self.kind, self.reason)

    @property
    def committed(self) -> bool:
        """Filed and not (or no longer) turned down: its amount is promised or given."""
        return self.status in COMMITTED_STATUSES

    @property
    def paid(self) -> bool:
        return self.status == TicketStatus.REFUNDED

    @property
    def settles(self) -> bool:
        """A full refund ends the service: the order has nothing more to give after it."""
        return self.committed and self.kind == TicketKind.REFUND and self.pot == SERVICE

    @property
    def money(self) -> Decimal:
        """Money out of the order (an SLA claim's voucher is not money)."""
        return self.amount if self.pot in MONEY_POTS else ZERO

    @property
    def compensation(self) -> Decimal:
        """The SLA voucher it gives (a claim, or a service-problem refund that carries one)."""
        return self.amount if self.pot == COMPENSATION else self.voucher


@dataclass(frozen=True)
class Limits:
    """What billing says can come back at most, pot by pot."""

    service: Decimal
    duplicate: Decimal
    compensation: Decimal

    def of(self, pot: str) -> Decimal:
        return {SERVICE: self.service, DUPLICATE: self.duplicate, COMPENSATION: self.compensation}[pot]


@dataclass(frozen=True)
class LedgerFacts:
    """Billing's side of an order's ledger: its root order, ceilings and the refunds billing made
    that no ticket of ours stands for."""

    key: str
    limits: Limits
    external: Tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Ledger:
    """Everything an order and its changes have given back, and what is left."""

    key: str
    limits: Limits
    entries: Tuple[Entry, ...]

    @classmethod
    def of(cls, facts: LedgerFacts, tickets: Iterable[Entry]) -> "Ledger":
        return cls(facts.key, facts.limits, (*facts.external, *tickets))

    def given_back(self, pot: str, excluding: str = "") -> Decimal:
        """Promised or given from `pot` by every counting entry but `excluding`."""
        return sum((e.amount for e in self._counting(pot, excluding)), ZERO)

    def paid_out(self, pot: str) -> Decimal:
        return sum((e.amount for e in self.entries if e.pot == pot and e.paid), ZERO)

    def left(self, pot: str, excluding: str = "") -> Decimal:
        """What `pot` can still give (never below 0)."""
        return max(ZERO, self.limits.of(pot) - self.given_back(pot, excluding))

    def returned(self, pot: str) -> Tuple[Decimal, Tuple[str, ...]]:
        """What a new quote from `pot` must deduct, and the references that took it."""
        counting = self._counting(pot, "")
        return sum((e.amount for e in counting), ZERO), tuple(e.reference for e in counting)

    def approved_money(self, candidate: Entry) -> Decimal:
        """Money out of the order family once `candidate` is approved: every ticket a reviewer
        approved (or sent to a manager) and the candidate — what the approval limit is about,
        so splitting one refund into several tickets does not dodge it."""
        others = [e for e in self.entries if e.status in DECIDED and e.reference != candidate.reference]
        return sum((e.money for e in others), ZERO) + candidate.money

    def settled_by(self, candidate: Optional[Entry] = None) -> Optional[Entry]:
        """The full refund that settled the order before `candidate` (any, for a new ticket;
        for another full refund, whichever came first)."""
        for entry in self.entries:
            if not entry.settles or (candidate is not None and entry.reference == candidate.reference):
                continue
            if candidate is None or candidate.settles or entry.created_at <= candidate.created_at:
                return entry
        return None

    def claimed(self, key: Optional[str], excluding: str = "") -> Optional[Entry]:
        """The counting entry that already compensates outage month `key`."""
        if key is None:
            return None
        return next((e for e in self.entries if e.claim == key and e.committed and e.reference != excluding), None)

    def problem(self, candidate: Entry) -> Optional[LedgerRefused]:
        """Why `candidate` (a ticket as it would be after filing or the change) cannot count,
        with a Chinese message; None if the order has room for it."""
        if not candidate.committed:
            return None
        settled = self.settled_by(candidate)
        if settled is not None and candidate.pot != DUPLICATE:
            return LedgerRefused(f"该订单已在工单 {settled.reference} 中申请全额退订，不能再为它退款、降配或补偿。",
                                 settled.reference)
        claimed = self.claimed(candidate.claim, candidate.reference)
        if claimed is not None:
            return LedgerRefused(f"该实例这个月的故障已在工单 {claimed.reference} 中补偿过，同一次故障只补偿一次。",
                                 claimed.reference)
        if candidate.compensation > self.limits.compensation:
            return LedgerRefused(f"补偿金额 {format_yuan(candidate.compensation)} 超过了 SLA 的上限"
                                 f"（当月费用 {format_yuan(self.limits.compensation)}）。")
        if candidate.pot in MONEY_POTS and candidate.amount > self.left(candidate.pot, candidate.reference):
            return self._over(candidate)
        return None

    def _over(self, candidate: Entry) -> LedgerRefused:
        pot, left = candidate.pot, self.left(candidate.pot, candidate.reference)
        others = [e.reference for e in self._counting(pot, candidate.reference)]
        before = (f"已在工单 {'、'.join(others)} 中退还或正在退还 {format_yuan(self.given_back(pot, candidate.reference))}，"
                  if others else "")
        return LedgerRefused(f"金额 {format_yuan(candidate.amount)} 超过了该订单还能退的部分：{POT_LABELS[pot]} "
                             f"{format_yuan(self.limits.of(pot))}，{before}最多还能退 {format_yuan(left)}。",
                             others[-1] if others else None)

    def _counting(self, pot: str, excluding: str) -> List[Entry]:
        return [e for e in self.entries if e.pot == pot and e.committed and e.reference != excluding]


class OrderLedgers:
    """Billing's side of the ledgers: which order is the root of a family of changes, what was
    paid for it, and the refunds billing already made."""

    def __init__(self, billing: BillingAdapter, policy: Policy) -> None:
        self._billing = billing
        self._policy = policy

    def facts(self, order: Order) -> LedgerFacts:
        """The ceilings of `order`'s family (the root order and all its changes)."""
        root = self.root(order)
        family = [root, *self._billing.changes_of(root.customer_id, root.order_id)]
        service = sum((_money(o.primary_payment) for o in family), ZERO)
        duplicate = sum((_money(p) for o in family for p in o.duplicate_payments), ZERO)
        external = tuple(_entry(refund) for o in family for refund in self._billing.refunds_for(o.customer_id, o.order_id))
        return LedgerFacts(root.order_id, Limits(to_money(service), to_money(duplicate),
                                                     sla_monthly_fee(root, self._policy)), external)

    def facts_for(self, customer_id: str, order_id: str) -> LedgerFacts:
        """The facts of the customer's order; LedgerRefused if billing does not know it (what it
        gave back cannot be checked, so nothing more moves)."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            raise LedgerRefused(f"账单系统中找不到订单 {order_id}，无法核对它已退还的金额，请先核实订单。")
        return self.facts(order)

    def root(self, order: Order) -> Order:
        """The order a renewal or upgrade changes (followed to the first), else the order."""
        for _ in range(MAX_CHAIN):
            if not order.parent_order_id:
                break
            parent = self._billing.get_order(order.customer_id, order.parent_order_id)
            if parent is None:
                break
            order = parent
        return order


def without_our_tickets(facts: LedgerFacts, ours: Sequence[str]) -> LedgerFacts:
    """The facts without the billing refunds our own tickets stand for (never counted twice)."""
    known = set(ours)
    return LedgerFacts(facts.key, facts.limits, tuple(e for e in facts.external if e.reference not in known))


def _money(payment: Optional[Payment]) -> Decimal:
    return to_money(payment.cash + payment.gift_credit) if payment is not None else ZERO


def _entry(refund: Refund) -> Entry:
    return Entry(refund.reference, refund.order_id, refund.kind, refund.reason, refund.status, refund.amount, refund.at)
