"""Faults with nothing lost: the action server going down in the middle of a refund form."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order
from harness.servers import chat_token
from tests.widget_client import WidgetClient, run

ORDER = demo_order("in_window").order_id


def test_action_server_down_mid_form_then_back(fresh_stack):
    async def scenario():
        client = WidgetClient(fresh_stack.rasa_url, chat_token(fresh_stack.sessions, "c1001"))
        await client.start()
        try:
            await client.say(f"我要退款，订单{ORDER}", wait_for="退款的原因")
            await asyncio.to_thread(fresh_stack.kill, "actions")
            apology = await client.say("需求变化", wait_for="系统暂时出了点问题")
            await asyncio.to_thread(fresh_stack.restart, "actions")
            slots = (await asyncio.to_thread(fresh_stack.tracker, client.session_id))["slots"]
            resumed = await client.say("需求变化", wait_for="确认提交")
            return apology, slots, resumed
        finally:
            if not fresh_stack.processes.running("actions"):
                await asyncio.to_thread(fresh_stack.restart, "actions")
            await client.stop()

    apology, slots, resumed = run(scenario())
    assert "之前填写的内容都还保留着" in apology
    assert slots["order_id"] == ORDER  # the form state survived the outage
    assert "五天无理由全额退订" in resumed
    with fresh_stack.sessions() as db:
        assert db.scalars(select(TicketRow).where(TicketRow.order_id == ORDER)).first() is None
