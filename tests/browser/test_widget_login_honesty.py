"""The widget is honest about the login, on a laptop and a phone:
* a page open longer than its chat token lives reconnects with the expired token: the widget
  fetches a fresh one (the website login still holds) and the customer goes on in the same
  conversation, not silently as a guest;
* when the website login is gone, the chat and the page say so, with the way back, and the
  header stops naming the customer;
* logging out in one tab, or another customer logging in, makes the other open tabs drop the
  previous customer's conversation."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.clock import utcnow
from bot.security.tokens import issue_chat_token
from bot.storage.schema import LoginSessionRow, TicketRow
from bot.storage.seed import demo_order
from harness.servers import JWT_SECRET
from tests.browser.widget import BOT_TEXTS, bot_texts, close_widget, login, open_widget, send, session_id, wait_for_bot

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LOGIN_CHECK_SECONDS = 5  # how long the chat channel may trust its last look at a login


def paid_ticket(stack) -> str:
    with stack.sessions() as db:  # seeded 30 days before today: its number depends on the day
        return db.scalar(select(TicketRow.ticket_id).where(TicketRow.order_id == demo_order("quota_consumer").order_id))


def live_login(stack, customer: str) -> str:
    with stack.sessions() as db:
        return db.scalars(select(LoginSessionRow.session_id).where(
            LoginSessionRow.subject == customer, LoginSessionRow.ended_at.is_(None))
            .order_by(LoginSessionRow.created_at.desc())).first()


def status_reply(page, ticket: str) -> None:
    send(page, "我的退款进度")
    wait_for_bot(page, ticket)
    assert "请先登录" not in bot_texts(page)


@pytest.fixture(params=list(VIEWPORTS))
def device(request, browser):
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[request.param])
    context.set_default_timeout(30_000)
    yield request.param, context
    context.close()


def test_an_expired_chat_token_is_replaced_and_the_conversation_goes_on(fresh_stack, device, artifacts):
    name, context = device
    page = context.new_page()
    ticket = paid_ticket(fresh_stack)
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    status_reply(page, ticket)
    before = session_id(page)

    # The page's socket as it reconnects 31 minutes later: with a chat token that has expired.
    expired = issue_chat_token(JWT_SECRET, "c1001", live_login(fresh_stack, "c1001"),
                               now=utcnow() - timedelta(minutes=31))
    handshakes, asked = [], []

    def aged(route):
        url = route.request.url
        if "sid=" not in url and "token=" in url and not handshakes:  # the first handshake after the reload
            handshakes.append(url)
            url = re.sub(r"token=[^&]+", "token=" + expired, url)
        route.continue_(url=url)
    page.route("**/socket.io/**", aged)
    page.on("request", lambda request: asked.append(request.url) if "/chat/token" in request.url else None)
    page.reload()
    open_widget(page)
    page.wait_for_function("() => !!document.querySelector('.rw-messages-container .rw-response')")
    page.wait_for_timeout(2000)  # the expired token is refused, a fresh one fetched, the socket reconnected
    assert handshakes
    assert any("for=c1001" in url for url in asked)
    status_reply(page, ticket)
    assert session_id(page) == before  # the same conversation, as the same customer
    assert "张伟（c1001）" in page.inner_text("#account") and page.locator(".rw-login").count() == 0
    page.screenshot(path=str(artifacts / f"widget-token-refreshed-{name}.png"))


def test_a_lost_login_is_said_in_the_chat_and_on_the_page(fresh_stack, device, artifacts):
    name, context = device
    page = context.new_page()
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    with fresh_stack.sessions.begin() as db:  # the website login runs out on the server
        db.execute(update(LoginSessionRow).where(LoginSessionRow.subject == "c1001").values(expires_at=utcnow()))
    time.sleep(LOGIN_CHECK_SECONDS + 0.5)
    send(page, "我的退款进度")
    page.wait_for_selector(".rw-login:not([hidden])")
    widget_notice = page.inner_text(".rw-login")
    assert "登录已过期" in widget_notice and "只能咨询退款政策" in widget_notice
    assert page.locator(".rw-login a").get_attribute("href") == "/login?next=/chat"
    # ... and goes on as a guest, who may ask about the policy.
    page.wait_for_function("() => !document.querySelector('.rw-new-message').disabled")
    send(page, "你们的退款政策是什么")
    wait_for_bot(page, "无理由退订")
    assert not page.is_visible(".rw-connection")
    page.screenshot(path=str(artifacts / f"widget-login-lost-{name}.png"))
    close_widget(page)
    assert "张伟" not in page.inner_text("body") and "登录已过期" in page.inner_text("#account")
    assert "登录已过期" in page.inner_text("#login-lost")
    page.screenshot(path=str(artifacts / f"page-login-lost-{name}.png"), full_page=True)
    page.click("#login-lost a")
    page.wait_for_url("**/login?next=/chat")


def chatting_tab(context, stack, ticket: str):
    page = context.new_page()
    page.goto(f"{stack.site_url}/chat")
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    status_reply(page, ticket)
    return page


def assert_dropped(page, ticket: str, notice: str) -> None:
    page.wait_for_url("**/chat?signed_out=1")
    assert notice in page.inner_text("main [role=alert]")
    page.wait_for_timeout(1000)  # the widget restores whatever its storage still holds
    assert ticket not in page.inner_text("body") and "张伟" not in page.inner_text("body")
    assert ticket not in (page.evaluate("sessionStorage.getItem('chat_session')") or "")
    assert page.locator(BOT_TEXTS).filter(has_text=ticket).count() == 0


def test_logging_out_in_one_tab_clears_the_others(fresh_stack, device, artifacts):
    name, context = device
    ticket = paid_ticket(fresh_stack)
    first = context.new_page()
    login(first, fresh_stack.site_url)
    second = chatting_tab(context, fresh_stack, ticket)
    first.bring_to_front()
    first.click("#logout")
    first.wait_for_url(lambda url: url.endswith("/login?logged_out=1"))
    assert "您已退出登录" in first.inner_text("#logged-out")
    assert_dropped(second, ticket, "已在本浏览器的其他页面退出登录")
    second.screenshot(path=str(artifacts / f"other-tab-after-logout-{name}.png"), full_page=True)


def test_another_customer_logging_in_clears_the_previous_customers_tabs(fresh_stack, device, artifacts):
    name, context = device
    ticket = paid_ticket(fresh_stack)
    first = context.new_page()
    login(first, fresh_stack.site_url)
    second = chatting_tab(context, fresh_stack, ticket)
    first.bring_to_front()
    login(first, fresh_stack.site_url, customer="c1002")  # over c1001's login, in the first tab
    assert_dropped(second, ticket, "换成另一个账号登录")
    assert "李娜" in second.inner_text("#account")  # the page is now the other customer's, with nothing of c1001's
    second.screenshot(path=str(artifacts / f"other-tab-after-other-login-{name}.png"), full_page=True)
