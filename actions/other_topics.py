"""What is not ours (top-ups, invoices, renewals, billing, faults...): the short answer for the
topic the intent classifier named, never a refund form, quote or ticket — unless the words name
the customer's own orders exactly and ask for their money back (the classifier misread them)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.choices import answer_from_offer
from actions.identity import customer_id
from actions.inquiries import ActionRefundStatus
from actions.outcomes import reached
from actions.refund_form import names_own_order
from actions.several import answer_side_requests, sides_of
from bot.faq.other_topics import GENERAL, other_topic_answer
from bot.nlu.reader import wants_money_back
from bot.vocabulary import ConversationOutcome
from bot.wiring import services

# Topics whose money is never one of our orders' (another shop's refund), whatever the words name.
NEVER_OURS = frozenset({"other_platform"})


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
        text = str(tracker.latest_message.get("text") or "")
        if name not in NEVER_OURS and wants_money_back(text) and names_own_order(tracker, exactly=True):
            # 「2核4G的跟1T的流量包 都不想要了」 read as not ours: money back for their own orders.
            return [FollowupAction("refund_form")]
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
