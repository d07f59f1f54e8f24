"""The operator dashboard over a seeded period, in a real browser: every headline figure checked
against the database with queries of its own and defined on the page, the totals agreeing across
charts, chart labels whole, the conversations that went wrong listed and opening their transcript,
the NLU inbox linking to conversations, a table exported as CSV equal to the one on the page,
wrong periods refused in Chinese, 1366, 1920 and tablet, no serious accessibility violation."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from bot.clock import customer_day_start, to_customer_time, utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.nlu.turn_signals import read_turn
from bot.storage.schema import ConversationRow, HandoffRow, SurveyRow, TicketRow
from bot.storage.seed import demo_order
from bot.vocabulary import ConversationOutcome
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations


def seed_period(stack) -> None:
    """Conversations with the assistant through the real counters and signal reader, reaching
    different outcomes; handoffs, surveys and a paid SLA claim."""
    activity = stack.services.activity

    def talk(conversation, *texts, fallbacks=0, form=None):
        said = []
        for n, text in enumerate(texts):
            activity.saw(conversation, n < fallbacks, read_turn(text, said), form)
            said.append(text)
            if n < fallbacks:
                stack.services.nlu_review.record(text, "nlu_fallback", 0.1, conversation)

    talk("dash-1", "服务器宕机了", "qwzx 宕机了怎么办", fallbacks=0)
    talk("dash-2", "我要退款", "我要退款", form="refund_form")  # said again, then left mid-form (below)
    talk("dash-3", "退款多久到账")
    talk("dash-4", "我要退款", "不是这个订单，我说的是另一台", "zzqq 看不懂吗", fallbacks=0)
    talk("dash-5", "xkcd qwzx 宕机补偿", fallbacks=1)
    activity.flush()
    activity.reached("dash-3", ConversationOutcome.ANSWERED)
    with stack.sessions.begin() as db:  # dash-2's customer left an hour ago, mid-form
        db.execute(update(ConversationRow).where(ConversationRow.conversation_id == "dash-2")
                   .values(last_message_at=utcnow() - timedelta(hours=1)))
    handoffs = HandoffService(stack.sessions, SupportSettings(stack.support_file))
    first = handoffs.request("dash-1", "c1001", "complaint", None, {"customer_said": ["服务器宕机了"]}).handoff
    handoffs.claim(first.id, "a1")
    handoffs.request("dash-5", None, "fallback", None, {})
    for conversation, score in (("dash-1", 5), ("dash-5", 3)):
        handoffs.record_survey(conversation, None, score, None)
    # An SLA claim issued as a voucher: counted apart from the money refunded.
    claim = stack.services.refunds.file_sla_claim("c1004", demo_order("sla_claim").order_id).ticket
    for step in ("take", "approve", "start_payout"):
        getattr(stack.services.workflow, step)(claim.ticket_id, "r1")
    stack.services.workflow.mark_paid(claim.ticket_id, "r1", "VC-DASH-1")


def expected(stack, days: int) -> dict:
    """The headline figures computed again here, from the rows, by each figure's definition."""
    today = to_customer_time(utcnow()).date()
    since = today - timedelta(days=days - 1)
    start, end = customer_day_start(since), customer_day_start(today + timedelta(days=1))
    with stack.sessions() as db:
        talked = db.scalars(select(ConversationRow).where(ConversationRow.started_at >= start,
                                                          ConversationRow.started_at < end)).all()
        ids = [c.conversation_id for c in talked]
        live = db.scalars(select(HandoffRow).where(HandoffRow.conversation_id.in_(ids), HandoffRow.kind == "live")
                          .order_by(HandoffRow.created_at)).all()
        filed = set(db.scalars(select(TicketRow.conversation_id).where(TicketRow.conversation_id.in_(ids))))
        tickets = db.scalars(select(TicketRow).where(TicketRow.created_at >= start, TicketRow.created_at < end)).all()
        paid = [t for t in tickets if t.status == "refunded"]
        refunded = sum((t.final_amount or t.quoted_amount for t in paid if t.kind != "sla_claim"), Decimal(0))
        vouchers = sum((t.final_amount or t.quoted_amount for t in paid if t.kind == "sla_claim"), Decimal(0))
        scores = db.scalars(select(SurveyRow.score).where(SurveyRow.created_at >= start)).all()
    first = {}
    for h in live:
        first.setdefault(h.conversation_id, h.reason)
    done = [c for c in talked if c.conversation_id not in first and (c.conversation_id in filed or c.answered or c.withdrawn)]
    left_mid_form = [c for c in talked if c.conversation_id not in first and c not in done and c.last_form
                     and utcnow() - c.last_message_at >= timedelta(minutes=30)]
    wrong = {c.conversation_id for c in talked if c.fallbacks or c.repeats or c.corrections or c in left_mid_form
             or first.get(c.conversation_id) in ("fallback", "dissatisfied")}
    messages, missed = sum(c.messages for c in talked), sum(c.fallbacks for c in talked)
    return {"since": since, "today": today, "会话数": str(len(talked)), "wrong": wrong,
            "自助办成率": f"{len(done) * 100 / len(talked):.1f}%", "转人工的会话": str(len(first)),
            "出问题的会话": str(len(wrong)),
            "新工单": str(len(tickets)), "已退款金额": f"{refunded:,.2f} 元", "已发放补偿代金券": f"{vouchers:,.2f} 元",
            "满意度均分": f"{sum(scores) / len(scores):.2f}", "没听懂比例": f"{missed * 100 / messages:.1f}%"}


