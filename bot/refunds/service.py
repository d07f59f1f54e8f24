"""Refund use cases, composed from billing, policy and tickets. The chat actions call these."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

from bot.billing.adapter import BillingAdapter
from bot.billing.models import Order, OrderContext, Payment, QuotaUse, Spec
from bot.clock import to_customer_time, utcnow
from bot.errors import NotFound
from bot.policy.changes import downgrade_options, quote_downgrade, quote_sla_claim
from bot.policy.config import Policy
from bot.policy.engine import quote_refund, refusal_for_any_reason
from bot.policy.quote import Quote
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.store import NewTicket, TicketStore
from bot.vocabulary import TicketKind


@dataclass(frozen=True)
class OrderLookup:
    """Result of finding an order from what the customer typed."""

    order: Optional[Order] = None
    candidates: Tuple[Order, ...] = ()  # several orders match an instance: ask which


@dataclass(frozen=True)
class Precheck:
    """Why the order cannot go on to a refund application (both None: it can)."""

    open_ticket: Optional[Ticket] = None
    refusal: Optional[Quote] = None


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
        if large_refund_above is not None and self.quote.refund > large_refund_above:
            return "large_amount"
        return None


class RefundService:
    """Everything the assistant does with refunds, scoped to one customer per call."""

    def __init__(self, billing: BillingAdapter, tickets: TicketStore, policy: Policy,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._billing = billing
        self._tickets = tickets
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
        return Precheck(refusal=refusal_for_any_reason(self._context(order), self.clock(), self.policy))

    def changes_since_last_visit(self, customer_id: str) -> List[Tuple[Ticket, TicketEvent]]:
        """Tickets that changed since the customer last came (and marks this visit)."""
        return self._tickets.changed_since_last_visit(customer_id, self.clock())

    def refundable_orders(self, customer_id: str) -> List[Order]:
        """Prepaid, paid orders whose service has time left and that have no open ticket."""
        now = self.clock()
        result = []
        for order in self._billing.orders_for(customer_id):
            if order.billing_mode != "prepaid" or order.primary_payment is None:
                continue
            if order.status != "active" or (order.expires_at and order.expires_at <= now):
                continue
            if self._tickets.open_ticket_for_order(customer_id, order.order_id):
                continue
            result.append(order)
        return result

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
        """The current quote for the customer's order, or None if the order is not theirs."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            return None
        return quote_refund(self._context(order), reason, self.clock(), self.policy)

    def duplicate_payments(self, customer_id: str, order_id: str) -> Sequence[Payment]:
        """Payments billing shows as charged twice for the order."""
        order = self._billing.get_order(customer_id, order_id)
        return order.duplicate_payments if order else ()

    def file(self, customer_id: str, order_id: str, reason: str, details: dict,
             evidence: Sequence[Tuple[str, str]] = (), conversation_id: Optional[str] = None) -> Filing:
        """Re-quote from billing data and file the ticket (idempotent per open order)."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            raise NotFound(f"order {order_id} of this customer")
        quote = quote_refund(self._context(order), reason, self.clock(), self.policy)
        new = NewTicket(
            customer_id=customer_id, order_id=order_id, product_code=order.product_code,
            reason=reason, quote=quote.to_dict(), details=details, evidence=evidence,
            conversation_id=conversation_id, manual_review=not quote.eligible,
        )
        ticket, created = self._tickets.file(new, self.clock())
        return Filing(ticket=ticket, created=created, quote=quote)

    # --- keeping the resource: downgrade and SLA compensation -----------------------------------

    def downgrade_options(self, customer_id: str, order_id: str) -> List[Spec]:
        """The cheaper configurations the customer's order can move to (empty if none)."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None or order.activated_at > self.clock():  # a renewal not yet running
            return []
        return downgrade_options(order, self._billing.specs_for(order.product_code))

    def quote_downgrade(self, customer_id: str, order_id: str, spec_code: str) -> Optional[Quote]:
        """The downgrade quote, or None if the order is not theirs or the spec is not offered."""
        order = self._billing.get_order(customer_id, order_id)
        spec = next((s for s in self.downgrade_options(customer_id, order_id) if s.spec_code == spec_code), None)
        if order is None or spec is None:
            return None
        return quote_downgrade(self._context(order), spec, self.clock(), self.policy)

    def quote_sla_claim(self, customer_id: str, order_id: str) -> Optional[Quote]:
        """SLA compensation from the recorded outages, or None if the order is not theirs."""
        order = self._billing.get_order(customer_id, order_id)
        if order is None:
            return None
        return quote_sla_claim(self._context(order), self.clock(), self.policy)

    def file_downgrade(self, customer_id: str, order_id: str, spec_code: str,
                       conversation_id: Optional[str] = None) -> Filing:
        """Re-quote from billing data and file a downgrade ticket (the resource is kept)."""
        quote = self.quote_downgrade(customer_id, order_id, spec_code)
        if quote is None:
            raise NotFound(f"order {order_id} of this customer or configuration {spec_code}")
        return self._file_kept(customer_id, order_id, quote, TicketKind.DOWNGRADE,
                               {"target_spec": spec_code}, conversation_id)

    def file_sla_claim(self, customer_id: str, order_id: str, description: str = "",
                       conversation_id: Optional[str] = None) -> Filing:
        """File an SLA compensation claim, paid as a voucher; a claim the records do not
        support goes to a reviewer (manual review) with the customer's account of it."""
        quote = self.quote_sla_claim(customer_id, order_id)
        if quote is None:
            raise NotFound(f"order {order_id} of this customer")
        evidence = [("text", description)] if description else []
        return self._file_kept(customer_id, order_id, quote, TicketKind.SLA_CLAIM, {}, conversation_id, evidence)

    def _file_kept(self, customer_id: str, order_id: str, quote: Quote, kind: TicketKind, details: dict,
                   conversation_id: Optional[str], evidence: Sequence[Tuple[str, str]] = ()) -> Filing:
        order = self._billing.get_order(customer_id, order_id)
        assert order is not None
        new = NewTicket(customer_id=customer_id, order_id=order_id, product_code=order.product_code,
                        reason=quote.reason, quote=quote.to_dict(), details=details, evidence=evidence,
                        conversation_id=conversation_id, manual_review=not quote.eligible, kind=kind.value)
        ticket, created = self._tickets.file(new, self.clock())
        return Filing(ticket=ticket, created=created, quote=quote)

    def tickets_for(self, customer_id: str) -> List[Ticket]:
        return self._tickets.for_customer(customer_id)

    def ticket(self, customer_id: str, ticket_id: str) -> Optional[Ticket]:
        return self._tickets.get(customer_id, ticket_id)

    def _context(self, order: Order) -> OrderContext:
        year = to_customer_time(self.clock()).year
        products = self.policy.no_reason.quota_products(order.product_code)
        uses = tuple(self._named(order.customer_id, use)
                     for use in self._tickets.no_reason_uses(order.customer_id, year, products))
        outages = self._billing.outages_for(order.instance_id) if order.instance_id else []
        # A change with its own ticket in progress is settled there, not again with its base.
        changes = [c for c in self._billing.changes_of(order.customer_id, order.order_id)
                   if self._tickets.open_ticket_for_order(order.customer_id, c.order_id) is None]
        return OrderContext(order=order, no_reason_refunds_this_year=sum(use.units for use in uses),
                            no_reason_uses=uses, outages=tuple(outages), changes=tuple(changes))

    def _named(self, customer_id: str, use: QuotaUse) -> QuotaUse:
        """The quota use with its order's product name, for the customer to read."""
        used = self._billing.get_order(customer_id, use.order_id)
        return replace(use, product_name=used.product_name) if used is not None else use
