"""`make seed-week`: a week of generated activity in the development database, made through the
real services at simulated moments (never hand-typed rows): customers with new orders talk to the
assistant (per conversation: messages, fallbacks to the NLU inbox, repeats and corrections read
by the real signal reader, questions answered, applications stopped or left mid-form), file refunds,
ask for a person (agents claim after a wait and close, customers rate), and reviewers take,
approve, reject and pay the tickets over the following days. Deterministic for a given seed.

    python -m bot.commands.seed_week [--days 7] [--seed 30] [--end 2026-11-25]"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional

from sqlalchemy.orm import sessionmaker

from bot.clock import customer_day_start, to_customer_time, utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.nlu.turn_signals import read_turn
from bot.settings import load_settings
from bot.storage.database import make_engine, session_factory
from bot.storage.schema import CustomerRow
from bot.storage.seed import DEMO_PASSWORD_HASH, DemoOrder, add_demo_order
from bot.tickets.lifecycle import IllegalTransition
from bot.vocabulary import ConversationOutcome, HandoffOutcome
from bot.wiring import build_services

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]
PRODUCTS = [("ecs", "云服务器 ECS（2核4G）", Decimal("1200")), ("ecs", "云服务器 ECS（4核8G）", Decimal("2400")),
            ("rds", "云数据库 RDS（2核4G）", Decimal("1800"))]
REASONS = ["demand_change", "demand_change", "wrong_purchase", "service_issue"]
# Templates of what customers said that the assistant did not understand (for the NLU inbox).
MISSED = ["{n}号那台机器怎么又连不上了", "我上周{n}点提的那个还没动静", "第{n}个订单能不能换成月付",
          "你们客服电话是多少，我打了{n}次"]
# What customers said that the assistant understood, and corrections of what it understood.
SAID = ["我要退款", "第{n}台服务器不想用了，怎么退", "退款多久到账", "这个订单能退多少钱", "我买错配置了", "好的", "是的"]
CORRECTIONS = ["不是这个订单，我说的是另一台", "不对，我要的是退款不是降配", "我的意思是全部退掉"]
AGENTS = ("a1", "a2")
REVIEWERS = ("r1", "a2")


class SimulatedClock:
    """The services' clock, moved forward by the generator."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Made:
    """What the generator did (printed, and checked by its tests)."""

    customers: int = 0
    conversations: int = 0
    tickets: List[str] = field(default_factory=list)
    handoffs: int = 0
    surveys: int = 0
    decisions: Dict[str, int] = field(default_factory=dict)

    def count(self, action: str) -> None:
        self.decisions[action] = self.decisions.get(action, 0) + 1


def seed_week(sessions: sessionmaker, end: date, days: int = 7, seed: int = 30, per_day: int = 12) -> Made:
    """Generate `days` days of activity ending on `end` (Beijing) into `sessions`."""
    rng = random.Random(seed)
    clock = SimulatedClock(customer_day_start(end - timedelta(days=days - 1)))
    services = build_services(load_settings(), sessions, clock=clock)
    support_dir = Path(tempfile.mkdtemp(prefix="seed-week-"))
    (support_dir / "support.yml").write_text(
        "hours: {days: [mon, tue, wed, thu, fri, sat, sun], open: '00:00', close: '23:59', holidays: []}\n"
        "override: open\nclaim_timeout_seconds: 3600\naverage_handling_minutes: 4\nlarge_refund_above: 20000\n",
        encoding="utf-8")
    handoffs = HandoffService(sessions, SupportSettings(support_dir / "support.yml"), clock)
    made = Made()
    waiting: List[str] = []  # tickets filed, in the order reviewers meet them
    for offset in range(days):
        day = end - timedelta(days=days - 1 - offset)
        moments = sorted(customer_day_start(day) + timedelta(hours=9, minutes=rng.randrange(0, 600))
                         for _ in range(per_day))
        for n, moment in enumerate(moments):
            clock.now = moment
            customer = _new_customer(sessions, rng, day, n, made)
            conversation = f"seed-{day:%m%d}-{n:02d}"
            made.conversations += 1
            files, leaving_mid_form = rng.random() < 0.55, rng.random() < 0.1
            _talk_to_the_assistant(services, rng, conversation, in_form=files or leaving_mid_form)
            if not files and not leaving_mid_form:
                ending = rng.random()
                if ending < 0.35:
                    services.activity.reached(conversation, ConversationOutcome.ANSWERED)
                elif ending < 0.45:
                    services.activity.reached(conversation, ConversationOutcome.WITHDRAWN)
            if files:
                order_id = _new_order(sessions, rng, customer, moment)
                filing = services.refunds.file(customer, order_id, rng.choice(REASONS), {},
                                               conversation_id=conversation)
                made.tickets.append(filing.ticket.ticket_id)
                waiting.append(filing.ticket.ticket_id)
            if rng.random() < 0.3:
                _talk_to_a_person(handoffs, rng, clock, conversation, customer, made)
        services.activity.flush()
        clock.now = customer_day_start(day) + timedelta(hours=19)
        waiting = _review(services.workflow, rng, waiting, made, last_day=offset == days - 1)
    return made


