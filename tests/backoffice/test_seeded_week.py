"""A generated week of activity (`make seed-week`, bot/commands/seed_week.py) drives the operator
dashboard, and each of its figures is checked against the database itself (both databases)."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.backoffice.conversations import HANDED
from bot.backoffice.dashboard import Dashboard, period
from bot.backoffice.labels import CONVERSATION_OUTCOME_LABELS as OUTCOMES
from bot.backoffice.labels import CONVERSATION_SIGN_LABELS as SIGNS
from bot.backoffice.labels import FIGURE_DEFINITIONS
from bot.clock import customer_day_start
from bot.commands.seed_week import seed_week
from bot.storage.schema import ConversationRow, HandoffRow, SurveyRow, TicketRow
from bot.storage.seed import seed_demo
from bot.tickets.labels import STATUS_LABELS
from bot.tickets.queue import TicketFilter
from bot.tickets.store import TicketStore
from bot.vocabulary import ConversationOutcome as O
from bot.vocabulary import ConversationSign
from tests.conftest import NOW, database

END = date(2026, 11, 25)
SINCE = END - timedelta(days=6)


@pytest.fixture
def week(seeded):
    made = seed_week(seeded, END, days=7, seed=30)
    clock = lambda: customer_day_start(END) + timedelta(hours=20)  # noqa: E731
    dashboard = Dashboard(seeded, lambda: TicketStore(seeded).count_overdue(END), clock)
    return seeded, made, dashboard.figures(SINCE, END)


def test_the_week_is_generated_through_the_services(week):
    sessions, made, _ = week
    assert made.customers >= 70 and made.conversations == 84 and len(made.tickets) > 30
    assert made.handoffs > 10 and made.surveys > 5 and made.decisions["approve"] > 10 and made.decisions["paid"] > 5
    with sessions() as db:
        trails = db.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.ticket_id.in_(made.tickets)))
    assert trails == len(made.tickets)


def test_dashboard_figures_agree_with_the_database(week):
    sessions, made, figures = week
    start, end = period(SINCE, END)
    summary = dict(figures.summary)
    with sessions() as db:
        tickets = list(db.scalars(select(TicketRow).where(TicketRow.created_at >= start, TicketRow.created_at < end)))
        conversations = list(db.scalars(select(ConversationRow).where(ConversationRow.started_at >= start,
                                                                      ConversationRow.started_at < end)))
        ids = {c.conversation_id for c in conversations}
        handed = set(db.scalars(select(HandoffRow.conversation_id).where(HandoffRow.kind == "live",
                                                                          HandoffRow.conversation_id.in_(ids))))
        filed = set(db.scalars(select(TicketRow.conversation_id).where(TicketRow.conversation_id.in_(ids))))
        scores = Counter(db.scalars(select(SurveyRow.score).where(SurveyRow.created_at >= start,
                                                                  SurveyRow.created_at < end)))
    assert int(summary["新工单"]) == len(tickets) == sum(int(r[1]) for r in figures.table("ticket_states").rows)
    assert dict(figures.table("ticket_states").rows) == {STATUS_LABELS[s]: str(n) for s, n in
                                                         Counter(t.status for t in tickets).items()}
    refunded = sum((t.final_amount for t in tickets if t.status == "refunded" and t.kind != "sla_claim"), Decimal(0))
    assert summary["已退款金额"] == f"{refunded:,.2f} 元" and refunded > 1000
    assert sum(Decimal(r[2].replace(",", "")) for r in figures.table("ticket_reasons").rows) == refunded
    assert int(summary["会话数"]) == len(conversations) == 84
    daily = figures.table("daily").rows
    assert sum(int(r[5]) for r in daily) == sum(c.messages for c in conversations)
    assert sum(int(r[6]) for r in daily) == sum(c.fallbacks for c in conversations) > 0
    assert int(summary["转人工的会话"]) == len(handed) > 10
    assert dict(figures.table("csat").rows) == {f"{n} 分": str(scores.get(n, 0)) for n in range(5, 0, -1)}
    assert int(summary["目前逾期"]) == TicketStore(sessions).review_queue(TicketFilter(overdue=True), "r1", END).total
    outcomes = {row[0]: int(row[1]) for row in figures.table("outcomes").rows}
    assert outcomes[OUTCOMES[O.FILED]] == len(filed - handed) > 20
    succeeded = sum(1 for c in conversations if c.conversation_id not in handed
                    and (c.conversation_id in filed or c.answered or c.withdrawn))
    assert summary["自助办成率"] == f"{succeeded * 100 / len(conversations):.1f}%"
    wrong = [c for c in conversations if c.fallbacks or c.repeats or c.corrections]
    assert int(summary["出问题的会话"]) >= len(wrong) > 10


def test_the_totals_agree_across_charts(week):
    """Every breakdown of a figure adds up to the figure shown in the headline."""
    _, _, figures = week
    summary = dict(figures.summary)
    talked, handed, wrong = int(summary["会话数"]), int(summary["转人工的会话"]), int(summary["出问题的会话"])
    outcomes = {row[0]: int(row[1]) for row in figures.table("outcomes").rows}
    daily = figures.table("daily").rows
    assert sum(outcomes.values()) == sum(int(r[1]) for r in daily) == talked
    assert sum(outcomes[OUTCOMES[o]] for o in HANDED) == sum(int(r[1]) for r in figures.table("handoffs").rows) \
        == sum(int(r[2]) for r in daily) == handed
    assert sum(int(r[4]) for r in daily) == figures.troubled_total == len(figures.table("troubled").rows) == wrong
    signs = {row[0]: int(row[1]) for row in figures.table("signs").rows}
    assert max(signs.values()) <= wrong <= sum(signs.values())
    assert signs[SIGNS[ConversationSign.FAILED_HANDOFF]] == outcomes[OUTCOMES[O.HANDED_AFTER_FAILURE]]
    assert signs[SIGNS[ConversationSign.LEFT_MID_FORM]] == outcomes[OUTCOMES[O.ABANDONED_IN_FORM]] > 0
    assert all(figures.summary and name in FIGURE_DEFINITIONS for name, _ in figures.summary)
    assert len(figures.troubled) == min(wrong, 50)


def test_the_generator_is_deterministic(seeded, tmp_path):
    first = seed_week(seeded, END, days=2, seed=7, per_day=4)
    assert first.conversations == 8
    (tmp_path / "other").mkdir()
    with database("sqlite", tmp_path / "other") as other:
        seed_demo(other, now=NOW)
        again = seed_week(other, END, days=2, seed=7, per_day=4)
    assert again == first
