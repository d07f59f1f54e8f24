"""Staff read each other by name, never by a raw id: a ticket's timeline (「审核员 小陈（r1）」, a
reassignment 「由 客服 小李（a2） 改派给 审核员 小陈（r1）」), the approver, the agent holding a
conversation, the authors of internal notes and the finished conversations' agents."""
from __future__ import annotations

import re

from bot.backoffice.labels import staff_name
from bot.handoff.service import HandoffService
from bot.settings import load_settings
from bot.storage.seed import demo_order
from bot.web.console_views import finished_row, handoff_json, queue_item
from bot.web.review_pages import ticket_details
from bot.wiring import build_services
from tests.backoffice.test_dashboard import OpenSupport
from tests.conftest import NOW

RAW_ID = re.compile(r"(?<![（\w])[armo][0-9](?![）\w])")  # an id standing alone, not in 「名字（a2）」


def test_staff_name():
    people = {"a2": "王芳", "r1": "审核员 小陈"}
    assert staff_name(people, "a2") == "王芳（a2）" and staff_name(people, "x9") == "x9" and staff_name(people, None) == "—"


def test_a_ticket_timeline_names_people(seeded):
    services = build_services(load_settings(), seeded, clock=lambda: NOW)
    filed = services.refunds.file("c1001", demo_order("in_window").order_id, "demand_change", {}).ticket
    services.workflow.take(filed.ticket_id, "a2")
    services.workflow.reassign(filed.ticket_id, "r1", "a2", "小李今天休假")
    services.workflow.approve(filed.ticket_id, "r1")
    people = services.staff.names()
    view = ticket_details(services.workflow.get(filed.ticket_id), people)
    lines = [f"{e['actor']} {e['note']}" for e in view["events"]]
    assert any("由 客服 小李（a2） 改派给 审核员 小陈（r1）：小李今天休假" in line for line in lines)
    assert any(line.startswith("审核员 小陈（r1）") for line in lines)
    assert view["approved_by"] == "审核员 小陈（r1）"
    assert not any(RAW_ID.search(line) for line in lines), lines


def test_handoff_views_name_the_agent_and_note_authors(seeded):
    services = build_services(load_settings(), seeded, clock=lambda: NOW)
    handoffs: HandoffService = services.handoffs
    with_hours = HandoffService(seeded, OpenSupport(), lambda: NOW)
    queued = with_hours.request("names-1", "c1001", "requested", None, {}).handoff
    handoffs.claim(queued.id, "a1")
    handoffs.add_note(queued.id, "a1", "客户很着急")
    people = services.staff.names()
    shown = handoff_json(handoffs.get(queued.id), people)
    assert shown["agent_name"] == "客服 小王（a1）" and shown["notes"][0]["agent_name"] == "客服 小王（a1）"
    assert queue_item(handoffs.get(queued.id), "张伟", NOW, people)["agent_name"] == "客服 小王（a1）"
    assert finished_row(handoffs.get(queued.id), "张伟", people)["agent_id"] == "客服 小王（a1）"
