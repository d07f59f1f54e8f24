"""Customers who keep their server, through the running servers and the real chat channel:
a server bought too big gets a downgrade quote, one that was down gets an SLA claim. Customer
c1004 (刘洋) has a big ECS (8核16G, no outages) and a small one that was down 9 hours."""
from __future__ import annotations

import json
from typing import Dict, List

from sqlalchemy import select

from bot.storage.schema import EvidenceRow, OrderRow, TicketRow
from bot.storage.seed import demo_order
from harness.servers import chat_token
from tests.widget_client import WidgetClient, run

BIG = demo_order("downgrade")
DOWN = demo_order("sla_claim")


def payloads(client: WidgetClient, since: int) -> List[str]:
    return [r["payload"] for m in client.messages[since:] for r in m.get("quick_replies", [])]


def shown(said: str) -> str:
    """The text as read: the socket channel turns line breaks into Markdown hard breaks."""
    return said.replace("  \n", "\n")


def tickets(bot, order_id: str) -> List[TicketRow]:
    with bot.sessions() as db:
        return list(db.scalars(select(TicketRow).where(TicketRow.order_id == order_id)))


async def chat(bot, customer: str = "c1004") -> WidgetClient:
    client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, customer) if customer else None)
    await client.start()
    return client


def test_a_server_too_big_gets_a_downgrade_quote_and_a_ticket_that_keeps_it(bot):
    async def scenario() -> Dict[str, str]:
        client = await chat(bot)
        seen = len(client.messages)
        said = {"which": await client.say("服务器配置买大了，8核16G那台根本用不完，能降配吗", "想降到哪一档")}
        said["buttons"] = json.dumps(payloads(client, seen), ensure_ascii=False)
        said["quote"] = await client.say("2核4G就够了", "确认提交降配申请吗")
        said["filed"] = await client.say("确认", "已提交降配申请")
        await client.stop()
        return said

    said = run(scenario())
    assert BIG.order_id in said["which"] and "4核8G" in said["which"] and "1核2G" in said["which"]
    assert "ecs.2c4g" in said["buttons"] and "ecs.8c16g" not in said["buttons"]
    quote = shown(said["quote"])
    assert "降配退款" in quote and "新配置「2核4G」" in quote and "退回您的账户余额" in quote
    assert "实例保留" in quote and "手续费" not in quote
    [ticket] = tickets(bot, BIG.order_id)
    assert (ticket.kind, ticket.rule, ticket.status) == ("downgrade", "downgrade", "submitted")
    # The ticket holds the quote shown (quoting again now deducts the ticket itself: the ledger).
    assert ticket.quote["explanation"] in quote and f"{ticket.quoted_amount:,.2f}" in quote
    assert ticket.ticket_id in said["filed"] and "实例和数据保留" in said["filed"]
    with bot.sessions() as db:
        assert db.get(OrderRow, BIG.order_id).status == "active"


def test_a_downgrade_with_both_sizes_in_one_message_goes_straight_to_the_quote(bot):
    async def scenario() -> str:
        client = await chat(bot)
        quote = await client.say("想把8核16G降到4核8G，差价能退多少", "确认提交降配申请吗")
        declined = await client.say("算了，先不降了", "不做变更")
        await client.stop()
        return quote + declined

    said = run(scenario())
    assert "新配置「4核8G」" in said and "服务保持不变" in said
    assert tickets(bot, BIG.order_id) == []


def test_an_outage_claim_without_leaving_pays_a_voucher(bot):
    async def scenario() -> Dict[str, str]:
        client = await chat(bot)
        said = {"quote": await client.say("前天服务器宕机了好几个小时，服务器我还要继续用，不退，但得给个补偿吧",
                                          "确认提交补偿申请吗")}
        said["filed"] = await client.say("好的", "已提交 SLA 补偿申请")
        said["status"] = await client.say("补偿申请到哪一步了", "SLA 故障补偿")
        await client.stop()
        return said

    said = run(scenario())
    quote = said["quote"]
    assert DOWN.order_id in quote and "SLA 故障补偿" in quote and "可用性" in quote
    assert "代金券" in quote and "不需要退订" in quote and "退回原支付渠道" not in quote
    [ticket] = tickets(bot, DOWN.order_id)
    assert (ticket.kind, ticket.rule, ticket.reason) == ("sla_claim", "sla_compensation", "service_issue")
    assert ticket.quote["destination"] == "voucher" and not ticket.manual_review
    assert ticket.quote["explanation"] in shown(said["quote"])  # the quote shown (a second claim now gets none)
    with bot.sessions() as db:
        words = list(db.scalars(select(EvidenceRow.content).where(EvidenceRow.ticket_id == ticket.ticket_id)))
    assert any("宕机了好几个小时" in w for w in words)  # the customer's own account, for the reviewer
    assert "不可提现" in said["filed"] and ticket.ticket_id in said["status"]


