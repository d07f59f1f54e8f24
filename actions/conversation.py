"""General actions: identity check, human handoff request, ids typed outside a form, policy."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import ActionSlaClaim
from actions.choices import answer_from_offer
from actions.identity import customer_id
from actions.inquiries import ActionRefundStatus, tickets_named_in_words
from actions.outcomes import reached
from actions.refund_form import names_own_order
from actions.several import answer_side_requests, sides_of
from bot.clock import utcnow
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
from bot.nlu.reader import APPLY, asks_about_own_refund, reason_of, says_refund, wants_money_back
from bot.refunds import replies
from bot.refunds.order_reference import TicketClues
from bot.vocabulary import ConversationOutcome
from bot.wiring import services


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
        if not tracker.active_loop.get("name") and names_own_order(tracker):
            # 「99块的那个轻量能退吗」: about one of their own orders — the refund form answers for it.
            return [FollowupAction("refund_form")]
        if customer_id(tracker) and asks_about_own_refund(str(tracker.latest_message.get("text") or "")) \
                and services().refunds.tickets_for(customer_id(tracker) or ""):
            # 「我的退款是全额吗」: about their own ticket — its amount, line by line.
            from actions.inquiries import ActionRefundAmount  # noqa: PLC0415 (it imports this module)
            return ActionRefundAmount().run(dispatcher, tracker, domain)
        if len(sides_of(tracker, ("question",))) >= 2:
            # 「退款收手续费吗？多久能到账？」: each question answered.
            return answer_side_requests(dispatcher, tracker, ("question",))
        policy = services().refunds.policy
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
        reached(tracker, ConversationOutcome.ANSWERED)
        return []


class ActionRefundChannel(Action):
    """Through which channels a refund can be applied for."""

    def name(self) -> Text:
        return "action_refund_channel"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=channels(services().handoffs.support.current().describe(), services().pages))
        reached(tracker, ConversationOutcome.ANSWERED)
        return []


class ActionPauseRelease(Action):
    """Stopping, releasing or downgrading a resource instead of a refund, and what it costs."""

    def name(self) -> Text:
        return "action_pause_release"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=pause_release(services().refunds.policy))
        reached(tracker, ConversationOutcome.ANSWERED)
        return []


class ActionPayoutAccount(Action):
    """Where the money goes and whether the payout account can be changed."""

    def name(self) -> Text:
        return "action_payout_account"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=payout_account(services().refunds.policy),
                                 buttons=replies.CHECK_WITH_AGENT_BUTTONS)
        reached(tracker, ConversationOutcome.ANSWERED)
        return []


class ActionHandleInform(Action):
    """An id or reason typed outside any form: ask what the customer wants to do with it."""

    def name(self) -> Text:
        return "action_handle_inform"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities", [])}
        text = str(tracker.latest_message.get("text") or "")
        if customer_id(tracker) and APPLY.search(text) and reason_of(text) == "service_issue" \
                and not says_refund(text):
            # 「那帮我申请 就是前天断网那台」: compensation for the server that was down.
            return ActionSlaClaim().run(dispatcher, tracker, domain)
        if "ticket_id" not in entities and customer_id(tracker) and (
                (says_refund(text) and (names_own_order(tracker) or reason_of(text)))
                or (wants_money_back(text) and names_own_order(tracker))):
            # 「4核8G那台 不是续费的那个 退了」「2026… 网络不通，要求退款」「CDN那个 推款」
            # 「2核4G那个买错地域了」: a refund for that order.
            return [FollowupAction("refund_form")]
        picked = answer_from_offer(dispatcher, tracker, domain)  # 「CDN那个」 after a list
        if picked is not None:
            return picked
        cid = customer_id(tracker)
        if cid and tracker.get_slot("current_ticket") and not entities.keys() & {"order_id", "instance_id"} \
                and len(tickets_named_in_words(tracker, cid, services().refunds.tickets_for(cid))) == 1:
            # 「数据库那个呢」 after a ticket's status: the status of the other one the words name.
            return ActionRefundStatus().run(dispatcher, tracker, domain)
        if customer_id(tracker) and not entities.keys() & {"order_id", "instance_id"} \
                and TicketClues.from_message(text, utcnow()).any:
            # 「被驳回的那单是怎么回事」「上个月底提的那个」: the ticket meant, and where it stands.
            return ActionRefundStatus().run(dispatcher, tracker, domain)
        if "ticket_id" in entities:
            text = replies.ticket_id_received(entities["ticket_id"])
            buttons = replies.TICKET_ID_BUTTONS
        elif "order_id" in entities or "instance_id" in entities:
            ref = str(entities.get("order_id") or entities.get("instance_id"))
            text = replies.reference_received(ref)
            buttons = replies.ORDER_REFERENCE_BUTTONS
        else:
            text = replies.INFORM_MENU
            buttons = replies.INFORM_MENU_BUTTONS
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