def column_sum(page, key: str, column: int) -> int:
    return sum(int(cell.text_content()) for cell in page.locator(f"#table-{key} tbody tr td:nth-child({column})").all())


def labels_fit(page) -> bool:
    """Every chart label lies wholly inside its chart (none clipped at the left or right)."""
    return page.evaluate("""() => [...document.querySelectorAll('svg.chart')].every(svg => {
        const box = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text')].every(t => { const b = t.getBBox();
          return b.x >= box.x - 0.5 && b.x + b.width <= box.x + box.width + 0.5; }); })""")


def test_dashboard_figures_match_the_database(fresh_stack, browser, artifacts, tmp_path):
    seed_period(fresh_stack)
    want = expected(fresh_stack, 60)
    assert want["新工单"] != "0" and want["已退款金额"] != "0.00 元"  # the demo tickets are in the period
    assert want["已发放补偿代金券"] != "0.00 元" and want["wrong"] == {"dash-2", "dash-4", "dash-5"}

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="o2", home="/console")  # with the transcripts grant
    page.click("nav >> text=运营看板")
    page.fill("input[name=from]", want["since"].isoformat())
    page.fill("input[name=to]", want["today"].isoformat())
    page.click("form[aria-label='选择时间段'] button")
    for name in ("会话数", "自助办成率", "转人工的会话", "出问题的会话", "新工单", "已退款金额", "已发放补偿代金券",
                 "满意度均分", "没听懂比例"):
        assert page.inner_text(f"dd[data-figure='{name}']") == want[name], name
        assert page.locator("#definitions dt", has_text=name).count() == 1, name  # defined once, on the page
    # The totals agree across the charts.
    talked, handed = int(want["会话数"]), int(want["转人工的会话"])
    assert column_sum(page, "outcomes", 2) == column_sum(page, "daily", 2) == talked
    assert column_sum(page, "handoffs", 2) == column_sum(page, "daily", 3) == handed
    assert column_sum(page, "daily", 5) == page.locator("table.troubled tbody tr").count() == len(want["wrong"])
    daily = page.locator("#table-daily tbody tr")
    assert daily.count() == 60 and page.locator("#table-daily svg.chart rect").count() == 60
    assert page.locator("#table-fallbacks").count() == 1 and page.locator("#table-csat svg.chart").count() == 1
    assert labels_fit(page)
    assert {row.get_attribute("data-conversation") for row in page.locator("table.troubled tbody tr").all()} \
        == want["wrong"]
    page.screenshot(path=str(artifacts / "dashboard-1366.png"), full_page=True)
    assert serious_violations(page) == []

    shown = [[cell.inner_text() for cell in row.locator("td").all()]
             for row in page.locator("#table-ticket_reasons tbody tr").all()]
    with page.expect_download() as download:
        page.click("#table-ticket_reasons >> text=导出 CSV")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["原因", "工单数", "已退款金额（元）"] and rows[1:] == shown

    page.set_viewport_size({"width": 1920, "height": 1080})
    assert fits_the_width(page) and labels_fit(page)
    page.screenshot(path=str(artifacts / "dashboard-1920.png"), full_page=True)

    # A conversation that went wrong opens with its transcript-side facts.
    page.click("tr[data-conversation='dash-4'] >> text=查看会话记录")
    assert page.url.endswith("/console/conversations/dash-4")
    assert "客户纠正" in page.inner_text("main") and page.inner_text("#outcome") == "进行中"  # the customer wrote just now
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=str(artifacts / "dashboard-conversation-1366.png"), full_page=True)
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet
    page.goto(f"{fresh_stack.site_url}/console/dashboard?from={want['since']}&to={want['today']}")
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "dashboard-tablet.png"), full_page=True)

    page.goto(f"{fresh_stack.site_url}/console/dashboard?from=yesterday")
    assert "格式不对" in page.inner_text("[role=alert]")
    page.goto(f"{fresh_stack.site_url}/console/dashboard?from=2026-01-01&to=2026-12-31")
    assert "不超过 92 天" in page.inner_text("[role=alert]")
    context.close()


def test_the_nlu_inbox_links_each_message_to_its_conversation(fresh_stack, browser, artifacts):
    seed_period(fresh_stack)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="o2", home="/console")
    page.goto(f"{fresh_stack.site_url}/console/nlu")
    row = page.locator("tr.review-row", has_text="xkcd qwzx")
    page.screenshot(path=str(artifacts / "nlu-inbox-links-1366.png"), full_page=True)
    assert serious_violations(page) == []
    row.locator("a.conversation-link").click()
    assert page.url.endswith("/console/conversations/dash-5")
    assert page.inner_text("#outcome") == "助手没办成，转人工"
    context.close()
    plain = browser.new_context(locale="zh-CN").new_page()  # o1: no transcripts grant, no link
    console_login(plain, fresh_stack.site_url, staff="o1", home="/console/dashboard")
    plain.goto(f"{fresh_stack.site_url}/console/nlu")
    assert plain.locator("a.conversation-link").count() == 0 and plain.locator(".conversation-id").count() > 0
    assert plain.goto(f"{fresh_stack.site_url}/console/conversations/dash-5").status == 403
    plain.context.close()


def test_only_operators_see_the_dashboard(fresh_stack, browser):
    page = browser.new_context(locale="zh-CN").new_page()
    console_login(page, fresh_stack.site_url, staff="r1")
    assert "运营看板" not in page.inner_text("nav")
    assert page.goto(f"{fresh_stack.site_url}/console/dashboard").status == 403
    assert page.goto(f"{fresh_stack.site_url}/console/dashboard/csv/daily").status == 403
    page.context.close()
