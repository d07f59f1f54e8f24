"""A call-back left for the agents is a work item, in Chromium at 1366 and 1920: an agent sees the
customer, the ticket they named, the message and its due time, takes it, records a call that
was not answered and one that was, replies and closes it; a colleague sees it held, read-only."""
from __future__ import annotations

import email
import email.policy

from sqlalchemy import select

from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.storage.schema import HandoffNoteRow, HandoffRow, MailOutboxRow
from bot.storage.seed import DEMO_EMAILS, demo_order
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations


def test_an_agent_works_a_call_back_to_the_end(fresh_stack, browser, artifacts):
    ticket = fresh_stack.services.refunds.file("c1001", demo_order("in_window").order_id, "demand_change", {}).ticket
    handoffs = HandoffService(fresh_stack.sessions, SupportSettings(fresh_stack.support_file))
    item = handoffs.leave_message("web-contact-work", "c1001", "callback", f"工单 {ticket.ticket_id} 什么时候退款？",
                                  "13800138000", "web_contact", ticket.ticket_id, {})
    agent_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    other_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    try:
        agent, other = agent_ctx.new_page(), other_ctx.new_page()
        console_login(agent, fresh_stack.site_url, staff="a1")
        console_login(other, fresh_stack.site_url, staff="a2")
        agent.goto(f"{fresh_stack.site_url}/console/handoffs/{item.id}")
        facts = agent.locator("#work-facts")
        facts.get_by_text("13800138000").wait_for()
        text = facts.inner_text()
        assert ticket.ticket_id in text and "什么时候退款" in text and "处理期限" in text and "电话回访" in text
        assert agent.locator("#reply-panel").is_hidden()  # not a live chat: no chat reply box
        agent.click("#take-work-item")
        agent.locator("#work-controls").wait_for()
        other.goto(f"{fresh_stack.site_url}/console/handoffs/{item.id}")
        other.get_by_text("由 客服 小王（a1） 处理中").wait_for()
        assert other.locator("#work-controls").is_hidden() and other.locator("#take-work-item").count() == 0
        other.screenshot(path=str(artifacts / "work-item-colleague-1920.png"), full_page=True)
        assert fits_the_width(other)

        agent.select_option("#call-result", "no_answer")
        agent.click("#record-call")
        agent.get_by_text("回电结果：未接通，稍后再打").wait_for()
        agent.select_option("#call-result", "resolved")
        agent.fill("#call-note", "已说明三个工作日内到账")
        agent.click("#record-call")
        agent.get_by_text("回电结果：已接通，问题已解决。已说明三个工作日内到账").wait_for()
        agent.fill("#work-reply", "您好，退款会在三个工作日内到账。")
        agent.click("#send-work-reply")
        agent.get_by_text("已回复，并已发送邮件至 ").wait_for()  # also by e-mail, to the registered address
        agent.get_by_text("已回复客户（聊天窗口，并已发送邮件至 ").wait_for()
        assert "您好，退款会在三个工作日内到账。" in agent.inner_text("body")
        with fresh_stack.sessions() as db:
            sent = db.scalars(select(MailOutboxRow).where(MailOutboxRow.handoff_id == item.id)).one()
        mail = email.message_from_bytes(sent.raw, policy=email.policy.default)
        body = mail.get_body(("plain",)).get_content()
        assert sent.to_address == DEMO_EMAILS["c1001"] and sent.status == "pending"
        assert "张伟，您好" in body and "您好，退款会在三个工作日内到账。" in body and "云途客服 小王" in body
        assert mail["Auto-Submitted"] is None and "自动发送" not in body  # a person wrote it
        agent.screenshot(path=str(artifacts / "work-item-1366.png"), full_page=True)
        assert serious_violations(agent) == [] and fits_the_width(agent)
        agent.click("#close-work-item")
        agent.get_by_text("已处理完毕。").wait_for()
        with fresh_stack.sessions() as db:
            row = db.get(HandoffRow, item.id)
            notes = db.scalars(select(HandoffNoteRow.text).where(HandoffNoteRow.handoff_id == item.id)).all()
        assert row.status == "resolved" and row.agent_id == "a1" and row.resolved_at is not None and len(notes) == 3
    finally:
        agent_ctx.close()
        other_ctx.close()
