"""Ticket storage on SQLite and PostgreSQL: numbering, idempotency, owner filtering, quota."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.errors import NotFound
from bot.tickets.store import NewTicket, TicketStore
from tests.conftest import NOW


def new(order_id="2026112400010001", customer="c1001", **kw):
    quote = {"rule": "no_reason_window", "refund": "1200.00"}
    return NewTicket(customer_id=customer, order_id=order_id, product_code="ecs", reason="demand_change",
                     quote=quote, details={"note": "x"}, evidence=[("text", "不需要了")], **kw)


def test_ticket_ids_are_daily_sequences(seeded):
    store = TicketStore(seeded)
    first, created = store.file(new(), NOW)
    second, _ = store.file(new(order_id="2026092700010002"), NOW)
    assert created and first.ticket_id == "RF202611250001" and second.ticket_id == "RF202611250002"
    tomorrow, _ = store.file(new(order_id="2026112000010003"), NOW + timedelta(days=1))
    assert tomorrow.ticket_id == "RF202611260001"
    assert first.status == "submitted" and first.evidence[0].content == "不需要了"


def test_ticket_numbers_have_no_daily_ceiling_and_stay_readable(seeded):
    """Past 9,999 tickets in a day the sequence takes a fifth digit (filing used to fail until
    midnight); old and new numbers are both read back from what a customer types."""
    from datetime import datetime, timezone

    from bot.nlu.extract import extract_entities
    from bot.storage.schema import TicketSequenceRow

    store = TicketStore(seeded)
    with seeded.begin() as session:
        session.add(TicketSequenceRow(day="20261125", last=9998))
    last_four, _ = store.file(new(), NOW)
    fifth, _ = store.file(new(order_id="2026092700010002"), NOW)
    assert (last_four.ticket_id, fifth.ticket_id) == ("RF202611259999", "RF2026112510000")
    assert store.get("c1001", "rf2026112510000").ticket_id == fifth.ticket_id
    typed = extract_entities(f"{fifth.ticket_id}到哪了，还有RF202611259999", datetime.now(timezone.utc))
    assert [e.value for e in typed if e.entity == "ticket_id"] == [fifth.ticket_id, last_four.ticket_id]


def test_second_filing_for_the_same_order_returns_the_open_ticket(seeded):
    store = TicketStore(seeded)
    first, _ = store.file(new(), NOW)
    again, created = store.file(new(), NOW)
    assert not created and again.ticket_id == first.ticket_id
    assert len(store.for_customer("c1001")) == 2  # plus the seeded historic ticket


def test_closed_ticket_allows_a_new_one(seeded):
    store = TicketStore(seeded)
    first, _ = store.file(new(), NOW)
    store.set_status(first.ticket_id, "withdrawn", NOW, actor="customer:c1001")
    second, created = store.file(new(), NOW)
    assert created and second.ticket_id != first.ticket_id


def test_concurrent_filings_create_exactly_one_ticket(seeded):
    store = TicketStore(seeded)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: store.file(new(), NOW), range(8)))
    ids = {ticket.ticket_id for ticket, _ in results}
    assert len(ids) == 1 and sum(created for _, created in results) == 1


def test_lookup_is_filtered_by_owner(seeded):
    store = TicketStore(seeded)
    mine, _ = store.file(new(), NOW)
    assert store.get("c1002", mine.ticket_id) is None
    assert store.get("c1001", mine.ticket_id.lower()).ticket_id == mine.ticket_id
    assert store.for_customer("c1002") == []


def test_no_reason_quota_counts_this_year_and_product(seeded):
    store = TicketStore(seeded)
    assert store.count_no_reason_refunds("c1001", 2026, ("cdn",)) == 1
    assert store.count_no_reason_refunds("c1001", 2026, ("ecs",)) == 0
    assert store.count_no_reason_refunds("c1001", 2026, None) == 1
    assert store.count_no_reason_refunds("c1001", 2025, None) == 0


def test_unknown_ticket_status_change_is_an_error(seeded):
    with pytest.raises(NotFound):
        TicketStore(seeded).set_status("RF209901010001", "approved", NOW, actor="x")
