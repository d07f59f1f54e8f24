"""The agent's conversation page at a laptop's 1366×768: nothing runs off the side (a long link
wraps), the reply box is on screen without scrolling the page, button clicks read as the
button's label, and every message has its Beijing time."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.storage.schema import HandoffRow
from bot.storage.seed import demo_order
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import serious_violations

LONG_LINK = "https://pan.example.com/s/" + "x" * 400


def test_conversation_page_fits_a_laptop_screen(fresh_stack, browser, artifacts):
    sender = "layout-check"
    order = demo_order("in_window")
    fresh_stack.say(sender, "我要退款")
    fresh_stack.say(sender, f'/inform{{"order_id": "{order.order_id}"}}')
    fresh_stack.say(sender, f"截图在这里 {LONG_LINK}")
    fresh_stack.say(sender, "转人工")
    with fresh_stack.sessions() as db:
        handoff = db.scalars(select(HandoffRow.id).where(HandoffRow.conversation_id == sender)).first()
    assert handoff is not None

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url)
    page.goto(f"{fresh_stack.site_url}/console/handoffs/{handoff}")
    page.wait_for_function("() => document.querySelector('#transcript').innerText.includes('转人工')")
    page.click("#claim-here")  # a waiting customer: the agent takes the conversation from its page
    page.wait_for_selector("#reply-text", state="visible")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    for control in ("#reply-text", "#send-reply"):  # typing and sending need no page scroll
        box = page.locator(control).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 768, control
    transcript = page.inner_text("#transcript")
    assert "/inform" not in transcript and f"订单 {order.order_id}" in transcript and "（点选）" in transcript
    assert re.search(r"客户 · \d{2}:\d{2}", transcript) and re.search(r"智能助手 · \d{2}:\d{2}", transcript)
    # The newest message is in view: the transcript scrolled itself to the end.
    assert page.evaluate("() => { const t = document.querySelector('#transcript');"
                         " return t.scrollHeight - t.scrollTop - t.clientHeight < 40; }")
    page.screenshot(path=str(artifacts / "console-conversation-1366.png"))
    assert serious_violations(page) == []
    context.close()


def test_queue_announces_a_new_chat_without_reload_and_keeps_history(fresh_stack, browser, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url)
    page.wait_for_function("() => document.getElementById('refreshed').textContent.includes('更新于')")
    assert "人排队" not in page.title()

    fresh_stack.say("queue-alert", "我的服务器昨天宕机了三个小时，我要投诉")  # a complaint goes to a person
    page.wait_for_function("() => document.title.includes('1 人排队')", timeout=15_000)
    assert "位新客户在排队" in page.inner_text("#queue-announce")
    row = page.locator(".queue-row").first
    assert "宕机了三个小时" in row.inner_text() and "客户投诉" in row.inner_text()  # preview and reason
    page.fill("#queue-search", "没有这个客户")
    assert page.locator(".queue-row:visible").count() == 0
    page.fill("#queue-search", "张伟")
    assert page.locator(".queue-row:visible").count() == 1
    page.select_option("#queue-status", "active")
    assert page.locator(".queue-row:visible").count() == 0  # the customer is still waiting
    page.select_option("#queue-status", "waiting")
    assert page.locator(".queue-row:visible").count() == 1
    page.screenshot(path=str(artifacts / "console-queue-alert.png"))
    assert serious_violations(page) == []

    with fresh_stack.sessions() as db:
        handoff = db.scalars(select(HandoffRow.id).where(HandoffRow.conversation_id == "queue-alert")).first()
    handoffs = fresh_stack.services.handoffs
    assert handoffs.claim(handoff, "a2") and handoffs.finish(handoff, "a2", "closed") is not None
    page.reload()
    finished = page.locator("tr.finished").first.inner_text()
    assert f"#{handoff}" in finished and "客服结束" in finished and "张伟" in finished
    context.close()
