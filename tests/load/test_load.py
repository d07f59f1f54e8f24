"""Load, short form (the 2-minute, 50-customer run is in `make bench`): simulated customers
apply for refunds and query their status through the socket channel of the multi-instance
set-up. Zero errors, and the tickets in the database are exactly the confirmed applications."""
from __future__ import annotations

import os

from sqlalchemy import select

from bench.customers import run_load, seed_load_customers
from bot.storage.schema import TicketRow
from harness.servers import chat_token
from tests.widget_client import run

CUSTOMERS = int(os.environ.get("REFUND_LOAD_CUSTOMERS", "10"))
SECONDS = float(os.environ.get("REFUND_LOAD_SECONDS", "20"))


def test_customers_applying_at_once_through_the_balancer(fresh_cluster):
    customers = seed_load_customers(fresh_cluster.sessions, CUSTOMERS, orders_each=40)
    result = run(run_load(fresh_cluster.public_url, lambda c: chat_token(fresh_cluster.sessions, c), customers, SECONDS))
    print(f"\nload: {result.summary()}")
    assert result.errors == []
    assert len(result.confirmed) >= CUSTOMERS  # every customer got at least one application through
    assert len(set(result.confirmed)) == len(result.confirmed)
    with fresh_cluster.sessions() as db:
        filed = set(db.scalars(select(TicketRow.ticket_id).where(TicketRow.customer_id.like("L%"))))
    assert filed == set(result.confirmed)
