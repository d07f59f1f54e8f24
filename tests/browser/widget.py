"""Page helpers for the chat widget (rasa-webchat 1.0.1 DOM)."""
from __future__ import annotations

BOT_TEXTS = ".rw-messages-container .rw-response .rw-message-text"


def login(page, site_url: str, customer: str = "c1001", password: str = "demo123") -> None:
    page.goto(f"{site_url}/login")
    page.fill("#customer_id", customer)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url("**/chat")


def open_widget(page) -> None:
    if page.locator("textarea.rw-new-message, input.rw-new-message").count() == 0:
        page.click(".rw-launcher")
    page.wait_for_selector(".rw-new-message")


def send(page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.click("button.rw-send")


def wait_for_bot(page, fragment: str, timeout: int = 30_000) -> None:
    """Wait until a bot message containing `fragment` is shown."""
    page.wait_for_function(
        "([sel, s]) => Array.from(document.querySelectorAll(sel)).some(e => e.innerText.includes(s))",
        arg=[BOT_TEXTS, fragment], timeout=timeout)


def bot_texts(page) -> str:
    return "\n".join(page.locator(BOT_TEXTS).all_inner_texts())


def click_reply(page, fragment: str) -> None:
    """Click the quick reply whose title contains `fragment`."""
    page.locator(".rw-reply", has_text=fragment).last.click()


def session_id(page) -> str:
    return page.evaluate("JSON.parse(sessionStorage.chat_session).session_id")


def file_refund(page, order_id: str, reason_button: str = "需求变化", screenshot=None) -> None:
    """Apply for a refund of `order_id` through the buttons and confirm it."""
    send(page, "我要退款")
    wait_for_bot(page, "请选择要退款的订单")
    click_reply(page, order_id)
    wait_for_bot(page, "退款的原因")
    click_reply(page, reason_button)
    wait_for_bot(page, "确认提交退款申请吗")
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    click_reply(page, "确认提交")
    wait_for_bot(page, "工单号 RF")


def close_widget(page) -> None:
    """Close the chat window (on a phone it covers the page, header and logout included)."""
    if page.locator(".rw-close-button").is_visible():
        page.click(".rw-close-button")
    else:
        page.click(".rw-launcher")
    page.wait_for_selector(".rw-new-message", state="detached")
