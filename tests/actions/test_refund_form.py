"""The refund form actions on tracker fixtures: exact events and what the customer reads."""
from rasa_sdk.events import SlotSet
from sqlalchemy import func, select

from actions.refund_form import FORM_SLOTS, ActionAskOrderId, ActionAskRefundConfirmed, ActionSubmitRefund, ValidateRefundForm
from bot.clock import utcnow
from bot.nlu.extract import extract_entities
from bot.nlu.normalize import normalize_text
from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order
from tests.actions.conftest import make_tracker, texts
from tests.widget_client import run

IN_WINDOW = demo_order("in_window")


def shown(order_id: str, reason: str = "demand_change") -> str:
    """The fingerprint action_ask_refund_confirmed keeps of the quote it showed."""
    from bot.refunds.service import quote_fingerprint
    from bot.wiring import services

    return quote_fingerprint("refund", services().refunds.quote("c1001", order_id, reason))


def run_form(tracker, dispatcher, domain):
    return run(ValidateRefundForm().run(dispatcher, tracker, domain))


def test_order_id_is_validated_and_the_reason_requested_next(db, dispatcher, domain):
    tracker = make_tracker(slots={"requested_slot": "order_id"}, extracted={"order_id": IN_WINDOW.order_id},
                           text=IN_WINDOW.order_id, active_loop="refund_form")
    events = run_form(tracker, dispatcher, domain)
    assert events == [SlotSet("order_id", IN_WINDOW.order_id),
                      SlotSet("incident_instance", IN_WINDOW.instance_id),
                      SlotSet("order_candidates", None),  # what was offered ends with the choice
                      SlotSet("requested_slot", "refund_reason")]
    assert "已找到您的订单 2026112400010001" in texts(dispatcher)


def test_instance_id_identifies_the_order(db, dispatcher, domain):
    tracker = make_tracker(slots={"requested_slot": "order_id"}, text=IN_WINDOW.instance_id,
                           entities=[{"entity": "instance_id", "value": IN_WINDOW.instance_id}],
                           active_loop="refund_form")
    events = run_form(tracker, dispatcher, domain)
    assert SlotSet("order_id", IN_WINDOW.order_id) in events


def test_someone_elses_order_is_rejected_without_saying_whose(db, dispatcher, domain):
    theirs = demo_order("other_customer").order_id
    tracker = make_tracker(slots={"requested_slot": "order_id"}, extracted={"order_id": theirs},
                           text=theirs, active_loop="refund_form")
    events = run_form(tracker, dispatcher, domain)
    assert events == [SlotSet("order_id", None), SlotSet("requested_slot", "order_id")]
    assert "没有在您的账号下找到" in texts(dispatcher) and "李娜" not in texts(dispatcher)


def test_pay_as_you_go_order_ends_the_form(db, dispatcher, domain):
    payg = demo_order("payg").order_id
    tracker = make_tracker(slots={"requested_slot": "order_id"}, extracted={"order_id": payg},
                           text=payg, active_loop="refund_form")
    events = run_form(tracker, dispatcher, domain)
    assert events == [SlotSet("order_id", payg), SlotSet("refund_blocked", True),
                      SlotSet("requested_slot", None)]
    assert "按量付费" in texts(dispatcher)


def test_service_issue_asks_for_time_after_the_reason(db, dispatcher, domain):
    order = demo_order("service_issue")
    tracker = make_tracker(slots={"order_id": order.order_id, "incident_instance": order.instance_id,
                                  "requested_slot": "refund_reason"}, extracted={"refund_reason": "service_issue"},
                           text='/inform{"refund_reason": "service_issue"}', active_loop="refund_form")
    events = run_form(tracker, dispatcher, domain)
    assert events[-1] == SlotSet("requested_slot", "incident_time")


def test_free_text_reason_is_understood(db, dispatcher, domain):
    tracker = make_tracker(slots={"order_id": IN_WINDOW.order_id, "requested_slot": "refund_reason"},
                           extracted={"refund_reason": "地域選錯了"}, text="地域選錯了",
                           active_loop="refund_form")
    events = run_form(tracker, dispatcher, domain)
    assert events == [SlotSet("refund_reason", "wrong_purchase"), SlotSet("requested_slot", "refund_confirmed")]


