"""From an e-mail to a filed ticket, through the real services: 张伟 writes to the support
address from his registered address (real SMTP to `python -m bot.mail`, with a screenshot
attached); the reply (read from the relay's sink) carries a one-time link; opened in Chromium it
asks for the login, then shows the application prefilled with what the e-mail said and its
attachment; the customer checks the quote and confirms on the website; the link is spent."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from bot.storage.schema import TicketRow, UploadRow
from bot.storage.seed import demo_order
from tests.browser.test_refund_pages import DESKTOP, check_page, new_page
from tests.browser.test_upload_login import PNG
from tests.mail import fixtures
from tests.mail.conftest import mail_service

ZHANG = "zhangwei@example.com"


def test_a_mailed_link_opens_the_prefilled_application_which_is_confirmed_on_the_web(
        fresh_stack, browser, artifacts, tmp_path):
    order = demo_order("in_window")
    tag = uuid.uuid4().hex[:8]
    env = {"REFUND_SITE_URL": fresh_stack.site_url, "REFUND_UPLOAD_DIR": fresh_stack.env["REFUND_UPLOAD_DIR"]}
    with mail_service(tmp_path, db=fresh_stack.env["REFUND_DB_URL"], **env) as intake:
        intake.send(fixtures.with_attachments(f"张伟 <{ZHANG}>", tag, [("购买页面截图.png", PNG, "image/png")],
                                              text=f"你好，订单 {order.order_id} 买错了配置，想退款。"), mail_from=ZHANG)
        reply = intake.sink.wait(ZHANG, tag)
    link = re.search(re.escape(fresh_stack.site_url) + r"/mail/link/[\w.-]+", reply.plain).group(0)

    context, page = new_page(browser, DESKTOP)
    page.goto(link)
    page.wait_for_url(lambda url: "/login" in url)  # the link alone is no identity
    page.fill("#customer_id", "c1001")
    page.fill("#password", "demo123")
    page.click("#login-submit")
    page.wait_for_selector("#application-form")
    assert order.order_id in page.inner_text("#chosen-order")
    assert page.is_checked("input[name=reason][value=wrong_purchase]")  # read from the e-mail
    assert page.is_visible("#drafted-files")  # its attachment, kept with the draft, is seen to go with it
    assert "购买页面截图.png" in page.inner_text("#drafted-files")
    check_page(page, artifacts, "mail-link-prefilled", DESKTOP)
    page.click("#to-quote")
    page.wait_for_selector("#quote-lines")
    page.click("#confirm-submit")  # the money decision is taken here, logged in, not by mail
    page.wait_for_url(re.compile(r"/refunds/RF\d+"))
    page.wait_for_selector(".notice-ok >> text=申请已提交")
    ticket_id = page.inner_text("h1").replace("工单", "").strip()
    with fresh_stack.sessions() as db:
        ticket = db.scalars(select(TicketRow).where(TicketRow.ticket_id == ticket_id)).one()
        files = [u.filename for u in db.scalars(select(UploadRow).where(UploadRow.ticket_id == ticket_id))]
    assert (ticket.customer_id, ticket.order_id, ticket.reason) == ("c1001", order.order_id, "wrong_purchase")
    assert files == ["购买页面截图.png"]
    answer = page.goto(link)  # once only
    assert answer.status == 403 and "已经使用过" in page.inner_text("main")
    context.close()
