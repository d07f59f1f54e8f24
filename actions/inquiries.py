"""Questions about existing tickets: status (with escalation), amount, rejection, withdrawal,
and what changed since the customer's last visit."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off
from actions.identity import customer_id
from actions.outcomes import reached
from actions.refund_form import names_own_order
from actions.several import answer_side_requests, sides_of
from bot.clock import utcnow
from bot.errors import NotFound
from bot.faq.answers import answer
from bot.faq.topics import MIN_CONFIDENCE, default_classifier
from bot.nlu.reader import appeal_demanded, says_refund, still_dissatisfied
from bot.policy.explain import deduction_section
from bot.refunds import replies, ticket_replies
from bot.refunds.order_reference import (
    OrderClues,
    TicketClues,
    names_an_order,
    resolve_order_reference,
    tickets_fitting,
)
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.models import Ticket
from bot.vocabulary import ConversationOutcome, HandoffReason, TicketStatus
from bot.wiring import services

# After an amount is explained: a person for a claim beyond the policy, or a formal complaint.


def _mentioned_ticket_id(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities", []):
        if entity["entity"] == "ticket_id":
            return str(entity["value"]).upper()
    return None


def _ticket_of_named_order(tracker: Tracker, cid: str) -> Optional[Ticket]:
    """The newest ticket of the order the message names — by its id, or in words when exactly
    one of the customer's orders with tickets fits them — else None."""
    service = services().refunds
    tickets = _by_ticket_words(tracker, service.tickets_for(cid))  # newest first
    entities = tracker.latest_message.get("entities", [])
    named = {str(e.get("value")) for e in entities if e.get("entity") == "order_id"}
    described = TicketClues.from_message(_text(tracker), utcnow())
    if not named and described.any and len(tickets_fitting(described, tickets)) == 1:
        return tickets_fitting(described, tickets)[0]  # 「上个月底提的那个退款单」: the one that fits
    if not named:
        clues = OrderClues.from_message(str(tracker.latest_message.get("text") or ""), entities, utcnow())
        ticketed = {t.order_id for t in tickets}
        reference = resolve_order_reference(clues, [o for o in service.orders_to_name(cid)
                                                    if o.order_id in ticketed], utcnow())
        if clues.ordinal is not None or len(reference.orders) != 1:
            return None
        named = {reference.orders[0].order_id}
    return next((t for t in tickets if t.order_id in named), None)


def _names_own_order(clause: str, tracker: Tracker) -> bool:
    """A clause that asks for a refund of one of the customer's orders, named in words, that has
    no ticket yet (「按量那台能不能也退了」)."""
    cid = customer_id(tracker)
    if cid is None or not says_refund(clause):
        return False
    clues = OrderClues.from_message(clause, [], utcnow())
    if not names_an_order(clues, clause):
        return False
    ticketed = {t.order_id for t in services().refunds.tickets_for(cid)}
    orders = [o for o in services().refunds.orders_to_name(cid) if o.order_id not in ticketed]
    return len(resolve_order_reference(clues, orders, utcnow()).orders) == 1


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _by_ticket_words(tracker: Tracker, tickets: List[Ticket]) -> List[Ticket]:
    """`tickets` narrowed by what the words say of a ticket (filed when, state, kind); all of
    them when the words say nothing of one or nothing fits."""
    clues = TicketClues.from_message(_text(tracker), utcnow())
    fitting = tickets_fitting(clues, tickets) if clues.any else tickets
    return fitting or tickets


def tickets_named_in_words(tracker: Tracker, cid: str, tickets: List[Ticket]) -> List[Ticket]:
    """Those of `tickets` the message's words fit: by the ticket itself (「在审核的」「上个月底提的」)
    and by its order (none when the words name neither)."""
    if TicketClues.from_message(_text(tracker), utcnow()).any:
        fitting = _by_ticket_words(tracker, tickets)
        if len(fitting) < len(tickets):
            narrowed = _tickets_by_order_words(tracker, cid, fitting)
            return narrowed or fitting
    return _tickets_by_order_words(tracker, cid, tickets)


def _tickets_by_order_words(tracker: Tracker, cid: str, tickets: List[Ticket]) -> List[Ticket]:
    message = tracker.latest_message
    clues = OrderClues.from_message(str(message.get("text") or ""), message.get("entities", []), utcnow())
    orders = [o for o in services().refunds.orders_to_name(cid) if o.order_id in {t.order_id for t in tickets}]
    reference = resolve_order_reference(clues, orders, utcnow())
    if not reference.understood or clues.ordinal is not None:
        return []
    fitting = {o.order_id for o in reference.orders}
    return [t for t in tickets if t.order_id in fitting]