def test_ask_order_offers_only_refundable_orders(db, dispatcher):
    ActionAskOrderId().run(dispatcher, make_tracker(), {})
    payloads = " ".join(b["payload"] for b in dispatcher.messages[0]["buttons"])
    assert IN_WINDOW.order_id in payloads and demo_order("payg").order_id not in payloads
    assert demo_order("other_customer").order_id not in payloads


def test_quote_is_shown_before_confirmation(db, dispatcher):
    tracker = make_tracker(slots={"order_id": demo_order("standard_voucher").order_id,
                                  "refund_reason": "demand_change"})
    events = ActionAskRefundConfirmed().run(dispatcher, tracker, {})
    assert events == [SlotSet("shown_quote", shown(demo_order("standard_voucher").order_id))]
    message = dispatcher.messages[0]
    assert "代金券抵扣部分不予退还" in message["text"] and "手续费" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


def test_submit_files_once_and_clears_the_form(db, dispatcher):
    slots = {"order_id": IN_WINDOW.order_id, "refund_reason": "demand_change", "refund_confirmed": True,
             "shown_quote": shown(IN_WINDOW.order_id)}
    events = ActionSubmitRefund().run(dispatcher, make_tracker(slots=slots), {})
    with db() as session:
        filed = session.scalars(select(TicketRow.ticket_id).where(TicketRow.order_id == IN_WINDOW.order_id)).one()
    # The new ticket becomes what the conversation is about; the form is cleared.
    assert events == [SlotSet("current_ticket", filed)] + [
        SlotSet(slot, None) for slot in (*FORM_SLOTS, "paused_form", "next_orders", "carried_reason")] + [
        SlotSet("requested_slot", None)]
    first = texts(dispatcher)
    assert "已为您提交退款申请，工单号 RF" in first
    assert "打分" not in first  # no satisfaction survey before anything is resolved
    retry = type(dispatcher)()
    ActionSubmitRefund().run(retry, make_tracker(slots=slots), {})
    assert texts(retry) == first
    with db() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)
                              .where(TicketRow.order_id == IN_WINDOW.order_id)) == 1


def test_declined_submit_files_nothing(db, dispatcher):
    slots = {"order_id": IN_WINDOW.order_id, "refund_reason": "demand_change", "refund_confirmed": False}
    ActionSubmitRefund().run(dispatcher, make_tracker(slots=slots), {})
    assert "没有提交" in texts(dispatcher)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)
                              .where(TicketRow.order_id == IN_WINDOW.order_id)) == 0


def test_guest_cannot_submit(db, dispatcher):
    slots = {"order_id": IN_WINDOW.order_id, "refund_reason": "demand_change", "refund_confirmed": True}
    ActionSubmitRefund().run(dispatcher, make_tracker(slots=slots, channel="socketio", customer=None), {})
    with db() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)
                              .where(TicketRow.order_id == IN_WINDOW.order_id)) == 0


def test_a_confirmation_of_something_not_shown_files_nothing(db, dispatcher):
    """`/affirm{"order_id": …}` at the confirmation put another order in the form: its quote was
    never shown, so nothing is filed; the form asks again (showing that order's quote)."""
    from rasa_sdk.events import FollowupAction

    other = demo_order("standard_voucher").order_id
    for seen in (shown(IN_WINDOW.order_id), None):
        slots = {"order_id": other, "refund_reason": "demand_change", "refund_confirmed": True, "shown_quote": seen}
        asked = type(dispatcher)()
        events = ActionSubmitRefund().run(asked, make_tracker(slots=slots), {})
        assert events == [SlotSet("refund_confirmed", None), FollowupAction("refund_form")]
        assert "还没有提交" in texts(asked) and "RF" not in texts(asked)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.order_id == other)) == 0


