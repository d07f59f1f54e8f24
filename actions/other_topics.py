"""What is not ours (top-ups, invoices, renewals, billing, faults...): the short answer for the
topic the intent classifier named, never a refund form, quote or ticket."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.choices import answer_from_offer
from actions.identity import customer_id
from actions.inquiries import ActionRefundStatus
from actions.outcomes import reached
from actions.several import answer_side_requests, sides_of
from bot.faq.other_topics import GENERAL, other_topic_answer
from bot.vocabulary import ConversationOutcome
from bot.wiring import services


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if customer_id(tracker) and any(e.get("entity") == "ticket_id" for e in tracker.latest_message.get("entities", [])):
            # 「RF…超时了吧？」: a message about one of their tickets is never out of scope.
            return ActionRefundStatus().run(dispatcher, tracker, domain)
        picked = answer_from_offer(dispatcher, tracker, domain)  # 「8核的」 after a list of servers
        if picked is not None:
            return picked
        topic = tracker.latest_message.get("topic") or {}
        name, confidence = topic.get("name"), float(topic.get("confidence") or 0.0)
        text, buttons = other_topic_answer(name, confidence, services().refunds.policy,
                                           services().handoffs.support.current().describe())
        events: List[Dict[Text, Any]] = []
        if customer_id(tracker):
            # 「催下我的退款 另外余额怎么提现」: their ticket chased (or its status said) first, and
            # another topic not ours answered too.
            main = [str(name)] if name and text != GENERAL else []
            events = answer_side_requests(dispatcher, tracker, ("chase", "status", "other"), answered=main,
                                          refund_named=True)
            if text == GENERAL and sides_of(tracker, ("other",)):
                text = ""
        if text:
            dispatcher.utter_message(text=text, buttons=buttons)
        reached(tracker, ConversationOutcome.ANSWERED)
        return events
