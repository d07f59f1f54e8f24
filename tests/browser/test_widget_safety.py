"""The widget page under its Content-Security-Policy: it still works, a `javascript:` link or
a remote image in a bot message (e.g. pasted by an agent) never reaches the page, and after
logout the same tab is a guest."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.web.rasa_client import RasaClient
from harness.servers import TOKEN
from tests.browser.widget import BOT_TEXTS, bot_texts, close_widget, login, open_widget, send, session_id, wait_for_bot

HOSTILE = ("请查看[退款说明](javascript:document.title='pwned') 与 ![x](http://203.0.113.9/pixel.png) "
           "以及[帮助中心](https://help.example-cloud.cn/refund)")


def test_widget_works_under_the_policy_and_hostile_links_are_inert(fresh_stack, context, artifacts):
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    remote = []
    page.on("request", lambda request: remote.append(request.url) if "203.0.113.9" in request.url else None)
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    conversation = session_id(page)
    push = RasaClient(fresh_stack.rasa_url, TOKEN).push_bot_message(conversation, HOSTILE, metadata={"agent_id": "a1"})
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API already runs an event loop here
        assert pool.submit(asyncio.run, push).result()
    wait_for_bot(page, "以及")
    hrefs = page.eval_on_selector_all(".rw-messages-container a", "links => links.map(a => a.getAttribute('href'))")
    assert "https://help.example-cloud.cn/refund" in hrefs
    assert not [h for h in hrefs if h and h.strip().lower().startswith(("javascript:", "data:"))], hrefs
    assert page.locator(".rw-messages-container img[src*='203.0.113.9']").count() == 0 and not remote
    page.locator(".rw-messages-container", has_text="退款说明").first.click()
    assert page.title() != "pwned"
    page.screenshot(path=str(artifacts / "widget-hostile-links.png"), full_page=True)
    shown = page.locator(BOT_TEXTS).count()
    send(page, "你好")  # the widget still talks under the policy
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[BOT_TEXTS, shown])
    # The widget bundle asks for a web font from a CDN; the policy blocks it on purpose (nothing
    # is fetched from outside the site). Anything else blocked would be a page we broke.
    assert not [v for v in violations if "fonts.googleapis.com" not in v], violations


def test_after_logout_the_same_tab_is_a_guest(fresh_stack, context, artifacts):
    page = context.new_page()
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    page.click("#logout")
    page.wait_for_url(lambda url: url.endswith("/login?logged_out=1"))
    page.goto(f"{fresh_stack.site_url}/chat")
    assert "张伟" not in page.content()
    open_widget(page)
    send(page, "我要退款")
    wait_for_bot(page, "请先登录")
    assert "2026112400010001" not in bot_texts(page)
    page.screenshot(path=str(artifacts / "widget-after-logout.png"), full_page=True)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_next_person_on_a_shared_computer_never_sees_the_last_chat(fresh_stack, context, artifacts, viewport):
    page = context.new_page()
    page.set_viewport_size(viewport)
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    send(page, "我要退款")
    wait_for_bot(page, "请选择要退款的订单")
    assert "2026112400010001" in page.inner_text(".rw-messages-container")  # c1001's orders are on screen
    first = session_id(page)
    close_widget(page)  # on a phone the chat covers the page, logout included
    page.click("#logout")
    page.wait_for_url(lambda url: url.endswith("/login?logged_out=1"))
    assert page.evaluate("() => sessionStorage.length + localStorage.length") == 0
    page.go_back()  # even the back button shows no trace of it
    assert "2026112400010001" not in page.content()
    login(page, fresh_stack.site_url, customer="c1002")
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    assert session_id(page) != first
    shown = page.inner_text(".rw-messages-container")
    assert "2026112400010001" not in shown and "我要退款" not in shown
    page.screenshot(path=str(artifacts / f"widget-next-customer-{viewport['width']}.png"), full_page=True)
