"""Messages that arrive while the chat window is closed: the preview above the launcher shows
the newest one (the widget's own carousel started at the oldest, often the greeting read long
ago, inside the launcher button), the launcher's name counts them, a click opens the chat."""
from __future__ import annotations

from bot.web.rasa_client import RasaClient
from tests.browser.test_review_workspace import serious_violations
from tests.browser.widget import login, open_widget, session_id, wait_for_bot
from tests.widget_client import run

PREVIEW = "#refund-preview .refund-preview-text"


def test_unread_preview_is_the_newest_message(fresh_stack, browser, artifacts):
    for name, size in {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}.items():
        context = browser.new_context(locale="zh-CN", viewport=size, bypass_csp=True)
        page = context.new_page()
        login(page, fresh_stack.site_url)
        open_widget(page)
        wait_for_bot(page, "我是云途退款助手")
        page.click(".rw-launcher" if name == "desktop" else ".rw-close-button")
        page.wait_for_selector(".rw-new-message", state="detached")
        rasa = RasaClient(fresh_stack.rasa_url, fresh_stack.env["REFUND_RASA_TOKEN"])
        conversation = session_id(page)
        for text in ("【人工客服 小李】您的工单已加急。", "【人工客服 小李】预计明天到账，请留意短信。"):
            assert run(rasa.push_bot_message(conversation, text, metadata={"agent_id": "a2"}))
            page.wait_for_function("([s, t]) => (document.querySelector(s) || {}).textContent === t", arg=[PREVIEW, text])
        assert page.inner_text(".rw-unread-count-pastille") == "2"
        assert page.get_attribute(".rw-launcher", "aria-label") == "2 条未读消息，打开或收起云途退款助手"
        assert page.get_attribute("#refund-preview", "role") == "status"
        page.screenshot(path=str(artifacts / f"widget-unread-preview-{name}.png"))
        assert serious_violations(page) == []
        page.click(PREVIEW)  # opens the chat, where the message is; the preview goes away
        wait_for_bot(page, "预计明天到账")
        assert not page.is_visible("#refund-preview")
        context.close()
