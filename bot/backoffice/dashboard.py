"""The operator dashboard's figures over a period of Beijing days: conversations and how many the
assistant finished alone, handoffs and waits, tickets by state and reason, amounts refunded,
reviews against their due dates, satisfaction, and what the assistant did not understand.
Each figure is a `Table` (the page draws a chart from it and shows it; it also exports as CSV)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Dict, List, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.backoffice import labels
from bot.clock import customer_day_start, to_customer_time, utcnow
from bot.storage.schema import ConversationDayRow, EscalationRow, HandoffRow, MessageDayRow, NluReviewRow, SurveyRow, TicketRow
from bot.tickets.labels import KIND_LABELS, REASON_LABELS, STATUS_LABELS
from bot.vocabulary import HandoffKind, HandoffStatus, TicketKind, TicketStatus

MAX_DAYS = 92  # a quarter at most per view
TOP_FALLBACKS = 10


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: Tuple[str, ...]
    rows: Sequence[Tuple[str, ...]]
    chart: Tuple[int, int] = (0, 1)  # (label column, value column) the chart draws; (0, 0): no chart


@dataclass(frozen=True)
class Figures:
    since: date
    until: date  # inclusive
    summary: List[Tuple[str, str]] = field(default_factory=list)
    tables: List[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def period(since: date, until: date) -> Tuple[datetime, datetime]:
    """The UTC moments a period of Beijing days covers (end exclusive)."""
    return customer_day_start(since), customer_day_start(until + timedelta(days=1))


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


class Dashboard:
    def __init__(self, sessions: sessionmaker, overdue_count: Callable[[], int],
                 clock: Callable[[], datetime] = utcnow) -> None:
        """`overdue_count`: how many open tickets are past their stage's due date now (the
        ticket workflow knows; the dashboard does not decide it again)."""
        self._sessions, self._overdue_count, self.clock = sessions, overdue_count, clock

    def default_period(self) -> Tuple[date, date]:
        """The last seven days, today included."""
        today = to_customer_time(self.clock()).date()
        return today - timedelta(days=6), today

    def figures(self, since: date, until: date) -> Figures:
        if until < since or (until - since).days >= MAX_DAYS:
            raise ValueError(labels.dashboard_period_too_long(MAX_DAYS))
        start, end = period(since, until)
        with self._sessions() as session:
            daily = self._daily(session, since, until, start, end)
            handoffs = list(session.scalars(select(HandoffRow).where(HandoffRow.created_at >= start,
                                                                     HandoffRow.created_at < end)))
            tickets = list(session.scalars(select(TicketRow).where(TicketRow.created_at >= start,
                                                                   TicketRow.created_at < end)))
            late = set(session.scalars(select(EscalationRow.ticket_id).where(EscalationRow.created_at >= start,
                                                                              EscalationRow.created_at < end)))
            scores = list(session.scalars(select(SurveyRow.score).where(SurveyRow.created_at >= start,
                                                                        SurveyRow.created_at < end)))
            fallbacks = session.execute(select(NluReviewRow.text, NluReviewRow.seen).where(
                NluReviewRow.last_seen >= start, NluReviewRow.last_seen < end)
                .order_by(NluReviewRow.seen.desc(), NluReviewRow.last_seen.desc()).limit(TOP_FALLBACKS)).all()
        open_overdue = self._overdue_count()
        tables = [daily, _handoff_table(handoffs), *_ticket_tables(tickets), _timeliness(tickets, late, open_overdue),
                  _csat(scores),
                  Table("fallbacks", "没听懂最多的话（已脱敏）", ("客户原话", "次数"),
                        [(text, str(seen)) for text, seen in fallbacks])]
        return Figures(since, until, _summary(daily, handoffs, tickets, open_overdue, scores), tables)

    @staticmethod
    def _daily(session: Session, since: date, until: date, start: datetime, end: datetime) -> Table:
        conversations: Dict[date, set] = {}
        for day, conversation in session.execute(select(ConversationDayRow.day, ConversationDayRow.conversation_id)
                                                 .where(ConversationDayRow.day >= since, ConversationDayRow.day <= until)):
            conversations.setdefault(day, set()).add(conversation)
        handed: Dict[date, set] = {}
        for created, conversation in session.execute(select(HandoffRow.created_at, HandoffRow.conversation_id)
                                                     .where(HandoffRow.created_at >= start, HandoffRow.created_at < end,
                                                            HandoffRow.kind == HandoffKind.LIVE)):
            handed.setdefault(to_customer_time(created).date(), set()).add(conversation)
        messages = {day: (m, f) for day, m, f in session.execute(select(
            MessageDayRow.day, MessageDayRow.messages, MessageDayRow.fallbacks)
            .where(MessageDayRow.day >= since, MessageDayRow.day <= until))}
        rows = []
        for offset in range((until - since).days + 1):
            day = since + timedelta(days=offset)
            talked, human = conversations.get(day, set()), handed.get(day, set())
            sent, missed = messages.get(day, (0, 0))
            alone = len(talked - human)
            rows.append((day.isoformat(), str(len(talked)), str(len(talked & human)), percent(alone, len(talked)),
                         str(sent), str(missed), percent(missed, sent)))
        return Table("daily", "每日会话", ("日期", "会话数", "转人工会话数", "自助完成率", "客户消息数", "没听懂的消息数",
                                           "没听懂比例"), rows)


def _handoff_table(handoffs: Sequence[HandoffRow]) -> Table:
    rows = []
    for reason in sorted({h.reason for h in handoffs}):
        mine = [h for h in handoffs if h.reason == reason]
        claimed = [h for h in mine if h.claimed_at is not None]
        waits = [(h.claimed_at - h.created_at).total_seconds() / 60 for h in claimed]
        rows.append((labels.HANDOFF_REASON_LABELS.get(reason, reason), str(len(mine)), str(len(claimed)),
                     str(sum(1 for h in mine if h.status == HandoffStatus.TIMED_OUT)),
                     f"{statistics.median(waits):.1f}" if waits else "—"))
    return Table("handoffs", "转人工（按原因）", ("原因", "次数", "已接入", "无人接入", "等待中位数（分钟）"), rows)


def _paid(tickets: Sequence[TicketRow], vouchers: bool = False) -> Decimal:
    """Money refunded (or, with `vouchers`, SLA vouchers issued) by the tickets that paid out."""
    return sum((t.final_amount or t.quoted_amount for t in tickets if t.status == TicketStatus.REFUNDED
                and (t.kind == TicketKind.SLA_CLAIM) == vouchers), Decimal(0))


def _ticket_tables(tickets: Sequence[TicketRow]) -> List[Table]:
    by_status = [(STATUS_LABELS.get(s, s), str(sum(1 for t in tickets if t.status == s)))
                 for s in sorted({t.status for t in tickets})]
    by_reason = []
    for reason in sorted({t.reason for t in tickets}):
        mine = [t for t in tickets if t.reason == reason]
        by_reason.append((REASON_LABELS.get(reason, reason), str(len(mine)), f"{_paid(mine):.2f}"))
    by_kind = []
    for kind in TicketKind:
        mine = [t for t in tickets if t.kind == kind]
        by_kind.append((KIND_LABELS[kind], str(len(mine)), f"{_paid(mine, kind == TicketKind.SLA_CLAIM):.2f}"))
    return [Table("ticket_states", "新工单（按当前状态）", ("状态", "工单数"), by_status),
            Table("ticket_reasons", "新工单与已退款金额（按原因）", ("原因", "工单数", "已退款金额（元）"), by_reason,
                  chart=(0, 2)),
            Table("ticket_kinds", "新工单（按类型：退订、降配、SLA 补偿）", ("类型", "工单数", "已退款或已发放代金券（元）"),
                  by_kind)]


def _timeliness(tickets: Sequence[TicketRow], late: set, open_overdue: int) -> Table:
    decided = [t for t in tickets if t.status not in (TicketStatus.SUBMITTED, TicketStatus.UNDER_REVIEW)]
    on_time = sum(1 for t in decided if t.ticket_id not in late)
    return Table("timeliness", "审核时效", ("项目", "数量"),
                 [("按时完成审核的新工单", str(on_time)), ("曾逾期（已催办）的工单", str(len(late))),
                  ("目前逾期未处理的工单", str(open_overdue))])


def _csat(scores: Sequence[int]) -> Table:
    return Table("csat", "满意度评价", ("评分", "次数"), [(f"{n} 分", str(scores.count(n))) for n in range(5, 0, -1)])


def _summary(daily: Table, handoffs: Sequence[HandoffRow], tickets: Sequence[TicketRow], open_overdue: int,
             scores: Sequence[int]) -> List[Tuple[str, str]]:
    talked = sum(int(r[1]) for r in daily.rows)
    human = sum(int(r[2]) for r in daily.rows)
    sent, missed = sum(int(r[4]) for r in daily.rows), sum(int(r[5]) for r in daily.rows)
    refunded, vouchers = _paid(tickets), _paid(tickets, vouchers=True)
    waits = [(h.claimed_at - h.created_at).total_seconds() / 60 for h in handoffs if h.claimed_at is not None]
    return [("会话数", str(talked)), ("自助完成率", percent(talked - human, talked)),
            ("转人工", str(sum(1 for h in handoffs if h.kind == HandoffKind.LIVE))),
            ("等待中位数", f"{statistics.median(waits):.1f} 分钟" if waits else "—"),
            ("新工单", str(len(tickets))), ("已退款金额", f"{refunded:.2f} 元"),
            ("已发放补偿代金券", f"{vouchers:.2f} 元"), ("目前逾期", str(open_overdue)),
            ("满意度均分", f"{statistics.mean(scores):.2f}" if scores else "—"), ("没听懂比例", percent(missed, sent))]