def test_a_claim_for_a_server_with_no_outage_on_record_can_still_reach_a_reviewer(bot):
    async def scenario() -> Dict[str, str]:
        client = await chat(bot)
        said = {"record": await client.say(f"订单{BIG.order_id}那台昨晚连不上两个小时，要求赔偿", "没有查到")}
        said["filed"] = await client.say("仍然提交", "人工核实")
        await client.stop()
        return said

    said = run(scenario())
    [ticket] = tickets(bot, BIG.order_id)
    assert (ticket.kind, ticket.manual_review) == ("sla_claim", True)
    assert "工单号" in said["filed"] and ticket.ticket_id in said["filed"]


def test_a_guest_learns_how_downgrades_and_compensation_work_and_is_asked_to_log_in(bot):
    async def scenario() -> str:
        client = await chat(bot, customer="")
        text = await client.say("配置买大了能降配吗", "登录后")
        text += await client.say("宕机了有赔偿吗", "登录后")
        await client.stop()
        return text

    said = run(scenario())
    assert "差价" in said and "代金券" in said and BIG.order_id not in said


def test_a_size_only_one_server_can_go_down_to_picks_it_and_a_named_yes_files_it(bot):
    async def scenario() -> Dict[str, str]:
        client = await chat(bot)
        said = {"which": await client.say("服务器规格选太高了 钱花得冤枉", "哪台服务器")}
        said["quote"] = await client.say("那就换成2核4G的吧", "确认提交降配申请吗")
        said["filed"] = await client.say("好 确认降级", "已提交降配申请")
        await client.stop()
        return said

    said = run(scenario())
    assert "新配置「2核4G」" in shown(said["quote"]) and BIG.order_id in said["quote"]
    [ticket] = tickets(bot, BIG.order_id)
    assert (ticket.kind, ticket.status) == ("downgrade", "submitted") and ticket.ticket_id in said["filed"]


def test_a_downgrade_and_a_compensation_in_one_message_are_done_one_after_the_other(bot):
    async def scenario() -> Dict[str, str]:
        client = await chat(bot)
        said = {"quote": await client.say("配置太高了 8核的降成4核8G，另外上周掉线那台也要赔偿", "确认提交降配申请吗")}
        said["filed"] = await client.say("降级确认", "已提交降配申请")
        said["claim"] = await client.say("赔偿的事呢", "确认提交补偿申请吗")
        said["claimed"] = await client.say("同意 提交补偿", "已提交 SLA 补偿申请")
        await client.stop()
        return said

    said = run(scenario())
    assert "新配置「4核8G」" in shown(said["quote"]) and "补偿" in said["quote"]
    assert [t.kind for t in tickets(bot, BIG.order_id)] == ["downgrade"]
    assert [t.kind for t in tickets(bot, DOWN.order_id)] == ["sla_claim"]


def test_an_upgrade_wish_is_sent_to_the_console_with_no_quote(bot):
    async def scenario() -> str:
        client = await chat(bot)
        text = await client.say("小的那台2核4G扛不住了 能不能升级成8核16G", "控制台")
        await client.stop()
        return text

    said = run(scenario())
    assert "变配" in said and "确认提交" not in said and "差价退回" not in said
    assert tickets(bot, DOWN.order_id) == []


def test_a_compensation_yes_in_words_files_the_claim_shown(bot):
    async def scenario() -> Dict[str, str]:
        client = await chat(bot)
        said = {"quote": await client.say("2核4G那台前几天断了一上午 机器还要用 补偿一下吧", "确认提交补偿申请吗")}
        said["filed"] = await client.say("可以 提交赔偿申请", "已提交 SLA 补偿申请")
        await client.stop()
        return said

    said = run(scenario())
    [ticket] = tickets(bot, DOWN.order_id)
    assert (ticket.kind, ticket.status) == ("sla_claim", "submitted") and ticket.ticket_id in said["filed"]
