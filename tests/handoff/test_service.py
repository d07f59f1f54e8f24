"""Handoff queue on SQLite and PostgreSQL with the clock controlled."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.handoff.hours import SupportConfigError, SupportSettings, parse_support
from bot.handoff.service import HandoffService
from bot.storage.schema import TicketRow
from harness.servers import write_support
from tests.clock import FakeClock

WEDNESDAY_NOON = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)   # 12:00 Beijing
WEDNESDAY_NIGHT = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)  # 22:00 Beijing
SATURDAY_NOON = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    return FakeClock(WEDNESDAY_NOON)


@pytest.fixture
def service(seeded, support, clock):
    return HandoffService(seeded, support, clock)


def test_hours(support):
    config = support.current()
    assert config.is_open(WEDNESDAY_NOON) and not config.is_open(WEDNESDAY_NIGHT)
    assert not config.is_open(SATURDAY_NOON)
    assert not config.is_open(datetime(2026, 12, 25, 4, 0, tzinfo=timezone.utc))  # holiday
    opening = config.next_opening(WEDNESDAY_NIGHT)
    assert opening == datetime(2026, 11, 26, 9, 0, tzinfo=opening.tzinfo)
    assert config.next_opening(SATURDAY_NOON).date().isoformat() == "2026-11-30"


def test_override_and_live_reload(tmp_path):
    path = tmp_path / "s.yml"
    write_support(path, override="closed")
    settings = SupportSettings(path)
    assert not settings.current().is_open(WEDNESDAY_NOON) and settings.current().next_opening(WEDNESDAY_NOON) is None
    write_support(path, override="open")
    assert settings.current().is_open(WEDNESDAY_NIGHT)


@pytest.mark.parametrize("raw, message", [
    ({}, "hours is required"),
    ({"hours": {"days": ["someday"], "open": "09:00", "close": "18:00"}}, "hours.days"),
    ({"hours": {"days": ["mon"], "open": "18:00", "close": "09:00"}}, "after hours.open"),
    ({"hours": {"days": ["mon"], "open": "9am", "close": "18:00"}}, "HH:MM"),
    ({"hours": {"days": ["mon"], "open": "09:00", "close": "18:00"}, "override": "maybe"}, "override"),
    ({"hours": {"days": ["mon"], "open": "09:00", "close": "18:00"}, "claim_timeout_seconds": 0}, "positive"),
])
def test_bad_support_config(raw, message):
    with pytest.raises(SupportConfigError, match=message):
        parse_support(raw)


def test_queue_positions_and_reuse(service):
    first = service.request("conv-a", "c1001", "requested", None, {})
    second = service.request("conv-b", "c1002", "fallback", None, {})
    assert first.in_hours and first.position == 0 and second.position == 1
    assert second.estimated_minutes >= first.estimated_minutes
    again = service.request("conv-a", "c1001", "requested", None, {})
    assert again.handoff.id == first.handoff.id  # no second queue entry for the same conversation


def test_out_of_hours_creates_no_queue_entry(service, clock):
    clock.now = WEDNESDAY_NIGHT
    outcome = service.request("conv-a", "c1001", "requested", None, {})
    assert not outcome.in_hours and outcome.handoff is None and outcome.next_opening is not None
    left = service.leave_message("conv-a", "c1001", "callback", "请回电说明退款", "13800138000", "requested", None, {})
    assert left.status == "message" and left.kind == "callback" and service.queue()[0].id == left.id


def test_two_agents_racing_to_claim(service):
    handoff = service.request("conv-a", "c1001", "requested", None, {}).handoff
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda agent: service.claim(handoff.id, agent), ["a1", "a2"]))
    assert sorted(results) == [False, True]
    winner = service.get(handoff.id).agent_id
    assert winner in ("a1", "a2")
    loser = "a2" if winner == "a1" else "a1"
    assert service.finish(handoff.id, loser, "closed") is None  # only the claimer can finish
    assert service.finish(handoff.id, winner, "handed_back").status == "resolved"


def test_unclaimed_handoff_times_out_once(service, clock):
    handoff = service.request("conv-a", "c1001", "requested", None, {}).handoff
    assert service.expire_unclaimed() == []
    clock.now += timedelta(seconds=121)
    expired = service.expire_unclaimed()
    assert [h.id for h in expired] == [handoff.id] and expired[0].status == "timed_out"
    assert service.expire_unclaimed() == [] and not service.claim(handoff.id, "a1")


def test_notes_and_surveys(service):
    handoff = service.request("conv-a", "c1001", "requested", None, {}).handoff
    service.add_note(handoff.id, "a1", "客户情绪较急，优先处理")
    assert service.get(handoff.id).notes[0]["text"] == "客户情绪较急，优先处理"
    with pytest.raises(ValueError):
        service.add_note(handoff.id, "a1", "  ")
    with pytest.raises(ValueError):
        service.record_survey("conv-a", "c1001", 6, None)
    service.record_survey("conv-a", "c1001", 5, "很及时", handoff_id=handoff.id)
    assert service.surveys()[0]["score"] == 5


def test_with_no_agent_logged_in_no_wait_is_promised(service):
    from bot.handoff.replies import queued

    ticket = service.request("conv-a", "c1001", "requested", None, {})
    assert ticket.busy
    text = queued(ticket)
    assert "预计" not in text and "可能需要等待 2 分钟以上" in text and "如果 2 分钟内还没有客服接入" in text


def agent_logged_in(service, sessions, staff_id="a1"):
    from datetime import timedelta

    from bot.security.login_sessions import LoginKind, LoginSessions

    LoginSessions(sessions, clock=service.clock).start(LoginKind.STAFF, staff_id, timedelta(hours=8))


def test_the_wait_promised_is_never_longer_than_the_wait_allowed(service, seeded):
    from bot.handoff.replies import queued

    agent_logged_in(service, seeded)
    first = service.request("conv-0", "c1001", "requested", None, {})
    assert not first.busy and first.estimated_minutes == 2  # half a 4-minute handling time, one agent
    assert "预计等待约 2 分钟" in queued(first)
    tickets = [service.request(f"conv-{n}", "c1001", "requested", None, {}) for n in range(1, 8)]
    last = tickets[-1]  # 7 ahead at 4 minutes each would be about 30 minutes; the claim timeout is 2
    assert last.position == 7 and last.timeout_minutes == 2 and last.busy
    text = queued(last)
    assert "您前面还有 7 位客户" in text and "预计" not in text and "如果 2 分钟内还没有客服接入" in text


def test_the_estimate_follows_how_fast_agents_really_claimed(service, seeded):
    from datetime import timedelta

    agent_logged_in(service, seeded)
    agent_logged_in(service, seeded, "a2")
    for n in range(3):  # the last three customers were claimed within 30 seconds
        queued = service.request(f"old-{n}", "c1001", "requested", None, {})
        service.clock.now += timedelta(seconds=30)
        assert service.claim(queued.handoff.id, "a1")
    assert service.request("conv-new", "c1001", "requested", None, {}).estimated_minutes == 1


def test_agents_are_signed_by_their_name_not_their_role_twice():
    from bot.handoff.replies import agent_prefix

    assert agent_prefix("客服 小王") == "【人工客服 小王】"
    assert agent_prefix("审核员 小陈") == "【人工客服 小陈】"
    assert agent_prefix("") == "【人工客服 客服】"


def test_every_change_moves_the_version_the_live_console_watches(service, clock):
    """The console re-reads a conversation only when its version moved: each kind of change must move it."""
    handoff = service.request("conv-live", "c1001", "requested", None, {"customer_said": ["我要退款", "转人工"]}).handoff
    assert handoff.last_customer_text == "转人工"  # the queue's preview before anything else is said
    seen = [service.watch(handoff.id)[0]]

    def moved() -> bool:
        version = service.watch(handoff.id)[0]
        grew = version > seen[-1]
        seen.append(version)
        return grew

    assert service.customer_said("conv-live", "还在吗？") == "waiting" and moved()
    assert service.get(handoff.id).last_customer_text == "还在吗？"
    assert service.claim(handoff.id, "a1") and moved()
    assert not service.claim(handoff.id, "a2") and not moved()  # a lost race changes nothing
    service.agent_replied(handoff.id)
    assert moved()
    service.add_note(handoff.id, "a1", "客户着急")
    assert moved()
    assert service.link_ticket(handoff.id, None) and moved()
    assert service.customer_said("conv-live", "x" * 900) == "active" and moved()
    assert len(service.get(handoff.id).last_customer_text) == 500
    assert service.finish(handoff.id, "a1", "closed") is not None and moved()
    assert service.customer_said("conv-live", "谢谢") is None and not moved()  # over: nothing recorded


def test_typing_is_marked_only_on_a_conversation_an_agent_holds(service, clock):
    handoff = service.request("conv-typing", "c1001", "requested", None, {}).handoff
    assert not service.customer_typing("c1001")  # still waiting: nobody is watching yet
    service.claim(handoff.id, "a1")
    version = service.watch(handoff.id)[0]
    assert service.customer_typing("c1001") and not service.customer_typing("c1002")
    assert service.watch(handoff.id) == (version, None, clock.now)  # typing alone does not re-read the transcript
    clock.now += timedelta(seconds=2)
    service.customer_said("conv-typing", "好了")
    assert service.watch(handoff.id)[2] is None  # the message ends the typing mark


def test_history_by_words_people_orders_and_beijing_dates(service, clock, seeded):
    from bot.clock import customer_day_start, to_customer_time
    from bot.handoff.service import HistoryFilter

    early = service.request("conv-h1", "c1001", "complaint", None, {"customer_said": ["硬盘数据丢了"]}).handoff
    service.claim(early.id, "a1")
    service.finish(early.id, "a1", "closed")
    clock.now += timedelta(days=2)
    late = service.request("conv-h2", "c1002", "requested", None, {}).handoff
    service.customer_said("conv-h2", "发票抬头写错了")
    service.claim(late.id, "a2")
    service.finish(late.id, "a2", "handed_back")
    service.request("conv-h3", "c1001", "requested", None, {})  # still waiting: not history

    def ids(**wanted) -> list:
        return [h.id for h in service.history(HistoryFilter(**wanted)).handoffs]

    assert ids() == [late.id, early.id]  # newest first (all on this day's clock)
    assert ids(text="硬盘") == [early.id] and ids(text="发票") == [late.id]
    assert ids(text="a2") == [late.id] and ids(text="c1001") == [early.id] and ids(text=f"#{late.id}") == [late.id]
    assert ids(text="张", customer_ids=("c1002",)) == [late.id]  # a customer found by name
    assert ids(text="100%") == []  # LIKE wildcards are taken literally
    asked = service.request("conv-h4", "c1001", "requested", None, {"collected": {"订单": "2026112400010001"}}).handoff
    service.claim(asked.id, "a1")
    service.finish(asked.id, "a1", "closed")
    assert ids(text="2026112400010001") == [asked.id]  # the order the customer asked about
    first_day = customer_day_start(to_customer_time(WEDNESDAY_NOON).date())
    assert ids(since=first_day, until=first_day + timedelta(days=1)) == [early.id]
    assert ids(since=first_day + timedelta(days=1)) == [asked.id, late.id]
    with seeded() as db:
        ticket = db.scalars(select(TicketRow).where(TicketRow.order_id != "2026112400010001")).first()
    service.link_ticket(early.id, ticket.ticket_id)
    assert ids(text=ticket.order_id) == [early.id]  # the order of the ticket the conversation is about


def test_history_finds_words_in_every_line_note_and_agent_name(service, clock, seeded):
    """Words the customer said at any point, an agent's reply, an internal note, an agent's name:
    each finds the conversation, with the line it is in; and only finished ones, a page at a time."""
    from bot.handoff.service import HistoryFilter

    outage = service.request("conv-f1", "c1001", "requested", None, {"customer_said": ["服务器宕机了", "/affirm"]}).handoff
    service.claim(outage.id, "a1")
    service.customer_said("conv-f1", "登录不上 SSH，一直超时")
    service.customer_said("conv-f1", "好的谢谢")  # the last words: the earlier ones must still be found
    service.agent_replied(outage.id, "a1", "请先重启实例再试一次")
    service.add_note(outage.id, "a1", "疑似安全组拦截 22 端口")
    service.finish(outage.id, "a1", "closed")
    other = service.request("conv-f2", "c1002", "requested", None, {}).handoff
    service.customer_said("conv-f2", "发票的事 50%_折扣")
    service.claim(other.id, "a2")
    service.finish(other.id, "a2", "handed_back")
    waiting = service.request("conv-f3", "c1001", "requested", None, {"customer_said": ["宕机"]}).handoff

    def found(text: str) -> dict:
        page = service.history(HistoryFilter(text=text))
        assert page.total == len(page.handoffs)
        return {h.id: (page.hits[h.id].where, page.hits[h.id].text) if h.id in page.hits else None
                for h in page.handoffs}

    assert found("宕机") == {outage.id: ("customer", "服务器宕机了")}  # said before the handoff; not the waiting one
    assert found("ssh") == {outage.id: ("customer", "登录不上 SSH，一直超时")}  # any case
    assert found("重启实例") == {outage.id: ("agent", "请先重启实例再试一次")}
    assert found("安全组") == {outage.id: ("note", "疑似安全组拦截 22 端口")}
    assert set(found("小王")) == {outage.id}  # the agent by name
    assert found("50%_") == {other.id: ("customer", "发票的事 50%_折扣")} and found("0%%") == {}  # wildcards literal
    assert found("affirm") == {}  # a button's payload is not something anyone said
    assert waiting.id not in found("宕机")
    first, second = (service.history(HistoryFilter(), limit=1, offset=n) for n in (0, 1))
    assert (first.total, second.total) == (2, 2) and [first.handoffs[0].id, second.handoffs[0].id] == [other.id, outage.id]


def test_words_left_in_a_message_are_found_once_it_is_closed(service, clock):
    from bot.handoff.service import HistoryFilter

    item = service.leave_message("conv-m1", "c1001", "message", "数据盘扩容失败，请回电", None, "requested", None, {})
    service.take_work_item(item.id, "a1")
    assert service.customer_wrote_again(item.id, "补充：实例 ID 是 i-bp1x")
    service.close_work_item(item.id, "a1")
    page = service.history(HistoryFilter(text="扩容"))
    assert [h.id for h in page.handoffs] == [item.id] and page.hits[item.id].text == "数据盘扩容失败，请回电"
    assert [h.id for h in service.history(HistoryFilter(text="i-bp1x")).handoffs] == [item.id]