class _TicketAction(Action, ABC):
    """Shared lookup: the ticket named in the message, else the one the conversation is about
    (`current_ticket`), else the customer's tickets. Whatever ticket the answer is about
    becomes the conversation's current ticket."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(response="utter_login_required")
            return []
        reached(tracker, ConversationOutcome.ANSWERED)
        ticket_id = _mentioned_ticket_id(tracker)
        if ticket_id:
            ticket = services().refunds.ticket(cid, ticket_id)
            if ticket is None:
                dispatcher.utter_message(text=ticket_replies.NOT_FOUND)
                return []
            return self._about(ticket, self.answer_one(dispatcher, tracker, ticket))
        named = _ticket_of_named_order(tracker, cid)  # 「那台2核4G退了没」: that order's ticket
        if named is not None:
            return self._about(named, self.answer_one(dispatcher, tracker, named))
        current = tracker.get_slot("current_ticket")
        ticket = services().refunds.ticket(cid, current) if current else None
        if ticket is not None and self.fits_context(ticket):
            events = self.answer_one(dispatcher, tracker, ticket)
            self.mention_others(dispatcher, [t for t in services().refunds.tickets_for(cid) if t.ticket_id != current])
            return self._about(ticket, events)
        return self.answer_all(dispatcher, tracker, services().refunds.tickets_for(cid))

    def mention_others(self, dispatcher: CollectingDispatcher, others: List[Ticket]) -> None:
        """After answering about the ticket in context, what to say of the customer's others."""

    def fits_context(self, ticket: Ticket) -> bool:
        """Whether a question that names no ticket is about `ticket`, the one just discussed."""
        return True

    @staticmethod
    def _about(ticket: Ticket, events: List[Dict]) -> List[Dict]:
        return [*events, SlotSet("current_ticket", ticket.ticket_id)]

    @abstractmethod
    def answer_one(self, dispatcher: CollectingDispatcher, tracker: Tracker, ticket: Ticket) -> List[Dict]:
        """Answer about the ticket the customer named."""

    @abstractmethod
    def answer_all(self, dispatcher: CollectingDispatcher, tracker: Tracker, tickets: List[Ticket]) -> List[Dict]:
        """Answer when no ticket was named; `tickets` are the customer's, newest first."""


class ActionRefundStatus(_TicketAction):
    def name(self) -> Text:
        return "action_refund_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events = super().run(dispatcher, tracker, domain)
        if tracker.active_loop.get("name") or any(e.get("event") == "followup" for e in events):
            return events
        final = _final_rejection_in_focus(tracker, events)
        if final is not None and still_dissatisfied(_text(tracker)):
            # 「申诉也没过 这结果我接受不了」: the status and the ways beyond it said, and a person
            # (out of hours: a message or call-back) besides.
            return events + hand_off(dispatcher, tracker, HandoffReason.DISSATISFIED, final.ticket_id,
                                     lead_in=ticket_replies.STILL_DISSATISFIED)
        kinds = {side.kind for side in sides_of(tracker, ("callback", "human"))}
        if "callback" in kinds:  # 「退款到哪了 另外能不能回个电话」: then the call-back's details
            return events + [SlotSet("contact_choice", "callback"), FollowupAction("leave_message_form")]
        if "human" in kinds:
            return events + hand_off(dispatcher, tracker, "requested")
        if customer_id(tracker) and any(_names_own_order(side.clause, tracker)
                                        for side in sides_of(tracker, ("question",))):
            # 「退款到哪了 还有按量那台能不能也退了」: that order's refund, by the form (its opening
            # does not answer this message's requests again).
            return events + [SlotSet("form_stopped", False), FollowupAction("refund_form")]
        # 「…到哪了 顺便问下发票咋开」: a question not ours answered too.
        return events + answer_side_requests(dispatcher, tracker, ("other",))

    def answer_one(self, dispatcher, tracker, ticket):
        workflow = services().workflow
        escalated_to = workflow.escalate_if_overdue(ticket)
        if escalated_to is not None:
            ticket = services().refunds.ticket(ticket.customer_id, ticket.ticket_id)
        dispatcher.utter_message(text=ticket_replies.status_text(ticket, escalated_to, services().pages))
        if ticket.status == "needs_info" and tracker.active_loop.get("name") is None:
            # Ask for exactly what the reviewer listed, right away.
            return [SlotSet("supplement_ticket", ticket.ticket_id), FollowupAction("supplement_form")]
        return []

    def answer_all(self, dispatcher, tracker, tickets):
        if not tickets:
            # 「周末提交的退款也算工作日吗」: a question about the rules, answered as such.
            topic, confidence = default_classifier().predict(str(tracker.latest_message.get("text") or ""))
            if topic != "overview" and confidence >= MIN_CONFIDENCE:
                dispatcher.utter_message(text=answer(topic, services().refunds.policy))
            dispatcher.utter_message(text=ticket_replies.NO_TICKETS, buttons=ticket_replies.NO_TICKETS_BUTTONS)
            return []
        # The one the customer most likely means: one waiting for them, else the newest.
        needing_info = [t for t in tickets if t.status == "needs_info"]
        focus = (needing_info or tickets)[0]
        events = self.answer_one(dispatcher, tracker, focus)
        self.mention_others(dispatcher, [t for t in tickets if t.ticket_id != focus.ticket_id])
        return self._about(focus, events)

    def mention_others(self, dispatcher, others):
        if others:
            dispatcher.utter_message(text=replies.ticket_list(others, heading=ticket_replies.OTHER_TICKETS),
                                     buttons=replies.ticket_buttons(others))


