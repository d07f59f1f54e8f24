"""Scripted customer conversations (tests/e2e/scenarios.yml) played against a running stack:
shared by the scenario tests and `make bench` (the share that succeed)."""
from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from sqlalchemy import select

from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order

SCENARIOS_FILE = Path(__file__).parent.parent / "tests" / "e2e" / "scenarios.yml"
REVIEWER_TOKEN = "dev-token-r1"  # demo reviewer, development data only


@dataclass
class Outcome:
    name: str
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_scenarios(path: Path = SCENARIOS_FILE) -> List[Dict[str, Any]]:
    scenarios = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = [s["name"] for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: scenario names must be unique")
    return scenarios


def reply_text(messages: List[Dict[str, Any]]) -> str:
    """What the customer sees: every text and every button title."""
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        parts.extend(str(b.get("title")) for b in message.get("buttons") or [])
    return "\n".join(parts)


def _review(stack, ticket_id: str, action: str, body: Optional[dict] = None) -> None:
    request = urllib.request.Request(
        f"{stack.site_url}/api/backoffice/tickets/{ticket_id}/{action}", data=json.dumps(body or {}).encode(),
        method="POST", headers={"Authorization": f"Bearer {REVIEWER_TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


def _file(stack, sender: str, key: str) -> str:
    order = demo_order(key)
    stack.say(sender, f"我要退款，订单{order.order_id}")
    stack.say(sender, "需求变化")
    stack.say(sender, "确认")
    with stack.sessions() as db:
        return db.scalars(select(TicketRow.ticket_id).where(TicketRow.order_id == order.order_id)).one()


def _status(stack, ticket_id: str) -> str:
    with stack.sessions() as db:
        return db.get(TicketRow, ticket_id).status


def play(stack, scenario: Dict[str, Any], sender: str) -> Outcome:
    """Set the scenario up, play its turns and report every expectation that failed."""
    outcome = Outcome(scenario["name"])
    tickets = [_file(stack, f"{sender}-setup", key) for key in scenario.get("filed", [])]
    if scenario.get("rejected"):
        _review(stack, tickets[0], "take")
        _review(stack, tickets[0], "reject", {"reason_code": "insufficient_evidence", "note": "未见故障记录"})
    for step in scenario.get("review", []):
        _review(stack, tickets[0], step["action"], step.get("body"))
    for number, turn in enumerate(scenario["turns"], start=1):
        text = reply_text(stack.say(sender, str(turn["say"])))
        missing = [e for e in turn.get("expect", []) if str(e) not in text]
        present = [a for a in turn.get("absent", []) if str(a) in text]
        if missing or present:
            outcome.problems.append(f"turn {number} 「{turn['say']}」: missing {missing}, unwanted {present}; "
                                    f"reply: {text[:300]!r}")
    if "then_status" in scenario and tickets:
        status = _status(stack, tickets[0])
        if status != scenario["then_status"]:
            outcome.problems.append(f"ticket {tickets[0]} is {status}, expected {scenario['then_status']}")
    return outcome


def play_all(stack) -> List[Outcome]:
    """Every scenario on freshly seeded demo data (what `make bench` reports)."""
    import uuid

    from bot.storage.seed import seed_demo
    from harness.servers import write_support

    outcomes = []
    for scenario in load_scenarios():
        seed_demo(stack.sessions, reset=True)
        write_support(stack.support_file, override=scenario.get("support", "open"))
        outcomes.append(play(stack, scenario, f"bench-{uuid.uuid4().hex[:10]}"))
    return outcomes
