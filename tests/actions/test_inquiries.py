"""Status, amount and rejection questions: owner-scoped, same answer for unknown and foreign ids."""
from rasa_sdk.events import SlotSet

from actions.inquiries import ActionAppealRejection, ActionRefundAmount, ActionRefundStatus
from bot.refunds.ticket_replies import NOT_FOUND
from bot.storage.seed import demo_order
from bot.tickets.store import TicketStore
from bot.wiring import services
from tests.actions.conftest import make_tracker, texts


def file_for(customer, key):
    return services().refunds.file(customer, demo_order(key).order_id, "demand_change", {}).ticket


def ticket_entity(ticket_id):
    return [{"entity": "ticket_id", "value": ticket_id}]


def test_status_of_a_named_ticket(db, dispatcher):
    ticket = file_for("c1001", "in_window")
    ActionRefundStatus().run(dispatcher, make_tracker(entities=ticket_entity(ticket.ticket_id)), {})
    assert "当前状态：已提交" in texts(dispatcher) and "预计" in texts(dispatcher)


def test_foreign_and_unknown_tickets_get_the_same_answer(db, dispatcher):
    theirs = file_for("c1002", "other_customer")
    ActionRefundStatus().run(dispatcher, make_tracker(entities=ticket_entity(theirs.ticket_id)), {})
    ActionRefundStatus().run(dispatcher, make_tracker(entities=ticket_entity("RF209901010001")), {})
    assert [m["text"] for m in dispatcher.messages] == [NOT_FOUND, NOT_FOUND]


def test_status_details_the_newest_ticket_and_lists_the_others(db, dispatcher):
    ticket = file_for("c1001", "in_window")
    ActionRefundStatus().run(dispatcher, make_tracker(), {})
    first, second = [m["text"] for m in dispatcher.messages]
    assert first.startswith(f"工单 {ticket.ticket_id}") and "当前状态：已提交" in first
    assert second.startswith("您名下的其他退款工单") and ticket.ticket_id not in second


def test_amount_explains_the_latest_ticket(db, dispatcher):
    ticket = services().refunds.file("c1001", demo_order("standard_voucher").order_id, "demand_change", {}).ticket
    ActionRefundAmount().run(dispatcher, make_tracker(), {})
    assert ticket.ticket_id in texts(dispatcher) and "已使用" in texts(dispatcher)


def test_no_rejected_ticket(db, dispatcher):
    ActionAppealRejection().run(dispatcher, make_tracker(), {})
    assert "没有被驳回" in texts(dispatcher)


def test_rejected_ticket_offers_appeal_and_12315(db, dispatcher):
    ticket = file_for("c1001", "in_window")
    TicketStore(services().sessions).set_status(ticket.ticket_id, "rejected", services().refunds.clock(),
                                                actor="reviewer:r1")
    ActionAppealRejection().run(dispatcher, make_tracker(), {})
    assert ticket.ticket_id in texts(dispatcher) and "12315" in texts(dispatcher)


def test_guest_is_asked_to_log_in(db, dispatcher):
    ActionRefundStatus().run(dispatcher, make_tracker(channel="socketio", customer=None), {})
    assert dispatcher.messages[0]["response"] == "utter_login_required"


def test_a_follow_up_without_a_ticket_id_is_about_the_ticket_just_discussed(db, dispatcher):
    older = services().refunds.file("c1001", demo_order("standard_voucher").order_id, "demand_change", {}).ticket
    newer = file_for("c1001", "in_window")
    # The customer just looked at the older ticket; 「为什么扣了手续费」 names none.
    events = ActionRefundAmount().run(dispatcher, make_tracker(slots={"current_ticket": older.ticket_id}), {})
    assert older.ticket_id in texts(dispatcher) and newer.ticket_id not in texts(dispatcher)
    assert SlotSet("current_ticket", older.ticket_id) in events


def test_status_of_several_tickets_offers_each_as_a_button(db, dispatcher):
    first, second = file_for("c1001", "in_window"), file_for("c1001", "service_issue")
    events = ActionRefundStatus().run(dispatcher, make_tracker(), {})
    payloads = [b["payload"] for m in dispatcher.messages for b in m.get("buttons", [])]
    assert any(first.ticket_id in p for p in payloads) or any(second.ticket_id in p for p in payloads)
    assert [e for e in events if e.get("name") == "current_ticket"]


def test_another_customers_ticket_in_the_context_is_ignored(db, dispatcher):
    theirs = file_for("c1002", "other_customer")
    ActionRefundAmount().run(dispatcher, make_tracker(slots={"current_ticket": theirs.ticket_id}), {})
    assert theirs.ticket_id not in texts(dispatcher)
