"""The reviewers' workspace in a real browser: the ticket queue with filters, a ticket with its
itemised quote and evidence, only the actions its state allows, Chinese reason lists and
Chinese errors; desktop and phone; axe-core finds no serious accessibility violation."""
from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT
from bot.storage.seed import demo_order
from tests.browser.test_handoff import console_login

AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def file_ticket(stack, key: str, reason: str, details: dict, evidence=()):
    order = demo_order(key)
    return stack.services.refunds.file(order.customer_id, order.order_id, reason, details, evidence).ticket


def serious_violations(page) -> list:
    """axe-core (from npm, injected into the page) run on the whole page."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | '))""")


def fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def tickets(fresh_stack):
    outage = file_ticket(fresh_stack, "service_issue", "service_issue",
                         {"incident_time": "2026-11-20T14:00:00+08:00（上周五下午两点）", "incident_instance": "ins-s1a2b3c4",
                          "incident_description": "数据库连接一直超时，网站打不开"},
                         [("text", "数据库连接一直超时，网站打不开"), ("link", "https://pan.example.com/s/abc")])
    window = file_ticket(fresh_stack, "in_window", "demand_change", {})
    return {"outage": outage, "window": window}


def test_reviewer_finds_reviews_and_rejects_a_ticket(fresh_stack, tickets, browser, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="r1")
    page.click("text=退款工单审核")
    page.wait_for_selector("h1:has-text('退款工单审核')")
    outage = tickets["outage"].ticket_id
    assert page.locator(f"a:has-text('{outage}')").count() == 1
    page.select_option("select[name=reason]", "service_issue")
    page.click("button:has-text('筛选')")
    assert page.locator(f"a:has-text('{outage}')").count() == 1
    assert page.locator(f"a:has-text('{tickets['window'].ticket_id}')").count() == 0  # another reason
    page.screenshot(path=str(artifacts / "review-queue-desktop.png"), full_page=True)
    assert serious_violations(page) == []

    page.click(f"a:has-text('{outage}')")
    page.wait_for_selector("h2:has-text('退款金额')")
    body = page.inner_text("main")
    assert "已提交" in body and "服务质量问题" in body and "数据库连接一直超时" in body
    assert "按已使用时长折算" in body or "五天无理由" in body  # the rule, in Chinese
    assert "已使用" in body  # the quote's itemised lines
    # Submitted: the reviewer can only take it; no approve or reject yet.
    assert page.locator("button:has-text('领取审核')").count() == 1
    assert page.locator("legend:has-text('驳回')").count() == 0 and page.locator("legend:has-text('审核通过')").count() == 0
    assert serious_violations(page) == []

    page.click("button:has-text('领取审核')")
    page.wait_for_selector("[role=status]:has-text('已领取')")
    assert page.locator("legend:has-text('驳回')").count() == 1 and page.locator("button:has-text('领取审核')").count() == 0
    options = page.locator("#reject-code option").all_inner_texts()
    assert "提供的材料不足以证明所述问题" in options and all("_" not in o for o in options)  # Chinese, no codes
    page.screenshot(path=str(artifacts / "review-ticket-desktop.png"), full_page=True)

    # 「其他原因」 without a note: refused in Chinese, nothing changes.
    page.select_option("#reject-code", "other")
    page.click("form[action$='/reject'] button")
    page.wait_for_selector("[role=alert]")
    assert "请填写说明" in page.inner_text("[role=alert]") and "审核中" in page.inner_text("h1")

    page.select_option("#reject-code", "insufficient_evidence")
    page.fill("#reject-note", "截图看不出故障时间，请补充监控记录。")
    page.click("form[action$='/reject'] button")
    page.wait_for_selector("[role=status]:has-text('已驳回')")
    page.goto(f"{fresh_stack.site_url}/console/tickets/{outage}")  # a decision moves on to the next ticket
    assert "已驳回" in page.inner_text("h1")
    timeline = page.inner_text("section[aria-labelledby=h-time]")
    assert "驳回：提供的材料不足以证明所述问题" in timeline and "审核员 小陈（r1）" in timeline
    assert page.locator("form[action*='/console/tickets/'] button").count() == 0  # nothing left for a reviewer
    context.close()


def test_amount_change_needs_a_reason_and_works_on_a_phone(fresh_stack, tickets, browser, artifacts):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="r1")
    page.goto(f"{fresh_stack.site_url}/console/tickets?status=submitted")
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "review-queue-phone.png"), full_page=True)
    window = tickets["window"].ticket_id
    page.goto(f"{fresh_stack.site_url}/console/tickets/{window}")
    page.click("button:has-text('领取审核')")
    page.wait_for_selector("legend:has-text('审核通过')")
    page.fill("#approve-amount", "900.00")
    page.click("form[action$='/approve'] button")
    page.wait_for_selector("[role=alert]")
    assert "请填写调整原因" in page.inner_text("[role=alert]") and "审核中" in page.inner_text("h1")
    assert page.input_value("#approve-amount") == "900.00"  # what was typed is kept
    page.fill("#approve-reason", "客户同意扣除已使用的带宽费用")
    page.click("form[action$='/approve'] button")
    page.wait_for_selector("[role=status]:has-text('已审核通过')")
    page.goto(f"{fresh_stack.site_url}/console/tickets/{window}")  # a decision moves on to the next ticket
    body = page.inner_text("main")
    assert "审核确定金额" in body and "900.00" in body and "客户同意扣除已使用的带宽费用" in body
    assert page.locator("button:has-text('发起打款')").count() == 1
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "review-ticket-phone.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()


def test_agents_have_no_review_workspace(fresh_stack, browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="a1")
    assert page.locator("a:has-text('退款工单审核')").count() == 0
    response = page.goto(f"{fresh_stack.site_url}/console/tickets")
    assert response.status == 403 and "审核员角色" in page.inner_text("body")
    context.close()
