"""A reviewer works a downgrade and an SLA claim in a real browser: the page says what approving
does to the resource, and an SLA claim is issued as a voucher (its own words, no 打款);
desktop and phone, axe-core."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import PHONE, fits_the_width, serious_violations


def test_reviewer_issues_an_sla_voucher_and_sees_a_downgrade_keeps_the_server(fresh_stack, browser, artifacts):
    refunds = fresh_stack.services.refunds
    claim = refunds.file_sla_claim("c1004", demo_order("sla_claim").order_id, "前天宕机了一上午").ticket
    downgrade = refunds.file_downgrade("c1004", demo_order("downgrade").order_id, "ecs.2c4g").ticket

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="r1")
    page.goto(f"{fresh_stack.site_url}/console/tickets")
    queue = page.inner_text("main")
    assert "SLA 补偿（发放代金券，不退现金）" in queue and "降配退款（保留资源）" in queue

    page.goto(f"{fresh_stack.site_url}/console/tickets/{downgrade.ticket_id}")
    body = page.inner_text("main")
    assert "降为「2核4G」" in body and "不释放资源" in body and "退款金额" in body
    page.screenshot(path=str(artifacts / "review-downgrade-desktop.png"), full_page=True)
    assert serious_violations(page) == []

    page.goto(f"{fresh_stack.site_url}/console/tickets/{claim.ticket_id}")
    body = page.inner_text("main")
    assert "补偿金额" in body and "以代金券发放" in body and "不退现金" in body
    page.click("button:has-text('领取审核')")
    page.wait_for_selector("[role=status]:has-text('已领取')")
    page.click("form[action$='/approve'] button")
    page.wait_for_selector("[role=status]:has-text('已审核通过')")
    page.goto(f"{fresh_stack.site_url}/console/tickets/{claim.ticket_id}")  # a decision moves on to the next ticket
    assert page.locator("button:has-text('发起打款')").count() == 0
    page.click("button:has-text('发放代金券')")
    page.wait_for_selector("label:has-text('代金券编号')")
    page.fill("#payout-ref", "VC-20261203-0001")
    page.click("button:has-text('确认已发放')")
    page.wait_for_selector("[role=status]:has-text('已确认代金券发放')")
    page.goto(f"{fresh_stack.site_url}/console/tickets/{claim.ticket_id}")  # a decision moves on to the next ticket
    page.wait_for_selector("h1:has-text('代金券已发放')")
    page.screenshot(path=str(artifacts / "review-sla-claim-desktop.png"), full_page=True)
    assert serious_violations(page) == []
    with fresh_stack.sessions() as db:
        row = db.scalars(select(TicketRow).where(TicketRow.ticket_id == claim.ticket_id)).one()
        assert (row.status, row.payout_reference, row.kind) == ("refunded", "VC-20261203-0001", "sla_claim")

    phone = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True).new_page()
    console_login(phone, fresh_stack.site_url, staff="r1")
    phone.goto(f"{fresh_stack.site_url}/console/tickets/{claim.ticket_id}")
    assert "代金券已发放" in phone.inner_text("main") and fits_the_width(phone)
    phone.screenshot(path=str(artifacts / "review-sla-claim-phone.png"), full_page=True)
    assert serious_violations(phone) == []
