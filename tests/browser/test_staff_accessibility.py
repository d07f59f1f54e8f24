"""axe-core on every staff page, logged in as the staff member who uses it, at 1366 and 1920 px:
the console's login, queue, a conversation, the history, a transcript, an e-mail, the operators'
dashboard and the NLU inbox report no serious or critical violation."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bot.mail.store import MailStore
from tests.browser.test_console_live import handoff_for
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import serious_violations

SIZES = ((1366, 768), (1920, 1080))
LIVE = ("queue", "conversation")
# page: (who logs in and where they land, or None for the login page itself; the path, filled in below)
PAGES = {
    "login": (None, "/console/login"),
    "queue": (("a2", "/console"), "/console"),
    "conversation": (("a2", "/console"), "/console/handoffs/{handoff}"),
    "history": (("a2", "/console"), "/console/history?q=宕机"),
    "transcript": (("o2", "/console"), "/console/conversations/{closed}"),
    "mail": (("a1", "/console"), "/console/mail/{mail}"),
    "dashboard": (("o1", "/console/dashboard"), "/console/dashboard"),
    "nlu": (("o1", "/console/dashboard"), "/console/nlu"),
}


def prepared(stack) -> dict:
    """A closed conversation with a note, one waiting, and an e-mail: every page has something to show."""
    tag = uuid.uuid4().hex[:8]  # the assistant remembers a conversation across re-seeds: new ones each time
    stack.say(f"a11y-closed-{tag}", "我要投诉，服务器宕机了")
    stack.say(f"a11y-waiting-{tag}", "转人工")
    handoffs = stack.services.handoffs
    closed = handoff_for(stack, f"a11y-closed-{tag}")
    assert handoffs.claim(closed, "a1")
    handoffs.add_note(closed, "a1", "已电话安抚，建议补偿代金券")
    assert handoffs.finish(closed, "a1", "closed") is not None
    store = MailStore(stack.sessions, Path(stack.env["REFUND_MAIL_DIR"]))
    raw = "From: a@example.org\r\nSubject: 退款\r\n\r\n订单买错了，想退款\r\n".encode("utf-8")
    mail = store.record(envelope_from="a@example.org", from_address="a@example.org", subject="退款", size=len(raw),
                        sha256=store.keep_raw(raw), text="订单买错了，想退款", outcome="work_item", auth_passed=True)
    return {"handoff": handoff_for(stack, f"a11y-waiting-{tag}"), "mail": mail, "closed": f"a11y-closed-{tag}"}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_staff_page_has_no_serious_accessibility_violation(fresh_stack, browser, artifacts, name):
    who, path = PAGES[name]
    ids = prepared(fresh_stack)
    context = browser.new_context(locale="zh-CN", viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    page = context.new_page()
    if who is not None:
        console_login(page, fresh_stack.site_url, staff=who[0], home=who[1])
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(fresh_stack.site_url + path.format(**ids))
        assert response is not None and response.status == 200, name
        if name in LIVE:  # filled by the live stream: checked once it has arrived
            page.wait_for_function("() => document.getElementById('live-state').textContent.includes('实时')")
        page.screenshot(path=str(artifacts / f"staff-a11y-{name}-{width}.png"), full_page=True)
        assert serious_violations(page) == [], f"{name} at {width}"
    context.close()
