"""The operator dashboard's figures over a period of Beijing days: what the conversations that
started in it reached and the signs they went wrong (bot/backoffice/conversations.py), handoffs
and waits, messages and call-backs left, tickets by state and reason, amounts refunded, reviews
against their due dates, satisfaction, and what the assistant did not understand.

Every headline figure has one definition (labels.FIGURE_DEFINITIONS) and the tables break the
same figures down, so their totals agree (conversations by outcome and by day add up to the
conversations; handed conversations by reason, by day and by outcome to the handed ones).
Each figure is a `Table` (the page draws a chart from it and shows it; it also exports as CSV)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.backoffice import labels
from bot.backoffice.conversations import (
    SUCCEEDED,
    ConversationResult,
    conversation_result,
    conversation_results,
    count_by,
)
from bot.clock import customer_day_start, format_customer_time, to_customer_time, utcnow
from bot.storage.schema import EscalationRow, HandoffRow, NluReviewRow, SurveyRow, TicketRow
from bot.tickets.labels import KIND_LABELS, REASON_LABELS, STATUS_LABELS
from bot.vocabulary import ConversationOutcome, ConversationSign, HandoffKind, HandoffStatus, TicketKind, TicketStatus

MAX_DAYS = 92  # a quarter at most per view
TOP_FALLBACKS = 10
TROUBLED_LISTED = 50  # conversations that went wrong listed on the page (the CSV has them all)


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
    troubled: List[ConversationResult] = field(default_factory=list)  # the newest that went wrong, listed
    troubled_total: int = 0

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

    def conversation(self, conversation_id: str) -> Optional[ConversationResult]:
        """What one conversation reached and its signs (None when the assistant never counted it)."""
        with self._sessions() as session:
            return conversation_result(session, conversation_id, self.clock())

    def figures(self, since: date, until: date) -> Figures:
        if until < since or (until - since).days >= MAX_DAYS:
            raise ValueError(labels.dashboard_period_too_long(MAX_DAYS))
        start, end = period(since, until)
        with self._sessions() as session:
            results = conversation_results(session, start, end, self.clock())
            tickets = list(session.scalars(select(TicketRow).where(TicketRow.created_at >= start,
                                                                   TicketRow.created_at < end)))
            late = set(session.scalars(select(EscalationRow.ticket_id).where(EscalationRow.created_at >= start,
                                                                              EscalationRow.created_at < end)))
            scores = list(session.scalars(select(SurveyRow.score).where(SurveyRow.created_at >= start,
                                                                        SurveyRow.created_at < end)))
            contacts = list(session.scalars(select(HandoffRow).where(
                HandoffRow.created_at >= start, HandoffRow.created_at < end,
                HandoffRow.kind.in_((HandoffKind.MESSAGE, HandoffKind.CALLBACK)))))
            fallbacks = session.execute(select(NluReviewRow.text, NluReviewRow.seen).where(
                NluReviewRow.last_seen >= start, NluReviewRow.last_seen < end)
                .order_by(NluReviewRow.seen.desc(), NluReviewRow.last_seen.desc()).limit(TOP_FALLBACKS)).all()
        open_overdue = self._overdue_count()
        troubled = [r for r in results if r.went_wrong]
        tables = [_outcomes(results), _signs(results), _daily(results, since, until), _handoff_table(results),
                  _contacts(contacts), *_ticket_tables(tickets), _timeliness(tickets, late, open_overdue),
                  _csat(scores),
                  Table("fallbacks", "没听懂最多的话（已脱敏）", ("客户原话", "次数"),
                        [(text, str(seen)) for text, seen in fallbacks]),
                  _troubled_table(troubled)]
        return Figures(since, until, _summary(results, tickets, open_overdue, scores, contacts), tables,
                       troubled=troubled[::-1][:TROUBLED_LISTED], troubled_total=len(troubled))


def _outcomes(results: Sequence[ConversationResult]) -> Table:
    rows = [(labels.CONVERSATION_OUTCOME_LABELS[o], str(count_by(results, o)), percent(count_by(results, o), len(results)))
            for o in ConversationOutcome]
    return Table("outcomes", "会话结果（每个会话只算一个结果）", ("结果", "会话数", "占会话数"), rows)


def _signs(results: Sequence[ConversationResult]) -> Table:
    times = {ConversationSign.REPEAT: lambda r: r.repeats, ConversationSign.CORRECTION: lambda r: r.corrections,
             ConversationSign.FALLBACK: lambda r: r.fallbacks}
    rows = []
    for sign in ConversationSign:
        having = [r for r in results if sign in r.signs]
        count = times.get(sign)
        rows.append((labels.CONVERSATION_SIGN_LABELS[sign], str(len(having)), percent(len(having), len(results)),
                     str(sum(count(r) for r in having)) if count else str(len(having))))
    return Table("signs", "出问题的迹象（按会话；一个会话可有多种）", ("迹象", "会话数", "占会话数", "次数"), rows)


def _daily(results: Sequence[ConversationResult], since: date, until: date) -> Table:
    by_day: Dict[date, List[ConversationResult]] = {}
    for result in results:
        by_day.setdefault(to_customer_time(result.started_at).date(), []).append(result)
    rows = []
    for offset in range((until - since).days + 1):
        day = since + timedelta(days=offset)
        mine = by_day.get(day, [])
        sent, missed = sum(r.messages for r in mine), sum(r.fallbacks for r in mine)
        rows.append((day.isoformat(), str(len(mine)), str(sum(1 for r in mine if r.handed)),
                     percent(sum(1 for r in mine if r.outcome in SUCCEEDED), len(mine)),
                     str(sum(1 for r in mine if r.went_wrong)), str(sent), str(missed), percent(missed, sent)))
    return Table("daily", "每日会话（按开始的日期）", ("日期", "会话数", "转人工的会话", "自助办成率", "出问题的会话",
                                               "客户消息数", "没听懂的消息数", "没听懂比例"), rows)


def _handoff_table(results: Sequence[ConversationResult]) -> Table:
    handed = [r for r in results if r.handoff is not None]
    rows = []
    for reason in sorted({r.handoff.reason for r in handed if r.handoff}):
        mine = [r.handoff for r in handed if r.handoff and r.handoff.reason == reason]
        claimed = [h for h in mine if h.claimed_at is not None]
        waits = [(h.claimed_at - h.created_at).total_seconds() / 60 for h in claimed if h.claimed_at]
        rows.append((labels.HANDOFF_REASON_LABELS.get(reason, reason), str(len(mine)), str(len(claimed)),
                     str(sum(1 for h in mine if h.status == HandoffStatus.TIMED_OUT)),
                     f"{statistics.median(waits):.1f}" if waits else "—"))
    return Table("handoffs", "转人工的会话（按第一次转人工的原因）", ("原因", "会话数", "已接入", "无人接入",
                                                         "等待中位数（分钟）"), rows)


def _contacts(contacts: Sequence[HandoffRow]) -> Table:
    rows = []
    for kind in (HandoffKind.MESSAGE, HandoffKind.CALLBACK):
        mine = [h for h in contacts if h.kind == kind]
        done = sum(1 for h in mine if h.status == HandoffStatus.RESOLVED)
        rows.append((labels.HANDOFF_KIND_LABELS[kind], str(len(mine)), str(done), str(len(mine) - done)))
    return Table("contacts", "留言与回电", ("类型", "收到", "已处理", "未处理"), rows)


def _troubled_table(troubled: Sequence[ConversationResult]) -> Table:
    """Every conversation that went wrong (the page lists the newest with links; the CSV has all)."""
    return Table("troubled", "出问题的会话", ("开始时间", "会话", "结果", "迹象", "客户消息数"),
                 [(format_customer_time(r.started_at), r.conversation_id, labels.CONVERSATION_OUTCOME_LABELS[r.outcome],
                   "、".join(labels.CONVERSATION_SIGN_LABELS[s] for s in r.signs), str(r.messages))
                  for r in reversed(troubled)], chart=(0, 0))


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
        by_reason.append((REASON_LABELS.get(reason, reason), str(len(mine)), f"{_paid(mine):,.2f}"))
    by_kind = []
    for kind in TicketKind:
        mine = [t for t in tickets if t.kind == kind]
        by_kind.append((KIND_LABELS[kind], str(len(mine)), f"{_paid(mine, kind == TicketKind.SLA_CLAIM):,.2f}"))
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


def _summary(results: Sequence[ConversationResult], tickets: Sequence[TicketRow], open_overdue: int,
             scores: Sequence[int], contacts: Sequence[HandoffRow]) -> List[Tuple[str, str]]:
    """The headline figures, each named as in labels.FIGURE_DEFINITIONS (its one definition)."""
    talked = len(results)
    sent, missed = sum(r.messages for r in results), sum(r.fallbacks for r in results)
    refunded, vouchers = _paid(tickets), _paid(tickets, vouchers=True)
    waits = [(r.handoff.claimed_at - r.handoff.created_at).total_seconds() / 60 for r in results
             if r.handoff is not None and r.handoff.claimed_at is not None]
    return [("会话数", str(talked)),
            ("自助办成率", percent(sum(1 for r in results if r.outcome in SUCCEEDED), talked)),
            ("转人工的会话", str(sum(1 for r in results if r.handed))),
            ("出问题的会话", str(sum(1 for r in results if r.went_wrong))),
            ("等待中位数", f"{statistics.median(waits):.1f} 分钟" if waits else "—"),
            ("新工单", str(len(tickets))), ("已退款金额", f"{refunded:,.2f} 元"),
            ("已发放补偿代金券", f"{vouchers:,.2f} 元"), ("目前逾期", str(open_overdue)),
            ("满意度均分", f"{statistics.mean(scores):.2f}" if scores else "—"), ("没听懂比例", percent(missed, sent)),
            ("留言与回电", str(len(contacts)))]
