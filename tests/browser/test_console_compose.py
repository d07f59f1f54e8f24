"""The agent's reply box and the history's full-text search, in Chromium against the running
stack: canned replies inserted at the cursor with the conversation's customer, order and ticket
filled in (an unknown one marked and refused), searched with 「/」 from the keyboard; every word
said or noted in a finished conversation found, with the line it is in, at 1366 and 1920 px."""
from __future__ import annotations

from sqlalchemy import select

from bot.handoff.canned import load_canned
from bot.handoff.service import HISTORY_LIMIT
from bot.storage.schema import HandoffRow, TicketRow
from tests.browser.test_console_live import handoff_for
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import serious_violations

DESKTOPS = {"1366": (1366, 768), "1920": (1920, 1080)}


def box_value(page) -> str:
    return page.input_value("#reply-text")


def selected_text(page) -> str:
    return page.evaluate("() => { const b = document.getElementById('reply-text');"
                         " return b.value.slice(b.selectionStart, b.selectionEnd); }")


def test_canned_replies_insert_at_the_cursor_filled_searched_with_slash(fresh_stack, browser, artifacts):
    fresh_stack.say("compose-one", "转人工")
    handoff = handoff_for(fresh_stack, "compose-one")
    services = fresh_stack.services
    with fresh_stack.sessions() as db:
        customer_id = db.get(HandoffRow, handoff).customer_id
        ticket = db.scalars(select(TicketRow).where(TicketRow.customer_id == customer_id)).first()
    name = services.customers.get(customer_id).name
    replies = load_canned(services.settings.canned_replies_file)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="a1")
    page.goto(f"{fresh_stack.site_url}/console/handoffs/{handoff}")
    page.click("#claim-here")
    page.wait_for_selector("#reply-text", state="visible")

    # 「/」 opens the list of every reply; typing narrows it; arrows move, Esc closes it.
    page.type("#reply-text", "好的。", delay=10)
    page.type("#reply-text", "/", delay=10)
    options = page.locator("#canned-list [role=option]")
    assert page.locator("#canned-list[role=listbox]").is_visible() and options.count() == len(replies)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    third = page.get_attribute("#reply-text", "aria-activedescendant")
    assert page.get_attribute(f"#{third}", "aria-selected") == "true" and replies[2].title in page.inner_text(f"#{third}")
    page.keyboard.press("Escape")
    assert page.locator("#canned-list").is_hidden() and box_value(page) == "好的。/"
    page.keyboard.press("Backspace")
    page.type("#reply-text", "/加急", delay=10)
    assert options.count() == 1 and "工单已加急" in options.first.inner_text()
    page.screenshot(path=str(artifacts / "console-canned-slash-1366.png"))
    assert serious_violations(page) == []
    page.keyboard.press("Enter")

    # No ticket linked yet: 「{工单号}」 stays, is pointed out and selected, and cannot be sent.
    assert box_value(page).startswith("好的。您的退款工单 {工单号} 已经为您加急") and page.locator("#canned-list").is_hidden()
    assert selected_text(page) == "{工单号}" and "{工单号}" in page.inner_text("#reply-unfilled")
    page.screenshot(path=str(artifacts / "console-canned-unfilled-1366.png"))
    page.click("#send-reply")
    assert "没填写" in page.inner_text("#action-error")
    refused = page.evaluate("() => post('/console/api/handoffs/' + ID + '/reply', {text: '工单 {工单号} 已加急'})")
    assert refused["status"] == 422 and "{工单号}" in refused["data"]["error"]
    assert "已经为您加急" not in page.inner_text("#transcript")

    # Once the conversation names the ticket, the same reply comes filled, where the cursor is.
    services.handoffs.link_ticket(handoff, ticket.ticket_id)
    page.wait_for_function("t => document.getElementById('ticket').innerText.includes(t)", arg=ticket.ticket_id)
    page.fill("#reply-text", "麻烦您稍等。")
    page.evaluate("() => document.getElementById('reply-text').setSelectionRange(0, 0)")
    page.select_option("#canned", label="接入问候")
    assert box_value(page) == f"{name}您好，我是人工客服，已经看到您之前和智能助手的对话，接下来由我为您处理。麻烦您稍等。"
    assert page.locator("#reply-unfilled").is_hidden()
    page.fill("#reply-text", "")
    page.type("#reply-text", "/核实", delay=10)
    page.keyboard.press("Enter")
    assert box_value(page) == f"请稍等，我正在核实订单 {ticket.order_id} 的账单和使用情况，大约需要两三分钟。"
    page.click("#send-reply")
    page.wait_for_function("t => document.getElementById('transcript').innerText.includes(t)",
                           arg=f"核实订单 {ticket.order_id}")
    assert box_value(page) == ""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.type("#reply-text", "另外，/", delay=10)
    assert options.count() == len(replies)
    page.screenshot(path=str(artifacts / "console-canned-slash-1920.png"))
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    context.close()

    # What the agent sent is found by the history's search once the conversation is over.
    services.handoffs.finish(handoff, "a1", "closed")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="a1")
    page.goto(f"{fresh_stack.site_url}/console/history?q=两三分钟")
    assert page.locator("tr.finished").count() == 1 and "客服 小王（a1）回复：" in page.inner_text("td.hit")
    context.close()


