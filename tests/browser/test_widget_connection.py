"""The widget when the chat server goes away and comes back, on a laptop and a phone at once:
the launcher stays, a banner says what is happening (then the support hours and the contact
page), the input says why it is off, and the chat continues when the server is back. Then the
contact page itself, which works without the assistant."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import HandoffRow
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations
from tests.browser.widget import bot_texts, login, open_widget, send, wait_for_bot

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BANNER = ".rw-connection"


def test_server_unreachable_and_back(fresh_stack, browser, artifacts):
    contexts = {name: browser.new_context(locale="zh-CN", viewport=size, bypass_csp=True) for name, size in SIZES.items()}
    pages = {}
    try:
        for name, context in contexts.items():
            page = pages[name] = context.new_page()
            login(page, fresh_stack.site_url)
            open_widget(page)
            wait_for_bot(page, "我是云途退款助手")
        fresh_stack.kill("rasa")
        for page in pages.values():
            page.wait_for_selector(f"{BANNER}:has-text('连接中断，正在重连')", timeout=30_000)
            assert page.is_disabled(".rw-new-message")
            assert page.get_attribute(".rw-new-message", "placeholder") == "连接中断，恢复后可继续输入"
            assert page.get_attribute(BANNER, "role") == "status"  # read out by screen readers
        for name, page in pages.items():  # still away: the hours and somewhere else to turn
            page.wait_for_selector(f"{BANNER}:has-text('人工客服服务时间')", timeout=15_000)
            assert page.get_attribute(f"{BANNER} a", "href") == "/contact"
            page.screenshot(path=str(artifacts / f"widget-offline-{name}.png"))
        # A reload while the server is away still shows the launcher (it used to vanish).
        page = pages["desktop"]
        page.reload()
        box = page.locator(".rw-launcher").bounding_box()
        assert box is not None and box["width"] >= 40 and box["height"] >= 40
        page.wait_for_function("() => document.querySelector('.rw-launcher').classList.contains('rw-offline')",
                               timeout=15_000)
        open_widget(page)
        page.wait_for_selector(f"{BANNER}:has-text('人工客服服务时间')", timeout=15_000)
        assert serious_violations(page) == []
    finally:
        if not fresh_stack.processes.running("rasa"):
            fresh_stack.restart("rasa")
    try:
        for name, page in pages.items():
            page.wait_for_function("() => !document.querySelector('.rw-new-message').disabled", timeout=60_000)
            assert not page.is_visible(BANNER)
            send(page, "我的退款进度")
            wait_for_bot(page, "RF")  # the conversation goes on where it was
            assert "连接中断" not in bot_texts(page)
            page.screenshot(path=str(artifacts / f"widget-back-online-{name}.png"))
    finally:
        for context in contexts.values():
            context.close()


def test_contact_page_takes_a_message_or_call_back_without_the_assistant(fresh_stack, browser, artifacts):
    context = browser.new_context(locale="zh-CN", viewport=SIZES["phone"], bypass_csp=True)
    page = context.new_page()
    page.goto(f"{fresh_stack.site_url}/contact")
    assert fits_the_width(page) and "人工客服服务时间" in page.inner_text("main")
    assert serious_violations(page) == []
    page.check("input[value=callback]")
    page.fill("#contact-message", "续费扣了两次钱，想找人核对")
    page.click("#contact-submit")
    assert "11 位手机号码" in page.inner_text("#contact-error")  # a guest must say how to reach them
    assert page.input_value("#contact-message") == "续费扣了两次钱，想找人核对"  # nothing typed is lost
    page.fill("#contact-phone", "12345")
    page.click("#contact-submit")
    assert "11 位手机号码" in page.inner_text("#contact-error")
    page.fill("#contact-phone", "138-0013-8000")
    page.click("#contact-submit")
    assert "已记录您的电话回访预约" in page.inner_text("#contact-done")
    page.screenshot(path=str(artifacts / "contact-page-phone.png"), full_page=True)

    login(page, fresh_stack.site_url)  # a customer may just leave a message
    page.goto(f"{fresh_stack.site_url}/contact")
    page.fill("#contact-message", "  ")
    page.click("#contact-submit")
    assert "请简单写一下" in page.inner_text("#contact-error")
    page.fill("#contact-message", "上周的退款还没到账")
    page.click("#contact-submit")
    assert "已记录您的留言" in page.inner_text("#contact-done")
    with fresh_stack.sessions() as db:
        rows = db.scalars(select(HandoffRow).where(HandoffRow.reason == "web_contact").order_by(HandoffRow.id)).all()
    assert [(r.kind, r.customer_id, r.callback_phone, r.status) for r in rows] == [
        ("callback", None, "13800138000", "message"), ("message", "c1001", None, "message")]

    agent = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    console_login(agent, fresh_stack.site_url)
    agent.wait_for_selector(".queue-row")
    queue = agent.inner_text("#queue")
    assert "网页留言" in queue and "13800138000" in queue and "上周的退款还没到账" in queue
    agent.context.close()
    context.close()
