"""The console live, with two browsers: a customer in the widget and an agent in the console.
The agent's pages are never reloaded (a marker set on load must survive): the new chat, what
the customer types and writes, and a reviewer's decision elsewhere all arrive by themselves.
Then the three-column layout on a laptop, a tablet and a phone, and the history of closed
conversations with its search and date filter."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import to_customer_time, utcnow
from bot.storage.schema import HandoffRow
from bot.storage.seed import demo_order
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations
from tests.browser.widget import bot_texts, file_refund, login, open_widget, send, wait_for_bot

NOT_RELOADED = "() => window.__loaded === 1"


def mark_loaded(page) -> None:
    page.evaluate("() => { window.__loaded = 1; }")


def test_customer_messages_typing_and_ticket_changes_arrive_without_reload(fresh_stack, browser, artifacts):
    customer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone
    agent_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        agent = agent_ctx.new_page()
        console_login(agent, fresh_stack.site_url)
        agent.wait_for_function("() => document.getElementById('live-state').textContent.includes('实时')")
        mark_loaded(agent)

        customer = customer_ctx.new_page()
        login(customer, fresh_stack.site_url)
        open_widget(customer)
        wait_for_bot(customer, "我是云途退款助手")
        order = demo_order("in_window").order_id
        file_refund(customer, order)
        assert "打分" not in bot_texts(customer)  # nothing is resolved yet: no survey after filing
        send(customer, "转人工")
        wait_for_bot(customer, "正在为您转接人工客服")

        # The queue page learns of the customer by itself.
        agent.wait_for_function("() => document.title.includes('1 人排队')", timeout=10_000)
        assert agent.evaluate(NOT_RELOADED)
        agent.click(".queue-row button.claim")
        agent.wait_for_url("**/console/handoffs/*")
        agent.wait_for_selector("#reply-text", state="visible")
        agent.wait_for_function("() => document.querySelector('#mini-queue').innerText.includes('张伟')")
        mark_loaded(agent)

        # Typing shows 「客户正在输入…」; the message itself appears in the transcript and the queue column.
        customer.fill(".rw-new-message", "我刚才又看了一下账单")
        agent.wait_for_function("() => document.getElementById('customer-typing').textContent.includes('客户正在输入')",
                                timeout=10_000)
        customer.click("button.rw-send")
        agent.wait_for_function("t => document.querySelector('#transcript').innerText.includes(t)",
                                arg="又看了一下账单", timeout=10_000)
        agent.wait_for_function("t => document.querySelector('#mini-queue').innerText.includes(t)",
                                arg="又看了一下账单", timeout=10_000)
        assert agent.inner_text("#customer-typing") == ""  # the message ended the typing mark

        # A reviewer elsewhere takes the linked ticket: the agent's ticket panel follows.
        with fresh_stack.sessions() as db:
            handoff = db.scalars(select(HandoffRow).where(HandoffRow.customer_id == "c1001")).one()
        assert handoff.ticket_id is not None
        fresh_stack.services.workflow.take(handoff.ticket_id, "r1")
        agent.wait_for_function("() => document.querySelector('#ticket').innerText.includes('审核中')",
                                timeout=10_000)
        assert agent.evaluate(NOT_RELOADED)
        agent.screenshot(path=str(artifacts / "console-live-conversation-1366.png"))

        # The agent typing shows in the widget, then the reply arrives in the agent's own bubble.
        agent.type("#reply-text", "收到，我看一下您的账单。", delay=30)
        customer.wait_for_selector(".rw-agent-typing:has-text('人工客服 小李 正在输入…')", timeout=10_000)
        customer.screenshot(path=str(artifacts / "widget-agent-typing-phone.png"))
        agent.click("#send-reply")
        wait_for_bot(customer, "收到，我看一下您的账单。")
        customer.wait_for_selector(".rw-agent-typing", state="hidden", timeout=10_000)  # the message ends it
        bubble = customer.locator(".rw-response.rw-agent").last
        assert bubble.get_attribute("data-agent") == "人工客服 · 小李" and bubble.get_attribute("data-initial") == "李"
        assert bubble.evaluate("e => getComputedStyle(e, '::after').content") == '"李"'  # the avatar's initial
        assert "打分" not in bot_texts(customer)  # still no survey while the agent is helping
        # Closing asks for the survey once; the console page turns into a read-only record.
        agent.click("#close")
        wait_for_bot(customer, "请为本次服务打分")
        assert bot_texts(customer).count("请为本次服务打分") == 1
        agent.wait_for_function("() => document.getElementById('reply-state').textContent.includes('会话已结束')")
        assert not agent.is_visible("#reply-text")
        assert agent.evaluate(NOT_RELOADED)
    finally:
        customer_ctx.close()
        agent_ctx.close()


def handoff_for(stack, conversation: str) -> int:
    with stack.sessions() as db:
        handoff = db.scalars(select(HandoffRow.id).where(HandoffRow.conversation_id == conversation)).first()
    assert handoff is not None
    return handoff


def test_three_columns_on_a_laptop_and_collapsed_on_a_tablet_and_a_phone(fresh_stack, browser, artifacts):
    fresh_stack.say("layout-other", "转人工")
    fresh_stack.say("layout-three", "我要投诉，服务器一直连不上")
    handoff = handoff_for(fresh_stack, "layout-three")
    sizes = {"laptop": (1366, 768), "tablet": (1024, 768), "phone": (390, 844)}
    for name, (width, height) in sizes.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        console_login(page, fresh_stack.site_url)
        page.goto(f"{fresh_stack.site_url}/console/handoffs/{handoff}")
        page.wait_for_function("() => document.querySelector('#transcript').innerText.includes('连不上')")
        page.wait_for_function("() => document.querySelectorAll('#mini-queue li.mini-row').length === 2")
        assert fits_the_width(page), name
        queue = page.locator("#queue-column").bounding_box()
        talk = page.locator(".conversation-col").bounding_box()
        side = page.locator(".side-col").bounding_box()
        assert queue and talk and side
        if name == "laptop":  # queue · conversation · customer side by side, the queue open
            assert queue["x"] + queue["width"] <= talk["x"] and talk["x"] + talk["width"] <= side["x"]
            assert page.is_visible("#mini-queue")
        elif name == "tablet":  # the queue folds above; conversation and customer stay side by side
            assert not page.is_visible("#mini-queue") and queue["y"] + queue["height"] <= talk["y"]
            assert talk["x"] + talk["width"] <= side["x"]
        else:  # one column: the queue (folded), the conversation, then the customer
            assert queue["y"] < talk["y"] < side["y"]
        page.click("#queue-column summary")  # unfolds (or folds) with a click or the keyboard
        assert page.is_visible("#mini-queue") == (name != "laptop")
        assert page.locator("#mini-queue a[aria-current='page']").count() == 1
        page.screenshot(path=str(artifacts / f"console-three-columns-{name}.png"), full_page=True)
        assert serious_violations(page) == [], name
        page.goto(f"{fresh_stack.site_url}/console")  # the queue page at the same size
        page.wait_for_function("() => document.querySelectorAll('#queue .queue-row').length === 2")
        assert fits_the_width(page), f"queue {name}"
        page.screenshot(path=str(artifacts / f"console-queue-{name}.png"), full_page=True)
        assert serious_violations(page) == [], f"queue {name}"
        context.close()


def test_history_of_closed_conversations_by_words_customer_and_date(fresh_stack, browser, artifacts):
    fresh_stack.say("history-one", "我要投诉，硬盘数据丢了")
    fresh_stack.say("history-two", "转人工")
    handoffs = fresh_stack.services.handoffs
    first, second = handoff_for(fresh_stack, "history-one"), handoff_for(fresh_stack, "history-two")
    handoffs.customer_said("history-two", "发票抬头写错了")
    for handoff in (first, second):
        assert handoffs.claim(handoff, "a1") and handoffs.finish(handoff, "a1", "closed") is not None

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_login(page, fresh_stack.site_url)
    page.click("nav >> text=历史会话")
    page.wait_for_url("**/console/history")
    rows = page.locator("tr.finished")
    assert rows.count() == 2 and "客服结束" in rows.first.inner_text()

    page.fill("input[name=q]", "发票抬头")
    page.click("form[role=search] button[type=submit]")
    assert page.locator("tr.finished").count() == 1 and f"#{second}" in page.inner_text("tr.finished")
    page.fill("input[name=q]", "a1")
    page.click("form[role=search] button[type=submit]")
    assert page.locator("tr.finished").count() == 2

    today = to_customer_time(utcnow()).date()
    page.goto(f"{fresh_stack.site_url}/console/history?from={today + timedelta(days=1)}")
    assert page.locator("tr.finished").count() == 0 and "没有符合条件的会话" in page.inner_text("main")
    page.goto(f"{fresh_stack.site_url}/console/history?from={today}&to={today}")
    assert page.locator("tr.finished").count() == 2
    page.goto(f"{fresh_stack.site_url}/console/history?from=yesterday")
    assert "开始日期格式不对" in page.inner_text("[role=alert]")
    page.goto(f"{fresh_stack.site_url}/console/history?from={today}&to={today - timedelta(days=3)}")
    assert "开始日期不能晚于结束日期" in page.inner_text("[role=alert]")

    page.goto(f"{fresh_stack.site_url}/console/history?q=硬盘")
    page.screenshot(path=str(artifacts / "console-history.png"), full_page=True)
    assert serious_violations(page) == []
    page.click("tr.finished a")
    page.wait_for_function("() => document.querySelector('#transcript').innerText.includes('硬盘数据丢了')")
    assert "会话已结束（客服结束）" in page.inner_text("#reply-state")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{fresh_stack.site_url}/console/history")
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "console-history-phone.png"), full_page=True)
    context.close()
