"""An agent misses nothing, in Chromium with two browsers (a customer in the widget, the agent
in the console): a message in a second chat they hold marks it unread (with a count, kept on
the server across a reload) while they work on another conversation; a new customer in the
queue changes the title and beeps on any console page (the beep counted by a hook on
WebAudio's oscillators), unless the agent turned the sound off, which is remembered; opening
the chat marks it read; complaints are marked and sorted first; the agent transfers the chat
to a colleague logged in (a third browser) with a note: the customer is told, the colleague
alerted. Screenshots at 1366 and 1920, axe-core."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.clock import utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.storage.schema import HandoffRow
from bot.vocabulary import HandoffOutcome
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations
from tests.browser.widget import login, open_widget, send, wait_for_bot

COUNT_BEEPS = """
window.__beeps = 0;
const realStart = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.__beeps += 1; return realStart.apply(this, args); };
"""
BEEPS = "() => window.__beeps"


def title_count(page) -> int:
    """The number the title leads with: 「(3) 新消息 · …」."""
    return int(page.title().split(")")[0].lstrip("("))


def unread_badge(page, handoff_id: int) -> str:
    return f"#mini-queue li.my-chat[data-id='{handoff_id}'] .unread"


def test_unread_badges_title_and_sound_alerts_on_every_page(fresh_stack, browser, artifacts):
    site = fresh_stack.site_url
    handoffs = HandoffService(fresh_stack.sessions, SupportSettings(fresh_stack.support_file))
    other = handoffs.request("attention-other", None, "requested", None, {"customer_said": ["发票怎么开？"]}).handoff
    assert other is not None and handoffs.claim(other.id, "a2")
    customer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    agent_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    colleague_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    for ctx in (agent_ctx, colleague_ctx):
        ctx.add_init_script(COUNT_BEEPS)
    try:
        agent = agent_ctx.new_page()
        console_login(agent, site)  # a2: agent and reviewer
        customer = customer_ctx.new_page()
        login(customer, site)
        open_widget(customer)
        wait_for_bot(customer, "我是云途退款助手")
        send(customer, "转人工")
        wait_for_bot(customer, "正在为您转接人工客服")
        agent.wait_for_function("() => document.title.includes('1 人排队')", timeout=10_000)
        assert agent.evaluate(BEEPS) >= 1  # the queue page beeped for the new customer
        agent.click(".queue-row button.claim")
        agent.wait_for_url("**/console/handoffs/*")
        chat = int(agent.url.rsplit("/", 1)[1])

        # On the other conversation's page, the customer's new message marks their chat unread.
        agent.goto(f"{site}/console/handoffs/{other.id}")
        agent.wait_for_function("() => document.getElementById('live-state').textContent.includes('实时')")
        agent.wait_for_selector(f"#mini-queue li.my-chat[data-id='{chat}']")
        assert agent.locator(unread_badge(agent, chat)).count() == 0
        before = agent.evaluate(BEEPS)
        send(customer, "我刚才又看了一下账单，扣了两次")
        agent.wait_for_selector(unread_badge(agent, chat), timeout=10_000)
        assert agent.inner_text(unread_badge(agent, chat)) == "1 条未读"
        send(customer, "麻烦快点处理")
        agent.wait_for_function(f"() => document.querySelector(\"{unread_badge(agent, chat)}\").textContent === '2 条未读'",
                                timeout=10_000)
        assert agent.title().startswith("(2) 新消息 · 会话 #")
        assert agent.evaluate(BEEPS) >= before + 2  # one beep for each message
        agent.screenshot(path=str(artifacts / "console-attention-unread-1366.png"))
        assert serious_violations(agent) == [] and fits_the_width(agent)

        # Kept by the server: still unread after a reload; the queue shows it too.
        agent.reload()
        agent.wait_for_selector(unread_badge(agent, chat))
        assert agent.inner_text(unread_badge(agent, chat)) == "2 条未读"

        # A new customer (a complaint) joins while the agent is on a conversation page.
        before = agent.evaluate(BEEPS)
        complaint = handoffs.request("attention-complaint", None, "complaint", None,
                                     {"customer_said": ["你们太差劲了，我要投诉"]}).handoff
        assert complaint is not None
        agent.wait_for_function("() => document.title.startsWith('(3) 新消息')", timeout=10_000)
        assert agent.evaluate(BEEPS) == before + 1
        row = agent.locator(f"#mini-queue li[data-id='{complaint.id}']")
        assert "投诉" in row.locator(".tag.complaint").inner_text()
        assert "新客户在排队" in agent.inner_text("#attention-announce")

        # A customer waiting longer than the threshold (5 minutes) is marked and comes next.
        long_wait = handoffs.request("attention-long", None, "requested", None, {"customer_said": ["等很久了"]}).handoff
        assert long_wait is not None
        with fresh_stack.sessions.begin() as db:
            db.execute(update(HandoffRow).where(HandoffRow.id == long_wait.id)
                       .values(created_at=utcnow() - timedelta(minutes=6)))

        # The queue page at 1920: the complaint first, then the long wait, both marked; the unread chat counted.
        agent.set_viewport_size({"width": 1920, "height": 1080})
        agent.goto(f"{site}/console")
        agent.wait_for_selector(f".queue-row[data-id='{long_wait.id}'] .tag.longwait")
        assert agent.inner_text(f".queue-row[data-id='{long_wait.id}'] .tag.longwait") == "等待过久"
        assert [r.get_attribute("data-id") for r in agent.locator(".queue-row").all()][:2] == \
            [str(complaint.id), str(long_wait.id)]
        assert agent.locator(".queue-row.complaint .tag.complaint").inner_text() == "投诉"
        assert agent.inner_text(f".queue-row[data-id='{chat}'] .unread") == "2 条未读"
        # A claim lost to a colleague says so, and the queue's refresh does not erase it.
        lost = handoffs.request("attention-lost", None, "requested", None, {"customer_said": ["在吗"]}).handoff
        assert lost is not None
        agent.wait_for_selector(f".queue-row[data-id='{lost.id}'] button.claim")
        agent.evaluate("id => { window.__claim = document.querySelector(`.queue-row[data-id='${id}'] button.claim`); }",
                       lost.id)
        assert handoffs.claim(lost.id, "a1")
        agent.evaluate("() => window.__claim.click()")
        agent.wait_for_function("() => document.getElementById('claim-error').textContent.includes('已被其他客服接入')")
        agent.wait_for_timeout(2500)  # the stream's refreshes in between
        assert "已被其他客服接入" in agent.inner_text("#claim-error")
        assert handoffs.finish(lost.id, "a1", HandoffOutcome.CLOSED) is not None
        agent.select_option("#queue-status", "mine")
        assert agent.locator(".queue-row:not([hidden])").count() == 2
        agent.select_option("#queue-status", "")
        agent.screenshot(path=str(artifacts / "console-attention-queue-1920.png"))
        assert serious_violations(agent) == [] and fits_the_width(agent)

        # Sound off is remembered across a reload; the title still changes, on the history page too.
        agent.uncheck("#alert-sound")
        agent.goto(f"{site}/console/history")
        agent.wait_for_function("() => document.getElementById('live-state').textContent.includes('实时')")
        assert not agent.is_checked("#alert-sound")
        before, count = agent.evaluate(BEEPS), title_count(agent)
        handoffs.request("attention-quiet", None, "requested", None, {"customer_said": ["你好"]})
        agent.wait_for_function("n => document.title.startsWith('(' + n + ') 新消息')", arg=count + 1, timeout=10_000)
        assert agent.evaluate(BEEPS) == before  # no sound: turned off
        agent.screenshot(path=str(artifacts / "console-attention-history-1920.png"))
        assert serious_violations(agent) == []

        # Sound on again, on a reviewer's page (a2 reviews tickets too): title and beep.
        agent.check("#alert-sound")
        agent.goto(f"{site}/console/tickets")
        agent.wait_for_function("() => document.getElementById('live-state').textContent.includes('实时')")
        assert agent.is_checked("#alert-sound")
        before, count = agent.evaluate(BEEPS), title_count(agent)
        handoffs.request("attention-review", None, "requested", None, {"customer_said": ["人工"]})
        agent.wait_for_function("n => document.title.startsWith('(' + n + ') 新消息')", arg=count + 1, timeout=10_000)
        assert agent.evaluate(BEEPS) == before + 1
        agent.screenshot(path=str(artifacts / "console-attention-review-1920.png"))
        assert serious_violations(agent) == []

        # Opening the chat marks it read, on the server too.
        agent.set_viewport_size({"width": 1366, "height": 768})
        agent.goto(f"{site}/console/handoffs/{chat}")
        agent.wait_for_function("t => document.querySelector('#transcript').innerText.includes(t)", arg="麻烦快点处理")
        agent.wait_for_function("() => !document.title.includes('新消息')", timeout=10_000)
        queue = agent.request.get(f"{site}/console/api/queue").json()
        assert queue["unread_total"] == 0 and {h["id"]: h["unread"] for h in queue["handoffs"]}[chat] == 0

        # Transfer to a colleague logged in, with a note: the customer is told, the colleague
        # alerted (title and beep) on their queue page, the note kept.
        colleague = colleague_ctx.new_page()
        console_login(colleague, site, staff="a1")
        colleague.wait_for_function("() => document.getElementById('live-state').textContent.includes('实时')")
        agent.wait_for_function("() => [...document.querySelectorAll('#transfer-to option')].some(o => o.value === 'a1')",
                                timeout=10_000)
        agent.select_option("#transfer-to", "a1")
        agent.fill("#transfer-note", "客户说扣了两次款，请核对账单")
        agent.click("#transfer")
        agent.get_by_text("已转接，客户已收到通知。").wait_for()
        wait_for_bot(customer, "您的会话已转接给人工客服 小王")
        agent.get_by_text("已转接给 客服 小王：客户说扣了两次款，请核对账单").wait_for()
        assert handoffs.get(chat).agent_id == "a1"
        agent.wait_for_function("() => !document.querySelector('#mini-queue li.my-chat[data-id=\"%d\"]')" % chat,
                                timeout=10_000)
        agent.screenshot(path=str(artifacts / "console-attention-transfer-1366.png"), full_page=True)
        assert serious_violations(agent) == []
        colleague.wait_for_function("t => document.getElementById('attention-announce').textContent.includes(t)",
                                    arg="新分配给你的会话：张伟", timeout=10_000)
        assert colleague.evaluate(BEEPS) >= 1
        colleague.select_option("#queue-status", "mine")
        assert [r.get_attribute("data-id") for r in colleague.locator(".queue-row:not([hidden])").all()] == [str(chat)]
        colleague.screenshot(path=str(artifacts / "console-attention-assigned-1920.png"))
    finally:
        for ctx in (customer_ctx, agent_ctx, colleague_ctx):
            ctx.close()