def test_history_finds_any_word_said_or_noted_with_the_line_it_is_in(fresh_stack, browser, artifacts):
    opening = {"search-one": "我要投诉，服务器宕机了一整天", "search-two": "转人工"}  # before the handoff
    for conversation, words in opening.items():
        fresh_stack.say(conversation, words)
    outage, other = (handoff_for(fresh_stack, conversation) for conversation in opening)
    handoffs = fresh_stack.services.handoffs
    assert handoffs.claim(outage, "a1") and handoffs.claim(other, "a2")
    handoffs.customer_said("search-one", "现在 SSH 也登录不上")
    handoffs.customer_said("search-one", "好的，谢谢")  # the last words; the earlier ones are still found
    handoffs.agent_replied(outage, "a1", "已为您重启实例，请再试一次")
    handoffs.add_note(outage, "a1", "疑似安全组拦截了 22 端口")
    handoffs.customer_said("search-two", "发票抬头写错了")
    for handoff, agent in ((outage, "a1"), (other, "a2")):
        assert handoffs.finish(handoff, agent, "closed") is not None

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="a1")
    searches = {"宕机": "宕机", "ssh": "SSH", "重启实例": "重启实例", "安全组": "安全组"}
    for words, marked in searches.items():
        page.goto(f"{fresh_stack.site_url}/console/history")
        page.fill("input[name=q]", words)
        page.click("form[role=search] button[type=submit]")
        rows = page.locator("tr.finished")
        assert rows.count() == 1 and f"#{outage}" in rows.first.inner_text(), words
        assert page.inner_text("tr.finished td.hit mark") == marked
    assert "客服 小王（a1）的内部备注：" in page.inner_text("td.hit") and "找到 1 个会话" in page.inner_text("#history-count")
    page.goto(f"{fresh_stack.site_url}/console/history?q=小李")  # an agent by name
    assert page.locator("tr.finished").count() == 1 and f"#{other}" in page.inner_text("tr.finished")
    assert "按客户、工单、客服或编号找到；客户最后说：发票抬头写错了" in page.inner_text("tr.finished")
    page.goto(f"{fresh_stack.site_url}/console/history?q=%25")  # a LIKE wildcard is only a character
    assert page.locator("tr.finished").count() == 0

    # Fifty a page, the search kept from page to page.
    for number in range(HISTORY_LIMIT + 1):
        queued = handoffs.request(f"search-many-{number}", None, "requested", None, {"customer_said": [f"批量测试 {number}"]})
        assert handoffs.claim(queued.handoff.id, "a2") and handoffs.finish(queued.handoff.id, "a2", "closed")
    page.goto(f"{fresh_stack.site_url}/console/history?q=批量测试")
    assert f"找到 {HISTORY_LIMIT + 1} 个会话（第 1/2 页）" in page.inner_text("#history-count")
    assert page.locator("tr.finished").count() == HISTORY_LIMIT
    page.click("nav.pages a[rel=next]")
    assert page.locator("tr.finished").count() == 1 and "批量测试 0" in page.inner_text("tr.finished td.hit")

    for size, (width, height) in DESKTOPS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{fresh_stack.site_url}/console/history?q=SSH")
        page.screenshot(path=str(artifacts / f"console-history-search-{size}.png"), full_page=True)
        assert serious_violations(page) == []
    page.click("td.hit a.hit-link")
    page.wait_for_function("() => document.querySelector('#transcript').innerText.includes('服务器宕机了一整天')")
    page.screenshot(path=str(artifacts / "console-history-transcript-1920.png"))
    context.close()