def _final_rejection_in_focus(tracker: Tracker, events: List[Dict[Text, Any]]) -> Optional[Ticket]:
    """The ticket an answer was about (its `current_ticket`), when its appeal was finally rejected."""
    cid = customer_id(tracker)
    focus = next((e.get("value") for e in reversed(events)
                  if e.get("event") == "slot" and e.get("name") == "current_ticket"), None)
    ticket = services().refunds.ticket(cid, str(focus)) if cid and focus else None
    return ticket if ticket is not None and ticket.status == TicketStatus.FINAL_REJECTED else None


class ActionRefundAmount(_TicketAction):
    def name(self) -> Text:
        return "action_refund_amount"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            # A guest's "why is it less": how any refund is computed; their own needs a login.
            policy = services().refunds.policy
            dispatcher.utter_message(text="\n".join([*(answer(t, policy) for t in ("consumed", "fees", "vouchers")),
                                                      ticket_replies.AMOUNT_OWN_NEEDS_LOGIN]))
            return []
        if (not tracker.active_loop.get("name") and not _mentioned_ticket_id(tracker)
                and names_own_order(tracker) and _ticket_of_named_order(tracker, cid) is None):
            # 「2026… 不用了 能退多少」: an order without a ticket — the refund form quotes it.
            return [FollowupAction("refund_form")]
        return super().run(dispatcher, tracker, domain)

    def answer_one(self, dispatcher, tracker, ticket):
        dispatcher.utter_message(text=ticket_replies.amount_text(ticket), buttons=ticket_replies.AMOUNT_BUTTONS)
        return []

    def answer_all(self, dispatcher, tracker, tickets):
        order_id, reason = tracker.get_slot("order_id"), tracker.get_slot("refund_reason")
        in_form = tracker.active_loop.get("name") == "refund_form"
        if in_form and order_id and reason:
            quote = services().refunds.quote(customer_id(tracker), order_id, reason)
            why = deduction_section([line.code for line in quote.lines if line.amount < 0], reason)
            dispatcher.utter_message(text="\n".join([quote.explanation, *why]))
        elif in_form:
            dispatcher.utter_message(text=ticket_replies.AMOUNT_AFTER_ORDER_AND_REASON)
        elif open_tickets := [t for t in tickets if t.is_open or t.status == "rejected"]:
            dispatcher.utter_message(text=ticket_replies.amount_text(open_tickets[0]), buttons=ticket_replies.AMOUNT_BUTTONS)
            return [SlotSet("current_ticket", open_tickets[0].ticket_id)]
        else:
            # No ticket in progress: the question is about what an order would bring back.
            dispatcher.utter_message(text=ticket_replies.AMOUNT_WITHOUT_TICKET,
                                     buttons=ticket_replies.AMOUNT_WITHOUT_TICKET_BUTTONS)
        return []


