"""Money moves once, and exactly as promised — in customers' words, through the running servers:
asking again about a refunded order or a compensated outage files nothing new, a confirmation
naming something not shown files nothing unseen, what a reviewer writes to the customer reaches
their open widget, and the reviewer's page shows the evidence of that ticket only."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Dict

from bot.clock import utcnow
from bot.security.tokens import UploadGrant
from bot.storage.seed import demo_order
from bot.uploads.store import UploadStore
from harness.servers import chat_token
from tests.e2e.test_after_filing import review
from tests.e2e.test_refund_journey import text_of, tickets_for
from tests.widget_client import WidgetClient, run

SMALL = demo_order("in_window")  # c1001's 云服务器 ECS（2核4G）, bought two days ago
DOWN = demo_order("sla_claim")  # c1004's 2核4G server, down 9 hours two days ago
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def refunded(bot, sender: str) -> str:
    """The 2核4G server refunded in full and paid out: filed in the chat, paid by a reviewer."""
    bot.say(sender, f"我要退款，订单{SMALL.order_id}")
    bot.say(sender, "不需要了")
    bot.say(sender, "确认")
    [ticket] = tickets_for(bot, SMALL.order_id)
    for action, body in (("take", {}), ("approve", {}), ("start-payout", {}), ("mark-paid", {"payout_reference": "PAY-77"})):
        review(bot, ticket.ticket_id, action, body)
    return ticket.ticket_id


def test_asking_again_about_a_refunded_order_files_nothing_new(bot, sender):
    """A paid full refund was quoted again and filed a second time."""
    ticket_id = refunded(bot, sender)
    for n, words in enumerate(("我那台2核4G的钱退回来没有？还没退的话帮我退了",
                               "2核4G那台服务器帮我退掉吧",
                               f"订单{SMALL.order_id}我还要退款")):
        reply = text_of(bot.say(f"{sender}-{n}", words))
        assert ticket_id in reply, (words, reply)
        assert "已到账" in reply and "预计可退" not in reply, (words, reply)
    assert [t.ticket_id for t in tickets_for(bot, SMALL.order_id)] == [ticket_id]


def test_asking_about_an_issued_sla_voucher_files_no_second_claim(bot):
    """After the voucher was issued, a question about it quoted and filed a second claim."""
    claim = bot.services.refunds.file_sla_claim("c1004", DOWN.order_id, "前天网站打不开一上午").ticket
    for action, body in (("take", {}), ("approve", {}), ("start-payout", {}), ("mark-paid", {"payout_reference": "VC-9"})):
        review(bot, claim.ticket_id, action, body)

    async def scenario() -> Dict[str, str]:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1004"))
        await client.start()
        said = {"asked": await client.say("上回宕机赔我的代金券到账了吗", claim.ticket_id),
                "again": await client.say("宕机了，再给我申请一次补偿", "")}
        await client.stop()
        return said

    said = run(scenario())
    assert "代金券已发放" in said["asked"] and "VC-9" in said["asked"], said
    assert "确认提交补偿申请" not in said["again"], said
    assert [t.ticket_id for t in tickets_for(bot, DOWN.order_id)] == [claim.ticket_id]


def test_a_confirmation_naming_another_order_files_nothing_unseen(bot, sender):
    """`/affirm{"order_id": …}` typed at the confirmation filed another (own) order unseen."""
    other = demo_order("standard_voucher")
    bot.say(sender, f"我要退款，订单{SMALL.order_id}")
    quoted = text_of(bot.say(sender, "不需要了"))
    assert SMALL.order_id in quoted
    answer = text_of(bot.say(sender, f'/affirm{{"order_id": "{other.order_id}"}}'))
    assert tickets_for(bot, other.order_id) == [] and tickets_for(bot, SMALL.order_id) == []
    assert other.order_id in answer and "还没有提交" in answer, answer  # its quote, asked about
    filed = text_of(bot.say(sender, "确认"))
    [ticket] = tickets_for(bot, other.order_id)
    assert ticket.ticket_id in filed
    assert ticket.quote["explanation"] in answer  # the very quote shown before that confirmation


def test_the_reviewers_note_reaches_the_customers_widget(bot):
    note = "请上传支付宝账单截图，需能看到订单号和扣款时间"

    async def scenario() -> Dict[str, str]:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1001"))
        await client.start()
        await client.say(f"退款，订单{SMALL.order_id}", "原因")
        await client.say("不想用了", "确认")
        filed = await client.say("确认", "工单号")
        [ticket] = tickets_for(bot, SMALL.order_id)
        seen = len(client.messages)
        review(bot, ticket.ticket_id, "take")
        review(bot, ticket.ticket_id, "request-info", {"missing": ["支付凭证"], "note": note})
        for _ in range(100):  # pushed by the website, not answered to anything the customer said
            if any(note in m.get("text", "") for m in client.messages[seen:]):
                break
            await asyncio.sleep(0.1)
        pushed = "\n".join(m.get("text", "") for m in client.messages[seen:])
        status = await client.say("我的退款到哪一步了", note)
        await client.stop()
        return {"filed": filed, "pushed": pushed, "status": status}

    said = run(scenario())
    assert note in said["pushed"] and "待补充材料" in said["pushed"], said
    assert note in said["status"]


def test_the_reviewers_page_shows_the_evidence_of_that_ticket_only(bot, sender):
    """Files uploaded for one ticket showed on another ticket filed in the same chat."""
    from tests.security.test_identity_holes import Browser

    store = UploadStore(bot.sessions, Path(bot.env["REFUND_UPLOAD_DIR"]), 1024 * 1024, 10)
    store.save(UploadGrant("c1001", sender, None), "第一张截图.png", PNG, utcnow())
    refunds = bot.services.refunds
    first = refunds.file("c1001", SMALL.order_id, "demand_change", {}, conversation_id=sender).ticket
    store.save(UploadGrant("c1001", sender, None), "第二张截图.png", PNG + b"2", utcnow())
    second = refunds.file("c1001", demo_order("duplicate").order_id, "duplicate_payment",
                          {"duplicate_confirmed": True, "incident_instance": "ins-x"}, conversation_id=sender).ticket
    reviewer = Browser(bot.site_url)
    reviewer.login("/console/login", {"staff_id": "r1", "password": "staff123"})
    first_page = reviewer.open("GET", f"/console/tickets/{first.ticket_id}")[1]
    second_page = reviewer.open("GET", f"/console/tickets/{second.ticket_id}")[1]
    assert "第一张截图.png" in first_page and "第二张截图.png" not in first_page
    assert "第二张截图.png" in second_page and "第一张截图.png" not in second_page
    assert "保留资源" in second_page and "退订退款（释放资源）" not in second_page  # a duplicate charge
    assert "出问题的实例" not in second_page and "出问题的实例" not in first_page  # not their reasons' fields
