"""The customer's refund pages in a real browser (Debian Chromium), on a desktop (1366) and a
phone (390×844), against the running stack: apply on the website (order → reason → the reason's
questions and a file → the itemised quote → confirm), add material, withdraw, appeal a rejected
ticket; the chat widget (the real Rasa and action servers) knows the ticket filed on the website,
and 「我的退款」 shows a ticket filed in the chat. Every page passes axe-core (no serious or
critical violation), fits the window and is kept as a screenshot in test-results/."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import CUSTOMER_TZ
from bot.storage.schema import TicketRow, UploadRow
from bot.storage.seed import demo_order
from tests.browser.test_review_workspace import PHONE, file_ticket, fits_the_width, serious_violations
from tests.browser.test_upload_login import PNG
from tests.browser.widget import bot_texts, file_refund, login, open_widget, send, wait_for_bot

DESKTOP = {"width": 1366, "height": 768}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
ENGLISH = re.compile(r"\b(?:None|null|undefined|True|False|Error|error|submitted|under_review|rejected|withdrawn|"
                     r"appealed|service_issue|demand_change|wrong_purchase|refund|Choose|No file)\b")


def new_page(browser, viewport):
    phone = viewport["width"] < 600
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone,
                                  bypass_csp=True)  # axe-core is injected as a script tag
    context.set_default_timeout(30_000)
    return context, context.new_page()


def log_in(page, site_url: str, target: str, customer: str = "c1001") -> None:
    page.goto(f"{site_url}{target}")
    page.wait_for_url(lambda url: "/login" in url)  # the pages need a login, and come back after it
    page.fill("#customer_id", customer)
    page.fill("#password", "demo123")
    page.click("#login-submit")
    page.wait_for_url(f"**{target}")


def check_page(page, artifacts, name: str, viewport) -> None:
    """Readable in Chinese, no horizontal scrolling, no serious accessibility violation, kept."""
    shown = page.inner_text("main")
    assert not ENGLISH.search(shown), f"{name}: English in the page: {ENGLISH.search(shown).group(0)!r}"
    assert fits_the_width(page), f"{name}: wider than the window"
    page.screenshot(path=str(artifacts / f"refund-pages-{name}-{viewport['width']}.png"), full_page=True)
    assert serious_violations(page) == [], name


def ticket_row(sessions, ticket_id: str) -> TicketRow:
    with sessions() as db:
        return db.scalars(select(TicketRow).where(TicketRow.ticket_id == ticket_id)).one()


@VIEWPORTS
def test_apply_on_the_web_add_material_withdraw_and_the_chat_knows_it(fresh_stack, browser, artifacts, viewport):
    order = demo_order("service_issue")
    context, page = new_page(browser, viewport)
    log_in(page, fresh_stack.site_url, "/refunds")
    check_page(page, artifacts, "my-refunds-before", viewport)
    page.click("#apply-button")
    page.wait_for_url("**/refunds/apply")
    activated = (datetime.now(CUSTOMER_TZ) - timedelta(days=order.days_since_activation)).date()
    assert activated.isoformat() not in page.inner_text("#orders")  # dates are shown as the customer's dates...
    assert order.order_id in page.inner_text("#orders")
    check_page(page, artifacts, "apply-orders", viewport)
    page.check(f"#order-{order.order_id}")
    page.click("#order-next")
    page.wait_for_selector("#application-form")
    assert order.order_id in page.inner_text("#chosen-order")

    # The reason's questions appear once it is chosen; a time in the future is refused in Chinese.
    assert page.locator("#incident_time").is_hidden()
    page.check("input[name=reason][value=service_issue]")
    assert page.locator("#incident_time").is_visible()
    assert page.input_value("#incident_instance") == order.instance_id  # the order's own instance
    page.fill("#incident_time", "2099-01-01 10:00")
    page.fill("#description", "数据库连接一直超时，网站打不开，监控显示CPU满载")
    page.set_input_files("input[name=files]", [{"name": "监控截图.png", "mimeType": "image/png", "buffer": PNG}])
    assert "监控截图.png" in page.inner_text("#files-chosen")
    check_page(page, artifacts, "apply-form", viewport)
    page.click("#to-quote")
    page.wait_for_selector("#form-errors")
    assert "未来" in page.inner_text("#form-errors") or "还没到" in page.inner_text("#form-errors")
    assert page.get_attribute("#incident_time", "aria-invalid") == "true"
    # What was typed is kept, and so is the file (saved with the draft).
    assert page.input_value("#description").startswith("数据库连接一直超时")
    assert "监控截图.png" in page.inner_text("#drafted-files")
    check_page(page, artifacts, "apply-form-error", viewport)
    page.fill("#incident_time", (datetime.now(CUSTOMER_TZ) - timedelta(days=2)).strftime("%Y-%m-%d 14:00"))
    page.click("#to-quote")

    page.wait_for_selector("#quote-lines")
    quoted_total = page.inner_text("#quote-total")
    assert re.fullmatch(r"[\d,]+\.\d\d 元", quoted_total), quoted_total
    assert page.locator("#quote-lines tr").count() >= 3  # itemised
    check_page(page, artifacts, "apply-quote", viewport)
    page.click("#confirm-submit")
    page.wait_for_url(re.compile(r"/refunds/RF\d+"))
    page.wait_for_selector(".notice-ok >> text=申请已提交")
    ticket_id = page.inner_text("h1").replace("工单", "").strip()
    assert page.inner_text("#ticket-amount") == quoted_total  # the quote confirmed is the quote filed
    assert "监控截图.png" in page.inner_text("#evidence")
    row = ticket_row(fresh_stack.sessions, ticket_id)
    assert (row.customer_id, row.order_id, row.reason) == ("c1001", order.order_id, "service_issue")
    with fresh_stack.sessions() as db:
        assert [u.filename for u in db.scalars(select(UploadRow).where(UploadRow.ticket_id == ticket_id))] == \
            ["监控截图.png"]
    check_page(page, artifacts, "ticket-filed", viewport)

    # The reviewer asks for more; the customer reads it and adds words and another file.
    fresh_stack.services.workflow.take(ticket_id, "r1")
    fresh_stack.services.workflow.request_info(ticket_id, "r1", ["故障期间的系统日志"], "请补充故障期间的系统日志。")
    page.reload()
    assert "?" not in page.url and page.locator(".notice-ok").count() == 0  # said once, not on reload
    assert "请补充故障期间的系统日志" in page.inner_text("#reviewer-words")
    assert "待补充材料" in page.inner_text("#ticket-status")
    check_page(page, artifacts, "ticket-needs-info", viewport)
    page.fill("#supplement-text", "补充：故障期间的工单截图和日志")
    page.set_input_files("#supplement-files", [{"name": "系统日志.txt", "mimeType": "text/plain",
                                                "buffer": "ERROR 连接超时".encode()}])
    with page.expect_navigation():
        page.click("#supplement-submit")
    page.wait_for_selector(".notice-ok")
    assert "补充材料已提交" in page.inner_text("main")
    assert "补充：故障期间的工单截图和日志" in page.inner_text("#evidence")
    assert "系统日志.txt" in page.inner_text("#evidence")
    check_page(page, artifacts, "ticket-supplemented", viewport)

    # The chat knows the ticket filed on the website.
    page.goto(f"{fresh_stack.site_url}/chat")
    open_widget(page)
    send(page, f"工单 {ticket_id} 到哪了")
    wait_for_bot(page, "当前状态")
    assert ticket_id in bot_texts(page) and order.order_id in bot_texts(page)
    page.screenshot(path=str(artifacts / f"refund-pages-chat-status-{viewport['width']}.png"), full_page=True)

    # Withdraw on the website: it needs the tick, then the chat sees the new state too.
    page.goto(f"{fresh_stack.site_url}/refunds/{ticket_id}")
    page.click("#withdraw summary")
    page.click("#withdraw-submit")  # without the tick the browser asks for it; nothing changes
    assert ticket_row(fresh_stack.sessions, ticket_id).status != "withdrawn"
    page.check("#withdraw-confirm")
    with page.expect_navigation():
        page.click("#withdraw-submit")
    page.wait_for_selector(".notice-ok")
    assert "已撤回" in page.inner_text("#ticket-status")
    assert page.locator("#supplement-submit").count() == 0  # a withdrawn ticket takes no material
    assert ticket_row(fresh_stack.sessions, ticket_id).status == "withdrawn"
    check_page(page, artifacts, "ticket-withdrawn", viewport)
    page.goto(f"{fresh_stack.site_url}/chat")
    open_widget(page)
    send(page, f"{ticket_id} 现在什么状态")
    wait_for_bot(page, "当前状态：已撤回")
    context.close()


@VIEWPORTS
def test_a_rejected_ticket_is_appealed_on_the_web(fresh_stack, browser, artifacts, viewport):
    ticket = file_ticket(fresh_stack, "in_window", "demand_change", {})
    workflow = fresh_stack.services.workflow
    workflow.take(ticket.ticket_id, "r1")
    workflow.reject(ticket.ticket_id, "r1", "outside_policy", "订单已使用超过无理由退款期限。")
    context, page = new_page(browser, viewport)
    log_in(page, fresh_stack.site_url, "/refunds")
    listed = page.locator(f"tr[data-ticket='{ticket.ticket_id}']")
    assert "已驳回" in listed.inner_text() and "申诉" in listed.inner_text()
    check_page(page, artifacts, "my-refunds-rejected", viewport)
    listed.locator("a").first.click()
    page.wait_for_selector("#reviewer-words")
    assert "订单已使用超过无理由退款期限" in page.inner_text("#reviewer-words")
    check_page(page, artifacts, "ticket-rejected", viewport)
    # Too short an appeal is refused in Chinese and keeps what was typed (the browser's own
    # minlength check is bypassed, as a script or an old browser would).
    page.eval_on_selector("#appeal-text", "e => e.removeAttribute('minlength')")
    page.fill("#appeal-text", "不对")
    page.click("#appeal-submit")
    page.wait_for_selector("#action-error")
    assert "理由" in page.inner_text("#appeal #action-error")  # said next to the field, in Chinese
    assert page.get_attribute("#appeal-text", "aria-invalid") == "true"
    assert page.input_value("#appeal-text") == "不对"
    assert ticket_row(fresh_stack.sessions, ticket.ticket_id).status == "rejected"
    check_page(page, artifacts, "ticket-appeal-error", viewport)
    page.fill("#appeal-text", "我是买后第二天申请的，还在五天无理由期限内，请复核。")
    page.set_input_files("#appeal-files", [{"name": "购买记录.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.click("#appeal-submit")
    page.wait_for_selector(".notice-ok")
    assert "申诉已提交" in page.inner_text("main")
    assert ticket_row(fresh_stack.sessions, ticket.ticket_id).status == "appealed"
    assert "购买记录.png" in page.inner_text("#evidence")
    assert page.locator("#appeal-submit").count() == 0  # one appeal at a time
    check_page(page, artifacts, "ticket-appealed", viewport)
    context.close()


@VIEWPORTS
def test_a_ticket_filed_in_the_chat_shows_in_my_refunds(fresh_stack, browser, artifacts, viewport):
    order = demo_order("in_window")
    context, page = new_page(browser, viewport)
    login(page, fresh_stack.site_url)
    open_widget(page)
    file_refund(page, order.order_id)
    ticket_id = re.search(r"工单号 (RF\d+)", bot_texts(page)).group(1)
    page.goto(f"{fresh_stack.site_url}/refunds")
    listed = page.locator(f"tr[data-ticket='{ticket_id}']")
    assert order.order_id in listed.inner_text() and "1,200.00 元" in listed.inner_text()
    check_page(page, artifacts, "my-refunds-from-chat", viewport)
    listed.locator("a").first.click()
    page.wait_for_selector("#timeline")
    assert page.inner_text("#ticket-amount") == "1,200.00 元"
    assert "withdraw" in page.eval_on_selector("#ticket-actions", "e => e.innerHTML")
    # Applying again on the website for that order is not offered: it names the ticket.
    page.goto(f"{fresh_stack.site_url}/refunds/apply?order_id={order.order_id}")
    assert ticket_id in page.inner_text("#order-error")
    assert page.locator(f"#order-{order.order_id}").count() == 0
    check_page(page, artifacts, "apply-already-filed", viewport)
    context.close()


@VIEWPORTS
def test_an_address_no_page_answers_reads_in_chinese(fresh_stack, browser, artifacts, viewport):
    """A mistyped or truncated link: the customer reads why in Chinese (not the framework's
    English page), with the way back."""
    context, page = new_page(browser, viewport)
    log_in(page, fresh_stack.site_url, "/refunds")
    answer = page.goto(f"{fresh_stack.site_url}/refunds/RF202611050001/files/not-a-number")
    assert answer.status == 404
    assert "没有找到这个页面" in page.inner_text("#page-error")
    answer = page.goto(f"{fresh_stack.site_url}/refunds/apply?mail=" + "x" * 9000)
    assert answer.status == 413 and "过长" in page.inner_text("#page-error")
    check_page(page, artifacts, "unknown-address", viewport)
    page.click("text=我的退款")
    page.wait_for_url("**/refunds")
    context.close()
