"""The agent's conversation page at a laptop's 1366×768: nothing runs off the side (a long link
wraps), the reply box is on screen without scrolling the page, button clicks read as the
button's label, and every message has its Beijing time."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.storage.schema import HandoffRow
from bot.storage.seed import demo_order
from tests.browser.test_handoff import console_login

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

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    console_login(page, fresh_stack.site_url)
    page.goto(f"{fresh_stack.site_url}/console/handoffs/{handoff}")
    page.wait_for_function("() => document.querySelector('#transcript').innerText.includes('转人工')")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = page.locator("#reply-text").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768  # typing needs no page scroll
    transcript = page.inner_text("#transcript")
    assert "/inform" not in transcript and f"订单 {order.order_id}" in transcript and "（点选）" in transcript
    assert re.search(r"客户 · \d{2}:\d{2}", transcript) and re.search(r"智能助手 · \d{2}:\d{2}", transcript)
    # The newest message is in view: the transcript scrolled itself to the end.
    assert page.evaluate("() => { const t = document.querySelector('#transcript');"
                         " return t.scrollHeight - t.scrollTop - t.clientHeight < 40; }")
    page.screenshot(path=str(artifacts / "console-conversation-1366.png"))
    context.close()