def test_database_down_during_filing_keeps_the_form_and_files_once_on_retry(db, dispatcher, monkeypatch):
    from unittest import mock

    from rasa_sdk.events import FollowupAction
    from sqlalchemy.exc import OperationalError

    from bot.tickets.store import TicketStore

    slots = {"order_id": IN_WINDOW.order_id, "refund_reason": "demand_change", "refund_confirmed": True,
             "shown_quote": shown(IN_WINDOW.order_id)}
    failure = OperationalError("INSERT", {}, Exception("database is down"))
    with mock.patch.object(TicketStore, "file", side_effect=failure):
        events = ActionSubmitRefund().run(dispatcher, make_tracker(slots=slots), {})
    assert events == [SlotSet("refund_confirmed", None), FollowupAction("refund_form")]
    assert "没有提交成功" in texts(dispatcher) and "RF" not in texts(dispatcher)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)
                              .where(TicketRow.order_id == IN_WINDOW.order_id)) == 0
    retry = type(dispatcher)()
    ActionSubmitRefund().run(retry, make_tracker(slots=slots), {})
    assert "已为您提交退款申请" in texts(retry)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)
                              .where(TicketRow.order_id == IN_WINDOW.order_id)) == 1


def nlu_entities(text):
    """The entities the NLU's extractor puts on the message (the action reads those)."""
    return [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
            for e in extract_entities(normalize_text(text), utcnow())]


def in_words(text):
    return make_tracker(slots={"requested_slot": "order_id"}, extracted={"order_id": text}, text=text,
                        entities=nlu_entities(text), active_loop="refund_form")


def test_an_order_described_in_words_is_found(db, dispatcher, domain):
    order = demo_order("service_issue")
    events = run_form(in_words("就8核16G那台"), dispatcher, domain)
    assert SlotSet("order_id", order.order_id) in events
    assert f"已找到您的订单 {order.order_id}" in texts(dispatcher)


def test_a_description_that_fits_several_offers_exactly_those(db, dispatcher, domain):
    events = run_form(in_words("4核8G那台"), dispatcher, domain)
    candidates = next(e["value"] for e in events if e["name"] == "order_candidates")
    assert set(candidates) == {demo_order("standard_voucher").order_id, demo_order("unstarted_renewal").order_id}
    assert SlotSet("order_id", None) in events and "有 2 个订单符合" in texts(dispatcher)
    dispatcher.messages.clear()
    asked = ActionAskOrderId().run(dispatcher, make_tracker(slots={"order_candidates": candidates}), {})
    assert asked == []  # kept: the next answer (「续费的那个」「第二个」) picks among exactly these
    assert sorted(b["payload"][-18:-2] for b in dispatcher.messages[0]["buttons"]) == sorted(candidates)


def test_several_ids_in_one_message_are_asked_about(db, dispatcher, domain):
    first, second = demo_order("in_window").order_id, demo_order("service_issue").order_id
    theirs = demo_order("other_customer").order_id
    events = run_form(in_words(f"{first} 和 {second}"), dispatcher, domain)
    assert SlotSet("order_candidates", [first, second]) in events
    dispatcher.messages.clear()
    events = run_form(in_words(f"{first} {theirs}"), dispatcher, domain)  # only one is theirs
    assert SlotSet("order_id", first) in events


def test_words_that_fit_no_order_or_are_no_description(db, dispatcher, domain):
    assert SlotSet("order_id", None) in run_form(in_words("32核64G的那台"), dispatcher, domain)
    assert "没有找到符合这个描述的" in texts(dispatcher)
    dispatcher.messages.clear()
    run_form(in_words("嗯嗯"), dispatcher, domain)
    assert "4核8G那台" in texts(dispatcher)  # tells the customer they may describe it


def test_the_incident_instance_must_be_the_customers_own(db, dispatcher, domain):
    order = demo_order("service_issue")
    slots = {"order_id": order.order_id, "refund_reason": "service_issue", "incident_time": "昨天下午",
             "requested_slot": "incident_instance"}
    theirs = demo_order("other_customer").instance_id
    events = run_form(make_tracker(slots=slots, extracted={"incident_instance": theirs}, text=theirs,
                                   active_loop="refund_form"), dispatcher, domain)
    assert SlotSet("incident_instance", None) in events and "没有在您的账号下找到实例" in texts(dispatcher)
    dispatcher.messages.clear()
    events = run_form(make_tracker(slots=slots, extracted={"incident_instance": order.instance_id},
                                   text=order.instance_id, active_loop="refund_form"), dispatcher, domain)
    assert SlotSet("incident_instance", order.instance_id) in events
