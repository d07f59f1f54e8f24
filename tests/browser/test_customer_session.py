"""A login that expires while the customer is chatting, on a laptop and a phone: the widget
says so with a link, the page says so after a reload, and after logging in again the chat goes
on as the customer (not silently as a guest)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from bot.clock import utcnow
from bot.storage.schema import LoginSessionRow, TicketRow
from bot.storage.seed import demo_order
from tests.browser.widget import bot_texts, close_widget, login, open_widget, send, wait_for_bot

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LOGIN_CHECK_SECONDS = 5  # how long the chat channel may trust its last look at a login


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_login_expires_mid_chat_then_continues_after_logging_in(fresh_stack, browser, artifacts, device):
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[device])
    page = context.new_page()
    with fresh_stack.sessions() as db:  # seeded 30 days before today: its number depends on the day
        paid_ticket = db.scalar(select(TicketRow.ticket_id)
                                .where(TicketRow.order_id == demo_order("quota_consumer").order_id))
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    send(page, "我的退款进度")
    wait_for_bot(page, paid_ticket)
    with fresh_stack.sessions.begin() as db:  # the login runs out on the server
        db.execute(update(LoginSessionRow).where(LoginSessionRow.subject == "c1001")
                   .values(expires_at=utcnow()))
    time.sleep(LOGIN_CHECK_SECONDS + 0.5)
    send(page, "那另一个订单呢")
    wait_for_bot(page, "登录已过期")
    link = page.locator(".rw-response a", has_text="重新登录").last
    assert link.get_attribute("href") == "/login?next=/chat"
    page.screenshot(path=str(artifacts / f"widget-login-expired-{device}.png"))

    page.goto(f"{fresh_stack.site_url}/chat")  # the page itself says it too, with the way back
    if page.locator(".rw-new-message").count():
        close_widget(page)  # on a phone the reopened chat covers the page
    assert "登录已过期" in page.inner_text("[role=alert]")
    page.click("[role=alert] a")
    page.wait_for_url("**/login?next=/chat")
    page.fill("#customer_id", "c1001")
    page.fill("#password", "demo123")
    page.click("#login-submit")
    page.wait_for_url("**/chat")
    open_widget(page)
    send(page, "我的退款进度")
    wait_for_bot(page, paid_ticket)  # the customer again, not a guest
    assert "请先登录" not in bot_texts(page)
    context.close()
