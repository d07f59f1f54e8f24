"""The billing interface the assistant depends on. A real provider implements it over its own
billing API; `SqlBillingAdapter` is the demo implementation over our database."""
from __future__ import annotations

from typing import List, Optional, Protocol

from bot.billing.models import Customer, Instance, Order, Outage, Refund, Spec


class BillingAdapter(Protocol):
    """Read-only, owner-scoped access to customers, orders, payments and outages."""

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        """The customer, or None if unknown."""

    def orders_for(self, customer_id: str) -> List[Order]:
        """All orders of a customer, newest first."""

    def get_order(self, customer_id: str, order_id: str) -> Optional[Order]:
        """The order if it exists and belongs to `customer_id`, else None."""

    def orders_for_instance(self, customer_id: str, instance_id: str) -> List[Order]:
        """The customer's orders for the instance, newest first (empty if not theirs)."""

    def get_instance(self, customer_id: str, instance_id: str) -> Optional[Instance]:
        """The instance if it belongs to `customer_id`."""

    def changes_of(self, customer_id: str, order_id: str) -> List[Order]:
        """The customer's orders that renew or upgrade `order_id`, oldest first."""

    def specs_for(self, product_code: str) -> List[Spec]:
        """The configurations the product is sold in (downgrade targets), cheapest first."""

    def outages_for(self, instance_id: str) -> List[Outage]:
        """Recorded outages of an instance."""

    def refunds_for(self, customer_id: str, order_id: str) -> List[Refund]:
        """The refunds billing has made or is making on the customer's order (approved and
        later), oldest first: the order's ledger counts those no ticket of ours stands for."""

    def owner_of(self, order_id: str) -> Optional[str]:
        """Operator lookup for the quote command line (never used from the chat)."""
