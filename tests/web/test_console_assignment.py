"""Auto-assignment's round and transfers over real HTTP and a real Rasa: the customer is told
who serves them; who may transfer or take over, refused in Chinese otherwise."""
from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from sqlalchemy import update

from bot.handoff.hours import SupportSettings
from bot.handoff.service import AssignRules, HandoffService
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.storage.schema import HandoffRow
from bot.vocabulary import HandoffKind, HandoffStatus
from bot.web.app import sweep_handoffs
from bot.web.console_api import assign_waiting
from bot.web.rasa_client import RasaClient
from tests.security.test_authorization_matrix import Visitor
from tests.widget_client import run


def bot_said(fresh_stack, conversation_id: str) -> str:
    rasa = RasaClient(fresh_stack.rasa_url, fresh_stack.env["REFUND_RASA_TOKEN"])
    events = run(rasa.tracker(conversation_id)).get("events", [])
    return "\n".join(e.get("text") or "" for e in events if e.get("event") == "bot")


def refusal(text: str) -> str:
    return json.loads(text)["error"]


def test_the_round_assigns_a_waiting_customer_and_tells_them(fresh_stack):
    LoginSessions(fresh_stack.sessions).start(LoginKind.STAFF, "a1", timedelta(hours=1))
    handoffs = HandoffService(fresh_stack.sessions, SupportSettings(fresh_stack.support_file),
                              rules=AssignRules(auto=True, capacity=5))
    services = dataclasses.replace(fresh_stack.services, handoffs=handoffs)
    queued = handoffs.request("assign-conv", "c1001", "requested", None, {"customer_said": ["转人工"]}).handoff
    assert queued is not None
    run(assign_waiting(services, RasaClient(fresh_stack.rasa_url, fresh_stack.env["REFUND_RASA_TOKEN"])))
    assigned = handoffs.get(queued.id)
    assert assigned.status == HandoffStatus.ACTIVE and assigned.agent_id in handoffs.online_agent_ids()
    name = {"a1": "小王", "a2": "小李"}[assigned.agent_id]
    assert f"您好，已为您接通人工客服 {name}，客服正在查看您的情况，请稍候。" in bot_said(fresh_stack, "assign-conv")


def test_the_sweep_keeps_an_unclaimed_complaint_and_says_so(fresh_stack):
    handoffs = fresh_stack.services.handoffs
    complaint = handoffs.request("complaint-conv", "c1001", "complaint", None,
                                 {"customer_said": ["你们太差劲了，我要投诉"]}).handoff
    assert complaint is not None
    with fresh_stack.sessions.begin() as db:  # older than the claim timeout (10 minutes)
        db.execute(update(HandoffRow).where(HandoffRow.id == complaint.id)
                   .values(created_at=handoffs.clock() - timedelta(minutes=11)))
    run(sweep_handoffs(fresh_stack.services, RasaClient(fresh_stack.rasa_url, fresh_stack.env["REFUND_RASA_TOKEN"])))
    kept = handoffs.get(complaint.id)
    assert kept.status == HandoffStatus.MESSAGE and kept.kind == HandoffKind.MESSAGE
    assert kept.message == "你们太差劲了，我要投诉"
    assert "您的投诉已转为留言并优先处理" in bot_said(fresh_stack, "complaint-conv")


def test_transfer_and_take_over_over_http(fresh_stack):
    site, logins = fresh_stack.site_url, LoginSessions(fresh_stack.sessions)
    handoffs = HandoffService(fresh_stack.sessions, SupportSettings(fresh_stack.support_file))
    agent, reviewer = Visitor(site, "agent"), Visitor(site, "reviewer")  # a1, r1
    colleague = logins.start(LoginKind.STAFF, "a2", timedelta(hours=1))
    handoff = handoffs.request("transfer-conv", "c1001", "requested", None, {"customer_said": ["转人工"]}).handoff
    assert handoff is not None and handoffs.claim(handoff.id, "a1")
    path = f"/console/api/handoffs/{handoff.id}"

    status, text, _ = reviewer.request("POST", f"{path}/transfer", body={"agent_id": "a2"})
    assert status == 409 and "只能转接自己正在接待的会话" in refusal(text)
    status, text, _ = reviewer.request("POST", f"{path}/takeover")
    assert status == 403
    status, text, _ = agent.request("POST", f"{path}/transfer", body={"agent_id": "r1"})
    assert status == 409 and refusal(text) == "请选择一位在职的人工客服。"
    status, _, _ = agent.request("POST", f"{path}/transfer", body={"agent_id": "a2", "note": "客户要电话联系"})
    assert status == 200 and handoffs.get(handoff.id).agent_id == "a2"
    assert "您的会话已转接给人工客服 小李，对方会接着为您处理，请稍候。" in bot_said(fresh_stack, "transfer-conv")
    assert handoffs.get(handoff.id).notes[-1]["text"] == "已转接给 客服 小李：客户要电话联系"

    status, text, _ = agent.request("POST", f"{path}/takeover")
    assert status == 409 and "仍在线" in refusal(text)  # a2 is still logged in
    logins.end(colleague)
    status, _, _ = agent.request("POST", f"{path}/takeover")
    assert status == 200 and handoffs.get(handoff.id).agent_id == "a1"
