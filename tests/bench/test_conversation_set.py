"""The customer conversation set and its player, without servers: every file is well-formed and
the set covers every journey; broken files are refused with the reason; the player reads
answers, trackers and the database as documented (tests/conversations/customers/README.md)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from bench.conversations import report_lines, summarise
from bot.storage.schema import TicketRow
from harness.conversation_set import (
    ASK_KINDS,
    GUEST,
    JOURNEYS,
    MIN_PER_JOURNEY,
    MIN_TOTAL,
    ConversationFileError,
    ExpectedTicket,
    Turn,
    load_set,
)
from harness.customer_chat import (
    FORM_QUESTIONS,
    SLOT_QUESTIONS,
    Problem,
    Result,
    answered_by,
    by_position,
    check_handoffs,
    check_new_tickets,
    check_turn,
    fill,
    offered,
    pending_question,
    reply_text,
    started_refund,
)


@pytest.fixture(scope="module")
def conversations():
    return load_set()


def test_the_set_covers_every_journey_with_enough_conversations(conversations):
    counts = Counter(c.journey for c in conversations)
    assert set(counts) == set(JOURNEYS)
    assert min(counts.values()) >= MIN_PER_JOURNEY
    assert len(conversations) >= MIN_TOTAL


def test_the_set_is_spread_over_the_demo_customers_and_guests(conversations):
    counts = Counter(c.customer for c in conversations)
    for who in ("c1001", "c1002", "c1004", GUEST):
        assert counts[who] >= 10, (who, counts)


def test_every_question_kind_is_one_the_player_can_read():
    readable = set(FORM_QUESTIONS.values()) | {kind for _, kind in SLOT_QUESTIONS} | {"human", "none"}
    assert readable == set(ASK_KINDS)


def _write(tmp_path: Path, journey: str, body: str) -> Path:
    (tmp_path / f"{journey}.yml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD = """about: test
conversations:
  - id: good-one
    customer: c1001
    goal: 退掉一台
    turns:
      - say: 我要退款
        asks: order
    outcome: {}
