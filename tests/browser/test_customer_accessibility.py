"""axe-core on the customer's pages (login, chat with the widget open and answering, upload),
on a desktop, at 320 px and at 200% zoom (a 1280×800 window zoomed twice is 640×400 CSS px): no
serious or critical violation, nothing wider than the window."""
from __future__ import annotations

import pytest

from bot.security.tokens import UploadGrant, issue_upload_token
from harness.servers import JWT_SECRET
from tests.browser.test_review_workspace import serious_violations
from tests.browser.widget import login, open_widget, send, wait_for_bot


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 320, "height": 640},
                                      {"width": 640, "height": 400}], ids=["desktop", "320px", "zoom200"])
def test_customer_pages_have_no_serious_accessibility_violations(fresh_stack, browser, artifacts, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport, bypass_csp=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{fresh_stack.site_url}/login")
    assert serious_violations(page) == [], "login"
    login(page, fresh_stack.site_url)
    open_widget(page)
    send(page, "退款多久到账")
    wait_for_bot(page, "工作日")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / f"chat-accessibility-{viewport['width']}.png"))
    assert serious_violations(page) == [], "chat"
    token = issue_upload_token(JWT_SECRET, UploadGrant("c1001", "conv-a11y", None))
    page.goto(f"{fresh_stack.site_url}/upload/{token}")
    assert serious_violations(page) == [], "upload"
    page.goto(f"{fresh_stack.site_url}/contact")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(page) == [], "contact"
    context.close()
