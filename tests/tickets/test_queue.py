"""The reviewers' queue over both databases: its views (mine, unclaimed, all) with their counts,
what each filter keeps (a customer found by name), the orders it sorts in, and its pages."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from bot.policy.config import load_policy
from bot.security.customer_accounts import CustomerAccounts
from bot.settings import PROJECT_ROOT
from bot.storage.schema import CustomerRow
from bot.storage.seed import DEMO_PASSWORD_HASH, DemoOrder, add_demo_order
from bot.tickets.queue import ALL, MINE, UNCLAIMED, TicketFilter
from bot.tickets.store import NewTicket, TicketStore
from bot.tickets.workflow import TicketWorkflow
from tests.conftest import NOW

TODAY = date(2026, 11, 25)


def customer(sessions, customer_id: str, name: str) -> None:
    with sessions.begin() as session:
        session.add(CustomerRow(customer_id=customer_id, name=name, is_demo=True, password_hash=DEMO_PASSWORD_HASH))


def filed(sessions, customer_id: str = "c1001", reason: str = "demand_change", amount: str = "100.00",
          due: str = "2026-11-30", minutes: int = 0, kind: str = "refund") -> str:
    order_id = f"{uuid.uuid4().int % 10**16:016d}"
    with sessions.begin() as session:
        add_demo_order(session, DemoOrder("q", order_id, customer_id, None, "ecs", "云服务器 ECS（2核4G）", 2, 12,
                                          Decimal("1200")), NOW)
    quote = {"rule": "standard", "refund": amount, "paid": "1200.00", "review_due": due, "lines": []}
    new = NewTicket(customer_id, order_id, "ecs", reason, quote, {}, kind=kind)
    ticket, _ = TicketStore(sessions).file(new, NOW + timedelta(minutes=minutes))
    return ticket.ticket_id


@pytest.fixture
def queue(seeded):
    sessions = seeded
    store = TicketStore(sessions)
    workflow = TicketWorkflow(store, load_policy(PROJECT_ROOT / "policies" / "default.yml"), clock=lambda: NOW)
    with sessions.begin() as session:  # the demo data's own tickets are left out of these queues
        for table in ("ticket_escalations", "ticket_evidence", "ticket_events", "uploads"):
            session.execute(text(f"DELETE FROM {table}" + (" WHERE ticket_id IS NOT NULL" if table == "uploads" else "")))
        session.execute(text("DELETE FROM refund_tickets"))
    return sessions, store, workflow


def ids(store: TicketStore, staff: str = "r1", named=(), **wanted) -> list:
    return [t.ticket_id for t in store.review_queue(TicketFilter(**wanted), staff, TODAY, named, 50).tickets]


def test_views_split_mine_unclaimed_and_all_with_counts(queue):
    sessions, store, workflow = queue
    mine, colleagues, waiting = filed(sessions), filed(sessions, minutes=1), filed(sessions, minutes=2)
    finished = filed(sessions, minutes=3)
    workflow.take(mine, "r1")
    workflow.take(colleagues, "a2")
    workflow.take(finished, "r1")
    workflow.reject(finished, "r1", "outside_policy")
    assert ids(store, view=MINE) == [mine]
    assert ids(store, view=UNCLAIMED) == [waiting]
    assert set(ids(store, view=ALL)) == {mine, colleagues, waiting, finished}
    page = store.review_queue(TicketFilter(view=UNCLAIMED), "r1", TODAY)
    assert page.counts == {MINE: 1, UNCLAIMED: 1, ALL: 4} and page.total == 1
    assert store.review_queue(TicketFilter(view=MINE), "a2", TODAY).tickets[0].ticket_id == colleagues


def test_a_customer_is_found_by_name_and_ids_by_their_start(queue):
    sessions, store, _ = queue
    customer(sessions, "c7001", "欧阳娜娜")
    hers, other = filed(sessions, "c7001"), filed(sessions, minutes=1)
    named = CustomerAccounts(sessions).named_like("欧阳")
    assert ids(store, named=named, text="欧阳") == [hers]
    assert ids(store, text=hers.lower()) == [hers] and ids(store, text=hers[:-1]) == [hers, other]
    assert ids(store, text="c7001") == [hers]
    assert ids(store, text="%") == [] and ids(store, text="_") == []  # wildcards are plain characters


def test_filters_combine_and_sort(queue):
    sessions, store, workflow = queue
    big = filed(sessions, reason="service_issue", amount="3600.00", due="2026-12-03")
    small = filed(sessions, reason="service_issue", amount="50.00", due="2026-12-01", minutes=1)
    late = filed(sessions, amount="3600.00", due="2026-11-20", minutes=2)
    claim = filed(sessions, kind="sla_claim", amount="80.00", minutes=3)
    assert ids(store, reason="service_issue", min_amount=Decimal("1000")) == [big]
    assert ids(store, kind="sla_claim") == [claim]
    assert ids(store) == [late, claim, small, big]  # by due date
    assert ids(store, sort="amount")[:2] == [big, late]
    assert ids(store, sort="created")[0] == claim
    assert ids(store, overdue=True) == [late] and workflow.count_overdue() == 1


def test_pages_of_the_queue(queue):
    sessions, store, _ = queue
    made = [filed(sessions, minutes=n) for n in range(7)]
    first = store.review_queue(TicketFilter(), "r1", TODAY, page_size=3)
    last = store.review_queue(TicketFilter(page=3), "r1", TODAY, page_size=3)
    beyond = store.review_queue(TicketFilter(page=99), "r1", TODAY, page_size=3)
    assert (first.total, first.pages, len(first.tickets)) == (7, 3, 3)
    assert [t.ticket_id for t in last.tickets] == made[6:] and beyond.page == 3
    assert store.review_order(TicketFilter(), "r1", TODAY) == made


def test_what_the_query_string_cannot_mean_is_left_out():
    wanted = TicketFilter.from_args({"status": "teleported", "reason": "bored", "min": "NaN", "max": "-5",
                                     "sort": "random", "q": " RF2026 ", "view": "everything", "page": "-2",
                                     "kind": "gift"})
    assert wanted == TicketFilter(text="RF2026")
    assert TicketFilter.from_args({"view": "mine", "page": "3"}) == replace(TicketFilter(view=MINE), page=3)
    assert TicketFilter(view=UNCLAIMED, text="张", page=2).query() == "view=unclaimed&q=%E5%BC%A0&page=2"
