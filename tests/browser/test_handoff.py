"""Two browsers: a customer in the widget and an agent in the console."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import HandoffNoteRow, SurveyRow, TicketRow
from bot.storage.seed import demo_order
from tests.browser.widget import bot_texts, click_reply, file_refund, login, open_widget, send, wait_for_bot

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def console_login(page, site_url, staff="a2", password="staff123", home="/console"):
    """Log a staff member in; `home` is where they land (an operator without the transcripts
    grant starts on the dashboard)."""
    page.goto(f"{site_url}/console/login")
    page.fill("#staff_id", staff)
    page.fill("#password", password)
    page.click("#console-login")
    page.wait_for_url(f"{site_url}{home}")


def test_handoff_agent_console_and_survey(fresh_stack, browser, artifacts):
    customer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    agent_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    for ctx in (customer_ctx, agent_ctx):
        ctx.set_default_timeout(30_000)
    try:
        customer = customer_ctx.new_page()
        login(customer, fresh_stack.site_url)
        open_widget(customer)
        wait_for_bot(customer, "我是云途退款助手")
        file_refund(customer, demo_order("in_window").order_id)
        assert "打分" not in bot_texts(customer)  # filing resolves nothing yet: no survey
        send(customer, "转人工")
        wait_for_bot(customer, "正在为您转接人工客服")
        send(customer, XSS)

        agent = agent_ctx.new_page()
        agent.on("dialog", lambda d: d.dismiss())
        console_login(agent, fresh_stack.site_url)
        agent.wait_for_selector(".queue-row")
        assert "张伟" in agent.inner_text("#queue") and "客户要求" in agent.inner_text("#queue")
        agent.click(".queue-row button.claim")
        agent.wait_for_url("**/console/handoffs/*")
        agent.wait_for_selector("#transcript .msg.customer")
        agent.wait_for_function("t => document.querySelector('#transcript').innerText.includes(t)", arg="onerror")
        assert agent.evaluate("window.__xss") is None  # shown as text, never run
        assert agent.locator("#transcript img").count() == 0
        wait_for_bot(customer, "【人工客服 小李】")

        agent.type("#reply-text", "您好，我来帮您加急处理这笔退款。", delay=20)
        customer.wait_for_selector(".rw-agent-typing:has-text('人工客服 小李 正在输入…')", timeout=10_000)
        agent.click("#send-reply")
        wait_for_bot(customer, "【人工客服 小李】您好，我来帮您加急处理这笔退款。")
        # The agent is shown as a person: a bubble of its own, with the agent's name above it.
        agent_bubble = customer.locator(".rw-response.rw-agent").last
        assert agent_bubble.get_attribute("data-agent") == "人工客服 · 小李"
        bot_bubble = customer.locator(".rw-response:not(.rw-agent)").first
        colour = "e => getComputedStyle(e).backgroundColor"
        assert agent_bubble.evaluate(colour) != bot_bubble.evaluate(colour)
        send(customer, "好的，谢谢，麻烦尽快")
        agent.wait_for_function("t => document.querySelector('#transcript').innerText.includes(t)", arg="麻烦尽快")
        assert "麻烦尽快" not in bot_texts(customer)  # the bot stayed silent

        agent.fill("#note-text", "客户着急，已口头承诺加急")
        agent.click("#add-note")
        agent.wait_for_function("t => document.querySelector('#notes').innerText.includes(t)", arg="口头承诺加急")
        assert "口头承诺加急" not in customer.inner_text("body")

        agent.wait_for_selector("#review-actions button.review-take")
        agent.click("#review-actions button.review-take")
        agent.wait_for_function("() => document.querySelector('#ticket').innerText.includes('审核中')")
        agent.click("#review-actions button.review-approve")
        # The quote lines are on the panel and the amount is asked about once more before approving.
        assert agent.locator("#ticket-quote-lines tr").count() >= 2
        assert "将按报价" in agent.inner_text("#confirm-approve")
        agent.click("#confirm-approve-yes")
        agent.wait_for_function("() => document.querySelector('#ticket').innerText.includes('审核通过')")
        agent.screenshot(path=str(artifacts / "console-conversation.png"), full_page=True)

        agent.click("#handback")
        wait_for_bot(customer, "接下来由智能助手继续为您服务")
        send(customer, "我的退款进度")
        wait_for_bot(customer, "审核已通过")

        send(customer, "转人工")
        wait_for_bot(customer, "正在为您转接人工客服")
        agent.goto(f"{fresh_stack.site_url}/console")
        agent.wait_for_selector(".queue-row button.claim")
        agent.click(".queue-row button.claim")
        agent.wait_for_url("**/console/handoffs/*")
        agent.click("#close")
        wait_for_bot(customer, "请为本次服务打分")
        click_reply(customer, "5 分")
        wait_for_bot(customer, "可以说说原因吗")
        send(customer, "客服很耐心")
        wait_for_bot(customer, "感谢您的评价")
        customer.screenshot(path=str(artifacts / "widget-after-handoff.png"), full_page=True)

        agent.goto(f"{fresh_stack.site_url}/console")
        agent.wait_for_selector("#surveys .survey")
        assert "客服很耐心" in agent.inner_text("#surveys")
        with fresh_stack.sessions() as db:
            survey = db.scalars(select(SurveyRow).where(SurveyRow.comment == "客服很耐心")).one()
            assert survey.score == 5 and survey.handoff_id is not None
            assert db.scalars(select(HandoffNoteRow)).one().text == "客户着急，已口头承诺加急"
            ticket = db.scalars(select(TicketRow).where(TicketRow.order_id == demo_order("in_window").order_id)).one()
            assert ticket.status == "approved" and ticket.reviewer_id == "a2"
    finally:
        customer_ctx.close()
        agent_ctx.close()
