"""A choice among what the assistant's last answer offered as buttons, made in words: 「CDN那个」
after a list of tickets, 「8核的」 after a list of servers to downgrade. Whatever the message was
read as (a fact, out of scope, not understood), the words pick among exactly those offered and the
answer goes on as the button would have."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import ActionDowngrade, ActionSlaClaim
from actions.identity import customer_id
from actions.inquiries import ActionRefundStatus, ActionWithdrawPrompt, tickets_named_in_words
from bot.clock import utcnow
from bot.refunds.order_reference import OrderClues, resolve_order_reference
from bot.wiring import services

PAYLOAD = re.compile(r'^/(\w+)\{"(ticket_id|order_id)": "([A-Za-z0-9-]+)"\}$')
ORDER_ACTIONS = {"request_downgrade": ActionDowngrade, "claim_compensation": ActionSlaClaim}


def offered(tracker: Tracker) -> Tuple[str, str, List[str]]:
    """The buttons of the assistant's last answer that name tickets or orders: what they do (the
    payload's intent), what they name (ticket_id | order_id) and the ids; empty when none."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            found = [m for m in (PAYLOAD.match(str(b.get("payload") or "")) for b in buttons) if m is not None]
            if found:
                return found[0].group(1), found[0].group(2), [m.group(3) for m in found]
            return "", "", []
    return "", "", []


def answer_from_offer(dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: Dict[Text, Any]) -> Optional[List[Dict[Text, Any]]]:
    """The events of going on with the one offered ticket or order the words pick, or None."""
    cid = customer_id(tracker)
    does, names, ids = offered(tracker)
    typed = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
    if not cid or not ids or typed & {"ticket_id", "order_id"}:
        return None
    if names == "ticket_id":
        current = tracker.get_slot("current_ticket") if does == "ask_refund_status" else None
        # 「数据库那个呢」 after a status: the ticket just told of is one to pick too, and the one
        # meant when the words fit it and one offered alike.
        tickets = [t for t in services().refunds.tickets_for(cid) if t.ticket_id in ids or t.ticket_id == current]
        fitting = tickets_named_in_words(tracker, cid, tickets)
        if len(fitting) != 1 and not any(t.ticket_id == current for t in fitting):
            return None
        action = ActionWithdrawPrompt() if does == "cancel" else ActionRefundStatus()
        return action.run(dispatcher, tracker, domain)
    if does not in ORDER_ACTIONS and does != "request_refund":
        return None
    orders = [o for o in services().refunds.orders_to_name(cid) if o.order_id in ids]
    message = tracker.latest_message
    clues = OrderClues.from_message(str(message.get("text") or ""), message.get("entities", []), utcnow())
    reference = resolve_order_reference(replace(clues, day=None, bought_between=None), orders, utcnow())
    if len(reference.orders) != 1:
        return None
    if does == "request_refund":  # 「还有数据库那个」 after the next order was offered
        return [SlotSet("order_id", reference.orders[0].order_id), FollowupAction("refund_form")]
    tracker.slots["order_id"] = reference.orders[0].order_id  # the order in question, as a button sets it
    return ORDER_ACTIONS[does]().run(dispatcher, tracker, domain)