def _talk_to_the_assistant(services, rng: random.Random, conversation: str, in_form: bool) -> None:
    """The customer's messages to the assistant, read by the real signal reader: now and then
    one not understood (to the NLU inbox too), said again or a correction; the last ones
    answer the refund form when the conversation goes through it."""
    said: List[str] = []
    count = rng.randint(2, 7)
    for n in range(count):
        roll = rng.random()
        if roll < 0.12:
            text = rng.choice(MISSED).format(n=rng.randint(1, 9))
        elif roll < 0.2 and said:
            text = said[-1] + rng.choice(["", "？", "，能不能快点"])  # the same thing again
        elif roll < 0.26:
            text = rng.choice(CORRECTIONS)
        else:
            text = rng.choice(SAID).format(n=rng.randint(1, 9))
        missed = roll < 0.12
        services.activity.saw(conversation, missed, read_turn(text, said),
                              "refund_form" if in_form and n >= count // 2 else None)
        if missed:
            services.nlu_review.record(text, "nlu_fallback", 0.2, conversation)
        said.append(text)


def _new_customer(sessions: sessionmaker, rng: random.Random, day: date, n: int, made: Made) -> str:
    customer = f"s{day:%m%d}{n:02d}"
    with sessions.begin() as session:
        if session.get(CustomerRow, customer) is None:
            session.add(CustomerRow(customer_id=customer, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                                    is_demo=True, password_hash=DEMO_PASSWORD_HASH))
            made.customers += 1
    return customer


def _new_order(sessions: sessionmaker, rng: random.Random, customer: str, now: datetime) -> str:
    product, name, price = rng.choice(PRODUCTS)
    order_id = f"{to_customer_time(now):%Y%m%d}{rng.randrange(10**8):08d}"
    with sessions.begin() as session:
        add_demo_order(session, DemoOrder(f"seed-{order_id}", order_id, customer, f"ins-{order_id[-8:]}", product, name,
                                          rng.choice([1, 2, 3]), 12, price), now)
    return order_id


def _talk_to_a_person(handoffs: HandoffService, rng: random.Random, clock: SimulatedClock, conversation: str,
                      customer: str, made: Made) -> None:
    queued = handoffs.request(conversation, customer, rng.choice(["requested", "complaint", "fallback"]), None,
                              {"customer_said": ["转人工"]})
    if queued.handoff is None:
        return
    made.handoffs += 1
    started = clock.now
    if rng.random() < 0.85:
        agent = rng.choice(AGENTS)
        clock.now = started + timedelta(seconds=rng.randint(20, 900))
        handoffs.claim(queued.handoff.id, agent)
        clock.now += timedelta(minutes=rng.randint(2, 15))
        handoffs.finish(queued.handoff.id, agent, HandoffOutcome.CLOSED)
        if rng.random() < 0.7:
            handoffs.record_survey(conversation, customer, rng.choice([5, 5, 4, 4, 3, 2, 1]), None, queued.handoff.id)
            made.surveys += 1
    clock.now = started


def _review(workflow, rng: random.Random, waiting: List[str], made: Made, last_day: bool) -> List[str]:
    """The day's review work: most of the waiting tickets are decided, approved ones paid."""
    left = []
    for ticket_id in waiting:
        if last_day and rng.random() < 0.5:
            left.append(ticket_id)
            continue
        reviewer = rng.choice(REVIEWERS)
        try:
            workflow.take(ticket_id, reviewer)
            made.count("take")
            ticket = workflow.get(ticket_id)
            if ticket.manual_review or rng.random() < 0.15:
                workflow.reject(ticket_id, reviewer, "outside_policy")
                made.count("reject")
                continue
            workflow.approve(ticket_id, reviewer)
            made.count("approve")
            if rng.random() < 0.7:
                workflow.start_payout(ticket_id, reviewer)
                workflow.mark_paid(ticket_id, reviewer, f"PAY-{ticket_id}")
                made.count("paid")
        except IllegalTransition:
            made.count("refused")
    return left


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--end", type=date.fromisoformat, default=to_customer_time(utcnow()).date())
    args = parser.parse_args(argv)
    settings = load_settings()
    if not settings.is_development:
        print("seed-week 只用于开发环境（REFUND_ENV=development）。", file=sys.stderr)
        return 2
    made = seed_week(session_factory(make_engine(settings.database_url)), args.end, args.days, args.seed)
    print(f"{args.days} 天：{made.customers} 位客户，{made.conversations} 个会话，{len(made.tickets)} 个工单，"
          f"{made.handoffs} 次转人工，{made.surveys} 次评价，审核 {made.decisions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
