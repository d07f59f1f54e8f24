"""Refund use cases, composed from billing, policy and tickets. The chat actions call these."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

from bot.billing.adapter import BillingAdapter
from bot.billing.models import Order, OrderContext, Outage, Payment, QuotaUse, Spec
from bot.clock import to_customer_time, utcnow
from bot.errors import NotFound
from bot.money import ZERO
from bot.policy.changes import downgrade_options, quote_downgrade, quote_sla_claim
from bot.policy.config import Policy
from bot.policy.engine import quote_refund, refusal_for_any_reason, worst_sla_month
from bot.policy.quote import Quote
from bot.refunds.change_replies import size_of
from bot.tickets.ledger import (
    COMPENSATION,
    DUPLICATE,
    SERVICE,
    Entry,
    Ledger,
    OrderLedgers,
    claim_key,
    month_of,
    pot_of,
    uncompensated,
)
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.store import NewTicket, TicketStore
from bot.vocabulary import RefundReason, TicketKind


@dataclass(frozen=True)
class OrderLookup:
    """Result of finding an order from what the customer typed."""

    order: Optional[Order] = None
    candidates: Tuple[Order, ...] = ()  # several orders match an instance: ask which


@dataclass(frozen=True)
class Precheck:
    """Why the order cannot go on to a refund application (all None: it can)."""

    open_ticket: Optional[Ticket] = None
    refusal: Optional[Quote] = None
    # The full refund that already settled the order (with its renewals and upgrades).
    settled_by: Optional[Ticket] = None


# What a ticket keeps of the form, by reason: the fields that reason asks for, nothing else.
REASON_FIELDS = {
    RefundReason.SERVICE_ISSUE: ("incident_time", "incident_instance", "incident_description", "evidence_links"),
    RefundReason.DUPLICATE_PAYMENT: ("duplicate_confirmed", "evidence_links"),
}


def quote_fingerprint(kind: str, quote: Quote) -> str:
    """What identifies a quote exactly as shown: its kind and every field (order, reason, lines,
    amounts, cash and gift split, voucher, destination, dates, explanation). The chat keeps the
    fingerprint of the quote it showed; filing recomputes the quote and files only if it is the
    same one."""
    shown = json.dumps({"kind": kind, **quote.to_dict()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:32]


class QuoteChanged(Exception):
    """The quote now is not the one the customer confirmed (another order, reason or kind, or
    billing changed): nothing was filed; `quote` is the new one, to show and ask again."""

    def __init__(self, quote: Quote, fingerprint: str) -> None:
        super().__init__("the quote changed since it was shown")
        self.quote = quote
        self.fingerprint = fingerprint


@dataclass(frozen=True)
class Channel:
    """An application made outside the chat: how (said on the ticket's filing, e.g. 「网页自助申请」)
    and the draft its uploaded files wait under."""

    name: str
    uploads_from: Optional[str] = None


def _channel_fields(channel: Optional[Channel]) -> dict:
    if channel is None:
        return {}
    return {"uploads_from": channel.uploads_from, "channel_note": channel.name}


@dataclass(frozen=True)
class Filing:
    ticket: Ticket
    created: bool
    quote: Quote

    def agent_reason(self, large_refund_above: Optional[Decimal]) -> Optional[str]:
        """Why an agent should take over right after filing ("flagged" for manual review,
        "large_amount" above the support threshold), or None."""
        if self.ticket.manual_review:
            return "flagged"
        if large_refund_above is not None and self.ticket.quoted_amount > large_refund_above:
            return "large_amount"
        return None


class RefundService:
    """Everything the assistant does with refunds, scoped to one customer per call."""

    def __init__(self, billing: BillingAdapter, tickets: TicketStore, policy: Policy,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._billing = billing
        self._tickets = tickets
        self._ledgers = OrderLedgers(billing, policy)
        self.policy = policy
        self.clock = clock

    def order(self, customer_id: str, order_id: str) -> Optional[Order]:
        """The customer's order, or None if it is not theirs."""
        return self._billing.get_order(customer_id, order_id)

    def orders(self, customer_id: str) -> List[Order]:
        """All the customer's orders, newest first (the agent's side panel)."""
        return self._billing.orders_for(customer_id)

    def owns_instance(self, customer_id: str, instance_id: str) -> bool:
        return self._billing.get_instance(customer_id, instance_id) is not None

    def owner_of(self, order_id: str) -> Optional[str]:
        """Operator lookup for the quote command line (never used from the chat)."""
        return self._billing.owner_of(order_id)

    def open_ticket(self, customer_id: str, order_id: str) -> Optional[Ticket]:
        """The order's open ticket (at most one), if any."""
        return self._tickets.open_ticket_for_order(customer_id, order_id)

    def precheck(self, customer_id: str, order: Order) -> Precheck:
        """What stops a refund of the order before any reason is asked: an open ticket, or a
        refusal no reason changes (pay-as-you-go, unpaid, expired)."""
        open_ticket = self.open_ticket(customer_id, order.order_id)
        if open_ticket is None and order.parent_order_id:
            # A renewal or upgrade is settled with its base order: one ticket for both.
            open_ticket = self.open_ticket(customer_id, order.parent_order_id)
        if open_ticket is not None:
            return Precheck(open_ticket=open_ticket)
        ledger = self._ledger(order)
        settled = self._our_ticket(customer_id, ledger.settled_by())
        if settled is not None:
            return Precheck(settled_by=settled)
        return Precheck(refusal=refusal_for_any_reason(self._context(order, ledger=ledger), self.clock(), self.policy))

    def given_back(self, customer_id: str, order_id: str, kind: str, reason: str) -> Optional[Ticket]:
        """The ticket that already gives back what an application of `kind` and `reason` for
        the order would ask for: the full refund that settled it, or the refund that took all a
        pot held (a duplicate charge refunded, nothing of the money left). None: ask away."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            return None
        ledger = self._ledger(order)
        pot = pot_of(kind, reason)
        settled = ledger.settled_by() if pot != DUPLICATE else None
        if settled is None and pot != COMPENSATION and ledger.left(pot) <= 0:
            settled = next((e for e in reversed(ledger.entries) if e.pot == pot and e.committed), None)
        return self._our_ticket(customer_id, settled)

    def claimed(self, customer_id: str, order_id: str) -> Optional[Ticket]:
        """The ticket that already compensates the outage month a claim for the order would be
        for (one claim per outage), if any."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None or not order.instance_id:
            return None
        ledger = self._ledger(order)
        month = worst_sla_month(order, self._outages(order), self.clock(), self.policy)
        if month is None:
            return None
        return self._our_ticket(customer_id, ledger.claimed(claim_key(order.instance_id, month_of(month.month_start))))

    def changes_since_last_visit(self, customer_id: str) -> List[Tuple[Ticket, TicketEvent]]:
        """Tickets that changed since the customer last came (and marks this visit)."""
        return self._tickets.changed_since_last_visit(customer_id, self.clock())

    def refundable_orders(self, customer_id: str, limit: Optional[int] = None) -> List[Order]:
        """Prepaid, paid orders whose service has time left, with no open ticket and not
        settled by a full refund; the first `limit` of them when given (each costs a ledger)."""
        found: List[Order] = []
        for order in self.orders_in_question(customer_id):
            if limit is not None and len(found) >= limit:
                break
            if order.status == "active" and self._tickets.open_ticket_for_order(customer_id, order.order_id) is None \
                    and self._ledger(order).settled_by() is None:
                found.append(order)
        return found

    def orders_in_question(self, customer_id: str) -> List[Order]:
        """Every prepaid, paid order whose service has time left, whatever its tickets: what a
        customer's words (「那台2核4G」) may mean, including an order already being refunded."""
        now = self.clock()
        return [o for o in self._billing.orders_for(customer_id)
                if o.billing_mode == "prepaid" and o.primary_payment is not None and o.status in ("active", "refunded")
                and not (o.expires_at and o.expires_at <= now)]

    def orders_to_name(self, customer_id: str) -> List[Order]:
        """What the customer's words may mean: the orders in question first, then every other
        order of theirs (refunded, released, expired), so an answer can say where those stand."""
        first = self.orders_in_question(customer_id)
        return first + [o for o in self._billing.orders_for(customer_id) if o not in first]

    def find_order(self, customer_id: str, order_id: Optional[str] = None,
                   instance_id: Optional[str] = None) -> OrderLookup:
        """Find the customer's order by order id or instance id (never another customer's)."""
        if order_id:
            return OrderLookup(order=self._billing.get_order(customer_id, order_id))
        if instance_id:
            now = self.clock()
            orders = [o for o in self._billing.orders_for_instance(customer_id, instance_id)
                      if o.expires_at is None or o.expires_at > now]
            if len(orders) == 1:
                return OrderLookup(order=orders[0])
            return OrderLookup(candidates=tuple(orders))
        return OrderLookup()

    def quote(self, customer_id: str, order_id: str, reason: str) -> Optional[Quote]:
        """The current quote for the customer's order (for what its ledger has left), or None if
        the order is not theirs."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            return None
        return quote_refund(self._context(order, pot_of(TicketKind.REFUND, reason)), reason, self.clock(), self.policy)

    def duplicate_payments(self, customer_id: str, order_id: str) -> Sequence[Payment]:
        """Payments billing shows as charged twice for the order."""
        order = self._billing.get_order(customer_id, order_id)
        return order.duplicate_payments if order else ()

    def file(self, customer_id: str, order_id: str, reason: str, details: dict,
             evidence: Sequence[Tuple[str, str]] = (), conversation_id: Optional[str] = None,
             confirmed: Optional[str] = None, channel: Optional[Channel] = None) -> Filing:
        """Re-quote from billing data and file the ticket (idempotent per open order): with
        `confirmed` (the fingerprint of the quote the customer saw) only that very quote
        (QuoteChanged otherwise); checked against the order's ledger (LedgerRefused: nothing is
        left for it). The ticket keeps the fields of its reason only. `channel`: applied
        elsewhere than the chat (the website's form): its uploads and its name for the audit."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            raise NotFound(f"order {order_id} of this customer")
        facts = self._ledgers.facts(order)
        ledger = self._tickets.ledger(facts)
        quote = quote_refund(self._context(order, pot_of(TicketKind.REFUND, reason), ledger), reason,
                             self.clock(), self.policy)
        existing = self._tickets.open_ticket_for_order(customer_id, order_id)
        if existing is not None:  # a retried confirmation: the ticket it filed
            return Filing(ticket=existing, created=False, quote=quote)
        self._same_as_shown(customer_id, order_id, TicketKind.REFUND, quote, confirmed)
        fields = REASON_FIELDS.get(RefundReason(reason), ())
        new = NewTicket(
            customer_id=customer_id, order_id=order_id, product_code=order.product_code, reason=reason,
            quote=quote.to_dict(), details={k: v for k, v in details.items() if k in fields}, evidence=evidence,
            conversation_id=conversation_id, manual_review=not quote.eligible,
            claim_key=self._voucher_claim(order, quote, ledger), review_due=self._review_due(),
            **_channel_fields(channel),
        )
        ticket, created = self._tickets.file(new, self.clock(), facts)
        return Filing(ticket=ticket, created=created, quote=quote)

    # --- keeping the resource: downgrade and SLA compensation -----------------------------------

    def downgrade_options(self, customer_id: str, order_id: str) -> List[Spec]:
        """The cheaper configurations the customer's order can move to (empty if none)."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None or order.activated_at > self.clock():  # a renewal not yet running
            return []
        return downgrade_options(order, self._billing.specs_for(order.product_code))

    def downgradable_to(self, customer_id: str, orders: Sequence[Order], sizes: Sequence[str]) -> List[Order]:
        """The `orders` that can move down to one of `sizes` (the NLU's size clues, "4c8g"): a
        downgrade is to a smaller size, so 「降到4核8G」 names the only server bigger than that."""
        wanted = {size.lower() for size in sizes}
        return [o for o in orders
                if any(size_of(s.name) in wanted for s in self.downgrade_options(customer_id, o.order_id))]

    def quote_downgrade(self, customer_id: str, order_id: str, spec_code: str) -> Optional[Quote]:
        """The downgrade quote, or None if the order is not theirs or the spec is not offered."""
        order = self._billing.get_order(customer_id, order_id)
        spec = next((s for s in self.downgrade_options(customer_id, order_id) if s.spec_code == spec_code), None)
        if order is None or spec is None:
            return None
        return quote_downgrade(self._context(order, SERVICE), spec, self.clock(), self.policy)

    def quote_sla_claim(self, customer_id: str, order_id: str) -> Optional[Quote]:
        """SLA compensation from the recorded outages, or None if the order is not theirs."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            return None
        return quote_sla_claim(self._context(order, COMPENSATION), self.clock(), self.policy)

    def file_downgrade(self, customer_id: str, order_id: str, spec_code: str,
                       conversation_id: Optional[str] = None, confirmed: Optional[str] = None,
                       channel: Optional[Channel] = None) -> Filing:
        """Re-quote from billing data and file a downgrade ticket (the resource is kept); with
        `confirmed`, only the quote the customer saw (QuoteChanged otherwise)."""
        quote = self.quote_downgrade(customer_id, order_id, spec_code)
        order = self._billing.get_order(customer_id, order_id)
        if quote is None or order is None:
            raise NotFound(f"order {order_id} of this customer or configuration {spec_code}")
        self._same_as_shown(customer_id, order_id, TicketKind.DOWNGRADE, quote, confirmed)
        return self._file_kept(customer_id, order, quote, TicketKind.DOWNGRADE, {"target_spec": spec_code},
                               conversation_id, channel=channel)

    def file_sla_claim(self, customer_id: str, order_id: str, description: str = "",
                       conversation_id: Optional[str] = None, confirmed: Optional[str] = None,
                       channel: Optional[Channel] = None) -> Filing:
        """File an SLA compensation claim, paid as a voucher; a claim the records do not
        support goes to a reviewer (manual review) with the customer's account of it. One
        claim per outage month (LedgerRefused for a second); with `confirmed`, only the quote
        the customer saw (QuoteChanged otherwise)."""
        quote = self.quote_sla_claim(customer_id, order_id)
        if quote is None:
            raise NotFound(f"order {order_id} of this customer")
        self._same_as_shown(customer_id, order_id, TicketKind.SLA_CLAIM, quote, confirmed)
        evidence = [("text", description)] if description else []
        order = self._billing.get_order(customer_id, order_id)
        assert order is not None
        # A claim the records do not show is for the month it is made in.
        month = quote.sla_month or month_of(self.clock())
        return self._file_kept(customer_id, order, quote, TicketKind.SLA_CLAIM, {}, conversation_id, evidence,
                               claim_key(order.instance_id, month), channel)

    def _file_kept(self, customer_id: str, order: Order, quote: Quote, kind: TicketKind, details: dict,
                   conversation_id: Optional[str], evidence: Sequence[Tuple[str, str]] = (),
                   claim: Optional[str] = None, channel: Optional[Channel] = None) -> Filing:
        new = NewTicket(customer_id=customer_id, order_id=order.order_id, product_code=order.product_code,
                        reason=quote.reason, quote=quote.to_dict(), details=details, evidence=evidence,
                        conversation_id=conversation_id, manual_review=not quote.eligible, kind=kind.value,
                        claim_key=claim, review_due=self._review_due(), **_channel_fields(channel))
        ticket, created = self._tickets.file(new, self.clock(), self._ledgers.facts(order))
        return Filing(ticket=ticket, created=created, quote=quote)

    def _review_due(self) -> date:
        """When a reviewer must have looked at a ticket filed now (every ticket has a due date,
        also one whose quote was refused and goes to manual review)."""
        return self.policy.timing.working_days_after(self.clock(), self.policy.timing.review_working_days)

    def tickets_for(self, customer_id: str) -> List[Ticket]:
        return self._tickets.for_customer(customer_id)

    def ticket(self, customer_id: str, ticket_id: str) -> Optional[Ticket]:
        return self._tickets.get(customer_id, ticket_id)

    def _same_as_shown(self, customer_id: str, order_id: str, kind: TicketKind, quote: Quote,
                       confirmed: Optional[str]) -> None:
        """QuoteChanged unless `quote` is the one confirmed (a retried confirmation of a ticket
        already filed finds that ticket instead)."""
        if confirmed is None or self.open_ticket(customer_id, order_id) is not None:
            return
        if quote_fingerprint(kind.value, quote) != confirmed:
            raise QuoteChanged(quote, quote_fingerprint(kind.value, quote))

    def _ledger(self, order: Order) -> Ledger:
        return self._tickets.ledger(self._ledgers.facts(order))

    def _context(self, order: Order, pot: str = SERVICE, ledger: Optional[Ledger] = None) -> OrderContext:
        """What the engine needs beyond the order: this year's no-reason refunds, the outages
        not compensated yet, the order's renewals and upgrades, and what earlier tickets
        already give back from `pot` (a quote is only ever for what is left)."""
        year = to_customer_time(self.clock()).year
        products = self.policy.no_reason.quota_products(order.product_code)
        uses = tuple(self._named(order.customer_id, use)
                     for use in self._tickets.no_reason_uses(order.customer_id, year, products))
        ledger = ledger or self._ledger(order)
        outages = uncompensated(self._outages(order), ledger)
        # Every renewal and upgrade: what their own tickets give back is deducted (the ledger).
        changes = self._billing.changes_of(order.customer_id, order.order_id)
        returned, by = ledger.returned(pot) if pot != COMPENSATION else (ZERO, ())
        return OrderContext(order=order, no_reason_refunds_this_year=sum(use.units for use in uses),
                            no_reason_uses=uses, outages=tuple(outages), changes=tuple(changes),
                            returned=returned, returned_by=by)

    def _named(self, customer_id: str, use: QuotaUse) -> QuotaUse:
        """The quota use with its order's product name, for the customer to read."""
        used = self._billing.get_order(customer_id, use.order_id)
        return replace(use, product_name=used.product_name) if used is not None else use

    def _outages(self, order: Order) -> List[Outage]:
        return self._billing.outages_for(order.instance_id) if order.instance_id else []

    def _voucher_claim(self, order: Order, quote: Quote, ledger: Ledger) -> Optional[str]:
        """The outage month a service-problem refund's SLA voucher compensates (None without one)."""
        if not quote.sla_compensation:
            return None
        month = worst_sla_month(order, uncompensated(self._outages(order), ledger), self.clock(), self.policy)
        return claim_key(order.instance_id, month_of(month.month_start)) if month else None

    def _our_ticket(self, customer_id: str, entry: Optional[Entry]) -> Optional[Ticket]:
        return self._tickets.get(customer_id, entry.reference) if entry is not None else None
