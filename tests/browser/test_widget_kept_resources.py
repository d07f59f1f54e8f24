"""The customer's view on a phone: a server bought too big is downgraded through the widget's
buttons, and an outage is compensated with a voucher; what they read is checked and kept as
screenshots."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order
from tests.browser.test_review_workspace import PHONE
from tests.browser.widget import bot_texts, click_reply, login, open_widget, send, wait_for_bot


def test_downgrade_and_sla_claim_in_the_widget_on_a_phone(fresh_stack, browser, artifacts):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    login(page, fresh_stack.site_url, customer="c1004")
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")

    send(page, "8核16G那台配置太高了用不完，能降配吗")
    wait_for_bot(page, "想降到哪一档")
    click_reply(page, "2核4G")
    wait_for_bot(page, "确认提交降配申请吗")
    assert "新配置「2核4G」" in bot_texts(page) and "实例保留" in bot_texts(page)
    page.screenshot(path=str(artifacts / "widget-downgrade-quote-phone.png"), full_page=True)
    click_reply(page, "确认提交")
    wait_for_bot(page, "已提交降配申请")

    send(page, "还有一台前天宕机了，服务器继续用，但要补偿")
    wait_for_bot(page, "确认提交补偿申请吗")
    assert "代金券" in bot_texts(page)
    click_reply(page, "确认提交")
    wait_for_bot(page, "已提交 SLA 补偿申请")
    page.screenshot(path=str(artifacts / "widget-sla-claim-phone.png"), full_page=True)

    with fresh_stack.sessions() as db:
        kinds = {row.order_id: row.kind for row in db.scalars(select(TicketRow).where(TicketRow.customer_id == "c1004"))}
    assert kinds == {demo_order("downgrade").order_id: "downgrade", demo_order("sla_claim").order_id: "sla_claim"}
    context.close()
