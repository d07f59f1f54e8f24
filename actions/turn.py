"""The turn reader: runs after every customer message (the slot extraction runs it, before the
next action is chosen) and reads the message against the yes/no question pending outside a form —
withdraw this ticket?, appeal?, file this downgrade or compensation? A decline (「算了还是不撤了」
「那就这样吧 不申诉了」「30块代金券？不要了」) or anything that is not a yes drops the question, so it
is never left waiting; the reading itself is bot.nlu.reader's."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import ActionConfirmChange
from actions.inquiries import ActionWithdrawTicket
from bot.clock import utcnow
from bot.nlu.reader import read
from bot.refunds import ticket_replies

# The slot that holds each question, and the intents that go on with it rather than leave it.
PENDING = {"withdraw_ticket": {"affirm", "withdraw_ticket"}, "appeal_ticket": {"affirm", "appeal_rejection"},
           "pending_change": {"affirm", "request_downgrade", "claim_compensation"},
           "next_orders": {"affirm", "request_refund", "inform"}}


class ActionReadTurn(Action):
    def name(self) -> Text:
        return "action_read_turn"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.active_loop.get("name"):
            return []
        message = tracker.latest_message
        text = str(message.get("text") or "")
        intent = (message.get("intent") or {}).get("name") or ""
        pending = [slot for slot in PENDING if tracker.get_slot(slot)]
        if not pending or text.startswith("/"):
            return []
        reading = read(text, intent, message.get("entities", []), pending[0], utcnow())
        events: List[Dict[Text, Any]] = []
        for slot in pending:
            goes_on = intent in PENDING[slot] or (reading.confirms and intent != "deny")
            if goes_on and not reading.stops:
                continue
            events.append(SlotSet(slot, None))
        if events and (reading.stops or reading.declines) and intent not in ("deny", "goodbye", "cancel"):
            dispatcher.utter_message(text=ticket_replies.QUESTION_DROPPED)
        return events


class ActionAnswerYes(Action):
    """A yes whose question was not the last thing said (「CDN那个」 picked the ticket, then 「确认」):
    the question still pending is the one answered; with none pending, ask what else."""

    def name(self) -> Text:
        return "action_answer_yes"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("withdraw_ticket"):
            return ActionWithdrawTicket().run(dispatcher, tracker, domain)
        if tracker.get_slot("pending_change"):
            return ActionConfirmChange().run(dispatcher, tracker, domain)
        if tracker.get_slot("appeal_ticket"):
            return [FollowupAction("appeal_form")]
        if tracker.get_slot("next_orders"):  # 「好」 to going on with the next order named with the last
            return [SlotSet("order_id", tracker.get_slot("next_orders")[0]), FollowupAction("refund_form")]
        dispatcher.utter_message(response="utter_anything_else")
        return []
