"""The operator dashboard over a seeded period, in a real browser: every headline figure checked
against the database with queries of its own, a table exported as CSV equal to the one on the
page, wrong periods refused in Chinese, laptop and tablet, no serious accessibility violation."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.clock import customer_day_start, to_customer_time, utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.storage.schema import ConversationDayRow, HandoffRow, MessageDayRow, SurveyRow, TicketRow
from bot.storage.seed import demo_order
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations


def seed_period(stack) -> None:
    activity = stack.services.activity
    for conversation, fallback in [("dash-1", False), ("dash-1", True), ("dash-2", False), ("dash-3", False)]:
        activity.saw(conversation, fallback)
    activity.flush()
    handoffs = HandoffService(stack.sessions, SupportSettings(stack.support_file))
    first = handoffs.request("dash-1", "c1001", "complaint", None, {"customer_said": ["服务器宕机了"]}).handoff
    handoffs.claim(first.id, "a1")
    handoffs.request("dash-2", None, "requested", None, {})
    for conversation, score in (("dash-1", 5), ("dash-2", 3)):
        handoffs.record_survey(conversation, None, score, None)
    # An SLA claim issued as a voucher: counted apart from the money refunded.
    claim = stack.services.refunds.file_sla_claim("c1004", demo_order("sla_claim").order_id).ticket
    for step in ("take", "approve", "start_payout"):
        getattr(stack.services.workflow, step)(claim.ticket_id, "r1")
    stack.services.workflow.mark_paid(claim.ticket_id, "r1", "VC-DASH-1")


def expected(stack, days: int) -> dict:
    today = to_customer_time(utcnow()).date()
    since = today - timedelta(days=days - 1)
    start, end = customer_day_start(since), customer_day_start(today + timedelta(days=1))
    with stack.sessions() as db:
        talked = set(db.scalars(select(ConversationDayRow.conversation_id).where(ConversationDayRow.day >= since)))
        handed = set(db.scalars(select(HandoffRow.conversation_id).where(HandoffRow.created_at >= start,
                                                                          HandoffRow.kind == "live")))
        tickets = db.scalars(select(TicketRow).where(TicketRow.created_at >= start, TicketRow.created_at < end)).all()
        paid = [t for t in tickets if t.status == "refunded"]
        refunded = sum((t.final_amount or t.quoted_amount for t in paid if t.kind != "sla_claim"), Decimal(0))
        vouchers = sum((t.final_amount or t.quoted_amount for t in paid if t.kind == "sla_claim"), Decimal(0))
        scores = db.scalars(select(SurveyRow.score).where(SurveyRow.created_at >= start)).all()
        messages, missed = db.execute(select(func.sum(MessageDayRow.messages), func.sum(MessageDayRow.fallbacks))
                                      .where(MessageDayRow.day >= since)).one()
    return {"since": since, "today": today, "会话数": str(len(talked)),
            "自助完成率": f"{len(talked - handed) * 100 / len(talked):.1f}%", "转人工": str(len(handed)),
            "新工单": str(len(tickets)), "已退款金额": f"{refunded:.2f} 元", "已发放补偿代金券": f"{vouchers:.2f} 元",
            "满意度均分": f"{sum(scores) / len(scores):.2f}", "没听懂比例": f"{missed * 100 / messages:.1f}%"}


def test_dashboard_figures_match_the_database(fresh_stack, browser, artifacts, tmp_path):
    seed_period(fresh_stack)
    want = expected(fresh_stack, 60)
    assert want["新工单"] != "0" and want["已退款金额"] != "0.00 元"  # the demo tickets are in the period
    assert want["已发放补偿代金券"] != "0.00 元"

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="o1", home="/console/dashboard")
    page.click("nav >> text=运营看板")
    page.fill("input[name=from]", want["since"].isoformat())
    page.fill("input[name=to]", want["today"].isoformat())
    page.click("form[aria-label='选择时间段'] button")
    for name in ("会话数", "自助完成率", "转人工", "新工单", "已退款金额", "已发放补偿代金券", "满意度均分", "没听懂比例"):
        assert page.inner_text(f"dd[data-figure='{name}']") == want[name], name
    daily = page.locator("#table-daily tbody tr")
    assert daily.count() == 60 and page.locator("#table-daily svg.chart rect").count() == 60
    assert page.locator("#table-fallbacks").count() == 1 and page.locator("#table-csat svg.chart").count() == 1
    page.screenshot(path=str(artifacts / "dashboard-laptop.png"), full_page=True)
    assert serious_violations(page) == []

    shown = [[cell.inner_text() for cell in row.locator("td").all()]
             for row in page.locator("#table-ticket_reasons tbody tr").all()]
    with page.expect_download() as download:
        page.click("#table-ticket_reasons >> text=导出 CSV")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["原因", "工单数", "已退款金额（元）"] and rows[1:] == shown

    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "dashboard-tablet.png"), full_page=True)

    page.goto(f"{fresh_stack.site_url}/console/dashboard?from=yesterday")
    assert "格式不对" in page.inner_text("[role=alert]")
    page.goto(f"{fresh_stack.site_url}/console/dashboard?from=2026-01-01&to=2026-12-31")
    assert "不超过 92 天" in page.inner_text("[role=alert]")
    context.close()


def test_only_operators_see_the_dashboard(fresh_stack, browser):
    page = browser.new_context(locale="zh-CN").new_page()
    console_login(page, fresh_stack.site_url, staff="r1")
    assert "运营看板" not in page.inner_text("nav")
    assert page.goto(f"{fresh_stack.site_url}/console/dashboard").status == 403
    assert page.goto(f"{fresh_stack.site_url}/console/dashboard/csv/daily").status == 403
    page.context.close()