class ActionAppealRejection(_TicketAction):
    """Explains a rejection and offers the appeal (then appeal_form collects the statement)."""

    def name(self) -> Text:
        return "action_appeal_rejection"

    def fits_context(self, ticket: Ticket) -> bool:
        return ticket.status in ("rejected", "final_rejected")  # else find the rejected one

    def answer_one(self, dispatcher, tracker, ticket):
        if ticket.status == "rejected":
            text = str(tracker.latest_message.get("text") or "")
            if appeal_demanded(text) or tracker.get_slot("appeal_ticket") == ticket.ticket_id:
                # 「我要申诉」, or 「申诉」 answering the offer: the rejection said, then the appeal form.
                dispatcher.utter_message(text=ticket_replies.appeal_start(ticket))
                return [SlotSet("appeal_ticket", ticket.ticket_id), FollowupAction("appeal_form")]
            return self._offer_appeal(dispatcher, ticket)
        if ticket.status == "final_rejected":
            dispatcher.utter_message(text=ticket_replies.status_text(ticket, pages=services().pages))
            if not still_dissatisfied(str(tracker.latest_message.get("text") or "")):
                # 「申诉结果出来了吗」: the result and the ways beyond it; a person if they want one.
                dispatcher.utter_message(text=ticket_replies.PERSON_IF_NEEDED, buttons=replies.CHECK_WITH_AGENT_BUTTONS)
                return []
            # Still dissatisfied after the appeal: a human explains and looks for a way forward.
            return hand_off(dispatcher, tracker, HandoffReason.DISSATISFIED, ticket.ticket_id,
                            lead_in=ticket_replies.STILL_DISSATISFIED)
        dispatcher.utter_message(text=ticket_replies.not_rejected(ticket))
        return []

    def answer_all(self, dispatcher, tracker, tickets):
        rejected = [t for t in tickets if t.status in ("rejected", "final_rejected")]
        if not rejected and tickets:
            # 「我的退款是不是被拒了」: no — where the newest one stands.
            dispatcher.utter_message(text=ticket_replies.not_rejected(tickets[0]))
            dispatcher.utter_message(text=ticket_replies.status_text(tickets[0], pages=services().pages))
            return self._about(tickets[0], [])
        if not rejected:
            dispatcher.utter_message(text=ticket_replies.NO_REJECTED_TICKET,
                                     buttons=ticket_replies.NO_REJECTED_TICKET_BUTTONS)
            return []
        return self._about(rejected[0], self.answer_one(dispatcher, tracker, rejected[0]))

    @staticmethod
    def _offer_appeal(dispatcher: CollectingDispatcher, ticket: Ticket) -> List[Dict]:
        dispatcher.utter_message(
            text=ticket_replies.appeal_offer(ticket), buttons=ticket_replies.APPEAL_BUTTONS)
        return [SlotSet("appeal_ticket", ticket.ticket_id)]


class ActionWithdrawPrompt(Action):
    """`cancel` outside a form: offer to withdraw a ticket that is not yet approved."""

    def name(self) -> Text:
        return "action_withdraw_prompt"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid is None:
            dispatcher.utter_message(response="utter_login_required")
            return [SlotSet("withdraw_ticket", None)]
        tickets = [t for t in services().refunds.tickets_for(cid) if services().workflow.withdrawable(t)]
        named = _mentioned_ticket_id(tracker)
        if named:
            tickets = [t for t in tickets if t.ticket_id == named]
        if not tickets and not named:
            # 「把申请撤回」 when the newest ticket is past withdrawing: say which and why.
            newest = services().refunds.tickets_for(cid)[:1]
            if newest and not newest[0].is_open:
                newest = []
            if newest:
                dispatcher.utter_message(text=ticket_replies.cannot_withdraw(newest[0].ticket_id, newest[0]))
                return [SlotSet("withdraw_ticket", None)]
        if len(tickets) > 1 and not named:
            # 「把数据库那个退款撤了」「CDN那个」: the tickets of the orders the words fit.
            tickets = tickets_named_in_words(tracker, cid, tickets) or tickets
        if not tickets:
            dispatcher.utter_message(text=ticket_replies.NOTHING_TO_WITHDRAW)
            return [SlotSet("withdraw_ticket", None)]
        if len(tickets) > 1:
            dispatcher.utter_message(text=ticket_replies.WHICH_TO_WITHDRAW,
                                     buttons=ticket_replies.withdraw_buttons(tickets))
            return [SlotSet("withdraw_ticket", None)]
        ticket = tickets[0]
        dispatcher.utter_message(
            text=ticket_replies.withdraw_question(ticket), buttons=ticket_replies.WITHDRAW_BUTTONS)
        return [SlotSet("withdraw_ticket", ticket.ticket_id)]


class ActionWithdrawTicket(Action):
    def name(self) -> Text:
        return "action_withdraw_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid, ticket_id = customer_id(tracker), tracker.get_slot("withdraw_ticket")
        if not cid or not ticket_id:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("withdraw_ticket", None)]
        try:
            ticket = services().workflow.withdraw(cid, ticket_id)
            dispatcher.utter_message(text=ticket_replies.withdrawn(ticket))
            reached(tracker, ConversationOutcome.WITHDRAWN)
        except NotFound:
            dispatcher.utter_message(text=ticket_replies.NOT_FOUND)
        except IllegalTransition:
            current = services().refunds.ticket(cid, ticket_id)
            dispatcher.utter_message(text=ticket_replies.cannot_withdraw(ticket_id, current))
        return [SlotSet("withdraw_ticket", None)]


class ActionGreet(Action):
    """Greets, and first tells a returning customer which tickets changed since the last visit."""

    def name(self) -> Text:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cid = customer_id(tracker)
        if cid:
            changed = services().refunds.changes_since_last_visit(cid)
            if changed:
                dispatcher.utter_message(text=ticket_replies.welcome_back([ticket for ticket, _ in changed]))
        dispatcher.utter_message(text=replies.GREETING)
        return []