"""


def test_a_good_file_loads(tmp_path):
    loaded = load_set(_write(tmp_path, "refund_by_id", GOOD), complete=False)
    assert [c.id for c in loaded] == ["good-one"]
    assert loaded[0].turns[0].asks == ("order",)


@pytest.mark.parametrize("change, message", [
    (("customer: c1001", "customer: c9999"), "unknown customer"),
    (("asks: order", "asks: order_number"), "unknown question kind"),
    (("asks: order", "offers: [\"2026112300020001\"]"), "not one of c1001's orders"),
    (("asks: order", "says: [\"(unclosed\"]"), "bad regular expression"),
    (("say: 我要退款", "say: \"{t1}进度\""), "names no set-up ticket"),
    (("outcome: {}", "outcome: {tickets: [{order: \"2026112400010001\", reason: bored}]}"), "unknown reason"),
    (("customer: c1001", "customer: guest"), None),
    (("goal: 退掉一台", "goal: \"\""), "goal"),
    (("    outcome: {}\n", ""), "outcome"),
    (("      - say: 我要退款\n", "      - upload: exe\n"), "upload"),
])
def test_a_broken_conversation_is_refused_with_the_reason(tmp_path, change, message):
    body = GOOD.replace(*change)
    if message is None:  # a guest may talk, but cannot file
        body = body.replace("outcome: {}", "outcome: {tickets: [{order: \"2026112400010001\"}]}")
        message = "not one of guest's orders"
    with pytest.raises(ConversationFileError, match=message):
        load_set(_write(tmp_path, "refund_by_id", body), complete=False)


def test_duplicate_ids_unknown_journeys_and_a_thin_set_are_refused(tmp_path):
    _write(tmp_path, "refund_by_id", GOOD)
    _write(tmp_path, "withdraw", GOOD)
    with pytest.raises(ConversationFileError, match="id used twice"):
        load_set(tmp_path, complete=False)
    (tmp_path / "withdraw.yml").unlink()
    _write(tmp_path, "shopping", GOOD)
    with pytest.raises(ConversationFileError, match="unknown journey"):
        load_set(tmp_path, complete=False)
    (tmp_path / "shopping.yml").unlink()
    with pytest.raises(ConversationFileError, match="at least"):
        load_set(tmp_path)


# --- reading answers and trackers ---------------------------------------------------------

ORDER_BUTTONS = {"text": "请选择要退款的订单：", "quick_replies": [
    {"title": "ECS · 订单 2026112400010001", "payload": '/inform{"order_id": "2026112400010001"}'},
    {"title": "RDS · 订单 2026110600010006", "payload": '/inform{"order_id": "2026110600010006"}'}]}
SPEC_BUTTONS = {"text": "想降到哪一档？", "buttons": [
    {"title": "2核4G", "payload": '/request_downgrade{"order_id": "2026101000040001", "spec_code": "ecs.2c4g"}'}]}
TICKET_BUTTONS = {"text": "选择要撤回的：", "buttons": [
    {"title": "RF202612050001（订单 2026112400010001）", "payload": '/cancel{"ticket_id": "RF202612050001"}'}]}


def test_buttons_offer_the_orders_and_tickets_their_payloads_carry():
    assert offered([ORDER_BUTTONS]) == ({"2026112400010001", "2026110600010006"}, set())
    assert offered([SPEC_BUTTONS]) == (set(), set())
    assert offered([TICKET_BUTTONS]) == (set(), {"RF202612050001"})
    assert "RDS · 订单 2026110600010006" in reply_text([ORDER_BUTTONS])


def _tracker(loop=None, requested=None, paused=False, events=(), **slots):
    return {"paused": paused, "active_loop": {"name": loop} if loop else {},
            "slots": {"requested_slot": requested, **slots}, "events": list(events)}


def test_the_pending_question_is_read_from_the_tracker():
    assert pending_question(_tracker("refund_form", "refund_reason")) == "reason"
    assert pending_question(_tracker("refund_form", "refund_confirmed")) == "confirm"
    assert pending_question(_tracker(pending_change="downgrade:2026101000040001:ecs.2c4g")) == "confirm"
    assert pending_question(_tracker(withdraw_ticket="RF202612050001")) == "withdraw_confirm"
    assert pending_question(_tracker(paused=True)) == "human"
    assert pending_question(_tracker()) == "none"
    assert pending_question(_tracker("new_form", "x")) == "new_form:x"  # never silently "none"


def test_a_refund_started_in_the_turn_is_seen():
    started = _tracker(events=[{"event": "user"}, {"event": "active_loop", "name": "refund_form"},
                               {"event": "active_loop", "name": None}])
    assert started_refund(started)
    earlier = _tracker(events=[{"event": "active_loop", "name": "refund_form"}, {"event": "user"}])
    assert not started_refund(earlier)


def test_a_turn_is_checked_against_every_expectation():
    turn = Turn(say="我要退款", says=("请选择",), not_says=("RF\\d+",), offers=("2026112400010001",),
                asks=("reason",), no_refund=True)
    kinds = [kind for kind, _ in check_turn(turn, [ORDER_BUTTONS], _tracker("refund_form", "order_id"), {},
                                            ["RF202612050001"])]
    assert kinds == ["too many order buttons (the reference was not narrowed)",
                     "asked for order instead of reason", "started a refund that was not asked for",
                     "filed a ticket that was not asked for"]
    good = Turn(say="{t1}进度", says=("{t1}",), offers=(), asks=("none",), no_refund=True)
    assert check_turn(good, [{"text": "工单 RF202612050001 审核中"}], _tracker(), {"t1": "RF202612050001"}, []) == []


def test_a_filing_turn_must_file_and_name_the_ticket():
    confirm = Turn(say="确认", filed=True)
    assert [k for k, _ in check_turn(confirm, [{"text": "好的"}], None, {}, [])] == [
        "did not file when the customer confirmed"]
    assert [k for k, _ in check_turn(confirm, [{"text": "已提交"}], None, {}, ["RF202612050001"])] == [
        "filed without telling the ticket number"]
    assert check_turn(confirm, [{"text": "已提交，工单号 RF202612050001"}], None, {}, ["RF202612050001"]) == []
    pause = Turn(say="先别提交", filed=False)
    assert [k for k, _ in check_turn(pause, [{"text": "好"}], None, {}, ["RF202612050001"])] == [
        "filed a ticket that was not asked for"]


def test_a_wrong_answer_is_grouped_by_what_answered_it():
    tracker = {**_tracker(), "latest_message": {"intent": {"name": "out_of_scope", "confidence": 0.61}},
               "events": [{"event": "user"}, {"event": "action", "name": "validate_refund_form"},
                          {"event": "action", "name": "utter_out_of_scope"}, {"event": "bot"},
                          {"event": "action", "name": "action_listen"}]}
    assert answered_by(tracker) == "utter_out_of_scope"
    [(kind, detail)] = check_turn(Turn(say="充值没到账", says=("充值",)), [{"text": "超出范围"}], tracker, {}, [])
    assert kind == "answer lacks what was needed (utter_out_of_scope)"
    assert "out_of_scope (0.61)" in detail


def test_placeholders_name_set_up_tickets_and_shown_orders():
    assert fill("{t1}到哪了", {"t1": "RF202612050001"}) == "RF202612050001到哪了"
    shown = ["2026112000010003", "2026112500010005", "2026092700010002"]
    assert by_position("{shown:-1}", shown) == "2026092700010002"
    assert by_position("{shown:2}", shown) == "2026112500010005"
    assert by_position("{shown:5}", shown) == ""
    assert by_position("2026112400010001", shown) == "2026112400010001"


def _row(ticket_id, order, reason="demand_change", kind="refund", status="submitted"):
    return TicketRow(ticket_id=ticket_id, order_id=order, reason=reason, kind=kind, status=status,
                     quoted_amount=Decimal("1200.00"), details={})


def test_the_new_tickets_must_be_exactly_the_expected_ones():
    rows = [_row("RF1", "2026112400010001", reason="wrong_purchase"), _row("RF2", "2026110600010006")]
    problems = check_new_tickets([ExpectedTicket("2026112400010001", reason="demand_change", details="卡死")],
                                 rows, {"RF1": "{}"})
    assert [kind for kind, _ in problems] == ["ticket with the wrong reason", "ticket lacks what the customer said",
                                             "filed a ticket that was not asked for"]
    assert [k for k, _ in check_new_tickets([ExpectedTicket("2026112400010001")], [], {})] == ["no ticket filed"]
    assert check_new_tickets([ExpectedTicket("{shown:1}", amount="1200.00")], rows[:1], {},
                             shown=["2026112400010001"]) == []


def test_handoffs_are_checked_by_kind_and_reason():
    assert check_handoffs("none", None, None, []) == []
    assert check_handoffs("none", None, None, [("live", "fallback")])[0][0] == "handed to a person without need"
    assert check_handoffs("optional", None, None, [("live", "flagged")]) == []
    assert check_handoffs("expected", "live", "complaint", [("live", "complaint")]) == []
    assert check_handoffs("expected", "callback", None, [])[0][0] == "no handoff where one was needed"
    assert check_handoffs("expected", "callback", None, [("live", "requested")])[0][0] == "handoff of the wrong kind"


def test_the_summary_gives_the_share_per_journey_and_the_first_failing_turn(conversations):
    first = conversations[0]
    second = next(c for c in conversations if c.journey != first.journey and len(c.turns) >= 2)
    failed = Result(second, [Problem(2, "asked for order instead of reason", "pending question: order"),
                             Problem(len(second.turns) + 1, "no ticket filed", "none")],
                    transcript=[("a", "b"), ("c", "d")])
    summary = summarise([Result(first), failed])
    assert summary["passed"] == 1 and summary["total"] == 2 and summary["share"] == 0.5
    assert summary["journeys"][first.journey] == {"passed": 1, "total": 1, "share": 1.0}
    assert summary["failures"][0]["where"].startswith("turn 2 「c」")
    assert summary["failure_kinds"][0][1] == 1
    text = "\n".join(report_lines(summary))
    assert "overall" in text and "50%" in text and second.id in text
