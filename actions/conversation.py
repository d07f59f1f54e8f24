"""General actions: identity check, human handoff request, ids typed outside a form, policy."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import customer_id
from bot.faq.answers import (
    CHECK_MY_ORDERS_BUTTONS,
    answer,
    channels,
    pause_release,
    payout_account,
    policy_summary,
    product_answer,
    product_named,
)
from bot.faq.topics import MIN_CONFIDENCE, default_classifier
from bot.wiring import handoff_service, refund_service


class ActionCheckCustomer(Action):
    def name(self) -> Text:
        return "action_check_customer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return [SlotSet("customer_known", customer_id(tracker) is not None)]


class ActionRefundPolicy(Action):
    def name(self) -> Text:
        return "action_refund_policy"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        policy = refund_service().policy
        text = tracker.latest_message.get("text") or ""
        topic, confidence = default_classifier().predict(text)
        product = product_named(text)
        if product and (topic == "overview" or confidence < MIN_CONFIDENCE):
            # "Can I get a refund for X?": the rule for X and an offer to check their orders.
            dispatcher.utter_message(text=product_answer(product, policy), buttons=CHECK_MY_ORDERS_BUTTONS)
        elif confidence >= MIN_CONFIDENCE:
            dispatcher.utter_message(text=answer(topic, policy))
        else:
            dispatcher.utter_message(text=policy_summary(policy))
        return []


class ActionRefundChannel(Action):
    """Through which channels a refund can be applied for."""

    def name(self) -> Text:
        return "action_refund_channel"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=channels(handoff_service().support.current().describe()))
        return []


class ActionPauseRelease(Action):
    """Stopping, releasing or downgrading a resource instead of a refund, and what it costs."""

    def name(self) -> Text:
        return "action_pause_release"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=pause_release(refund_service().policy))
        return []


class ActionPayoutAccount(Action):
    """Where the money goes and whether the payout account can be changed."""

    def name(self) -> Text:
        return "action_payout_account"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=payout_account(refund_service().policy),
                                 buttons=[{"title": "转人工核实", "payload": "/request_human"}])
        return []


class ActionHandleInform(Action):
    """An id or reason typed outside any form: ask what the customer wants to do with it."""

    def name(self) -> Text:
        return "action_handle_inform"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities", [])}
        if "ticket_id" in entities:
            text = f"收到工单号 {entities['ticket_id']}。需要我查询它的进度吗？"
            buttons = [{"title": "查询进度", "payload": "/ask_refund_status"},
                       {"title": "解释退款金额", "payload": "/ask_refund_amount"}]
        elif "order_id" in entities or "instance_id" in entities:
            ref = entities.get("order_id") or entities.get("instance_id")
            text = f"收到 {ref}。请问需要办理什么？"
            buttons = [{"title": "为它申请退款", "payload": "/request_refund"},
                       {"title": "查询退款进度", "payload": "/ask_refund_status"}]
        else:
            text = "收到。请问需要我帮您做什么？"
            buttons = [{"title": "申请退款", "payload": "/request_refund"},
                       {"title": "查询退款进度", "payload": "/ask_refund_status"},
                       {"title": "了解退款政策", "payload": "/ask_refund_policy"}]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
