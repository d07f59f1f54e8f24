"""The reviewers' queue: what each filter keeps and the orders it can be sorted in."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.queue import TicketFilter, arrange

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def ticket(ticket_id: str, status: str = "submitted", reason: str = "demand_change", amount: str = "100",
           due: date | None = date(2026, 11, 30), created: datetime = T0, **fields) -> Ticket:
    base = Ticket(ticket_id=ticket_id, customer_id="c1001", order_id="2026112400010001", product_code="ecs",
                  reason=reason, rule="standard", status=status, manual_review=False, quoted_amount=Decimal(amount),
                  quote={}, details={}, conversation_id=None, created_at=created, updated_at=created, stage_due=due)
    return replace(base, **fields)


NEVER_OVERDUE = lambda t: False  # noqa: E731


def test_an_empty_filter_keeps_everything_waiting_on_us_first_by_due_date():
    rows = [ticket("RF3", due=date(2026, 12, 3)), ticket("RF1", status="rejected", due=None),
            ticket("RF2", due=date(2026, 12, 1))]
    assert [t.ticket_id for t in arrange(rows, TicketFilter(), NEVER_OVERDUE)] == ["RF2", "RF3", "RF1"]


def test_filters_combine():
    rows = [ticket("RF202611250001", reason="service_issue", amount="3600"),
            ticket("RF202611250002", reason="service_issue", amount="50"),
            ticket("RF202611250003", amount="3600")]
    wanted = TicketFilter.from_args({"reason": "service_issue", "min": "1000"})
    assert [t.ticket_id for t in arrange(rows, wanted, NEVER_OVERDUE)] == ["RF202611250001"]


def test_search_matches_the_start_of_a_ticket_order_or_customer_id():
    rows = [ticket("RF202611250001"), ticket("RF202611260002", customer_id="c1002", order_id="2026112300020001")]
    for text, kept in (("rf2026112600", ["RF202611260002"]), ("c1002", ["RF202611260002"]),
                       ("20261123", ["RF202611260002"]), ("c10", ["RF202611250001", "RF202611260002"])):
        assert [t.ticket_id for t in arrange(rows, TicketFilter(text=text), NEVER_OVERDUE)] == kept, text


def test_overdue_escalated_and_appealed():
    escalated = ticket("RF2", events=(TicketEvent(T0, "system:escalation", "submitted", "submitted", "escalated", ""),))
    appealed = ticket("RF3", status="appealed", appeal_statement="材料齐全，请复核")
    rows = [ticket("RF1"), escalated, appealed]
    overdue = {"RF1"}
    keep = lambda **args: [t.ticket_id for t in arrange(rows, TicketFilter(**args), lambda t: t.ticket_id in overdue)]  # noqa: E731
    assert keep(overdue=True) == ["RF1"] and keep(escalated=True) == ["RF2"] and keep(appealed=True) == ["RF3"]


def test_sorting_by_amount_or_newest():
    rows = [ticket("RF1", amount="10", created=T0), ticket("RF2", amount="900", created=T0 + timedelta(hours=1))]
    assert [t.ticket_id for t in arrange(rows, TicketFilter(sort="amount"), NEVER_OVERDUE)] == ["RF2", "RF1"]
    assert [t.ticket_id for t in arrange(rows, TicketFilter(sort="created"), NEVER_OVERDUE)] == ["RF2", "RF1"]


def test_what_the_query_string_cannot_mean_is_left_out():
    wanted = TicketFilter.from_args({"status": "teleported", "reason": "bored", "min": "NaN", "max": "-5",
                                     "sort": "random", "q": " RF2026 "})
    assert wanted == TicketFilter(text="RF2026")
